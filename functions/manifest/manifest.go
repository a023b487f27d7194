// Package manifest is the one table of route groups: which Lambda serves
// which path prefixes and what AWS resources it needs. The local runner
// mounts it and the CDK app reads it, so the two can never disagree.
// It is plain data with no dependencies, so infra can import it cheaply.
package manifest

// Resources a function may need; infra grants exactly these.
const (
	ControlTable = "control-table"
	TenantTables = "tenant-tables"
	TenantAdmin  = "tenant-provisioning" // create/delete tenant tables
	Documents    = "documents-bucket"
	Bus          = "event-bus"
	Email        = "ses"
	SMS          = "sns-sms"
	JWTSecret    = "jwt-secret"
	Connections  = "websocket-connections" // post to WebSocket clients
	// StreamWiring connects tenant tables' streams to the relay function
	// (event source mappings; provisioning and purge).
	StreamWiring = "stream-wiring"
	// TenantStreams reads tenant tables' DynamoDB streams (the relay).
	TenantStreams = "tenant-streams"
	// CampaignScheduler makes EventBridge Scheduler one-time schedules
	// that put email.campaign_due on the bus (scheduled campaigns).
	CampaignScheduler = "campaign-scheduler"
)

// Kinds of function: behind the HTTP API, the WebSocket API's handler,
// run on a schedule, or consuming events of the bus.
const (
	HTTP      = "http"
	WebSocket = "websocket"
	Scheduled = "scheduled"
	Consumer  = "consumer"
	// Stream functions read every tenant table's DynamoDB stream through
	// event source mappings made at provisioning (the event relay).
	Stream = "stream"
)

// Function is one Lambda and its share of the API.
type Function struct {
	Name      string   // functions/<Name>/main.go → dist/<Name>/bootstrap
	Kind      string   // HTTP (default), WebSocket or Scheduled
	Schedule  string   // EventBridge schedule expression of a Scheduled function
	Events    []string // detail types a Consumer function receives
	Source    string   // a Consumer's event source: "" is Payvand's bus; an AWS one ("aws.ses") is the default bus
	Prefixes  []string // every path starting with one of these is routed here
	MemoryMB  int
	TimeoutS  int
	Resources []string
}

// Functions lists every route group.
var Functions = []Function{
	{
		Name: "platform",
		// API Gateway matches whole path segments, hence the file names.
		Prefixes:  []string{"/api/health", "/api/openapi.json", "/api/docs"},
		MemoryMB:  128,
		TimeoutS:  5,
		Resources: nil, // health and a static document: no data, no keys
	},
	{
		Name:      "auth",
		Prefixes:  []string{"/api/auth", "/api/tenant/auth", "/api/admin/auth"},
		MemoryMB:  512, // argon2id wants memory and the CPU that comes with it
		TimeoutS:  10,
		Resources: []string{ControlTable, TenantTables, TenantAdmin, JWTSecret, Email, StreamWiring},
	},
	{
		Name: "admin",
		// /api/admin/auth/* stays with auth: API Gateway picks the longest
		// matching route. /api/internal/* is deliberately not routed.
		Prefixes:  []string{"/api/admin"},
		MemoryMB:  256,
		TimeoutS:  30, // provisioning creates a table
		Resources: []string{ControlTable, TenantTables, TenantAdmin, JWTSecret, Email, StreamWiring},
	},
	{
		Name: "team",
		Prefixes: []string{"/api/users", "/api/tenant/users", "/api/tenant/info", "/api/tenant/setup", "/api/tenant/settings",
			"/api/tenant/usage", "/api/profile", "/api/permissions", "/api/settings/organization", "/api/settings/preferences"},
		MemoryMB:  512, // argon2id for new users' passwords
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Email},
	},
	{
		Name: "files",
		// /api/profile/avatar is longer than team's /api/profile: API
		// Gateway routes it here.
		Prefixes:  []string{"/api/profile/avatar", "/api/uploads"},
		MemoryMB:  512, // image decoding and resizing
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Documents},
	},
	{
		Name: "customers",
		// The CRM core: customers, their contacts and companies.
		Prefixes:  []string{"/api/customers", "/api/tenant/customers", "/api/contacts", "/api/tenant/contacts", "/api/companies", "/api/cleanup-duplicates"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus},
	},
	{
		Name:      "products",
		Prefixes:  []string{"/api/products", "/api/tenant/products", "/api/customer-product-interests"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus},
	},
	{
		Name:     "imports",
		Prefixes: []string{"/api/import"},
		MemoryMB: 1024, // whole files in memory while they are parsed
		TimeoutS: 30,
		// Large files go to S3 and an import.requested event to the worker.
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus, Documents},
	},
	{
		Name:      "importworker",
		Kind:      Consumer,
		Events:    []string{"import.requested"},
		MemoryMB:  1024,
		TimeoutS:  900,
		Resources: []string{ControlTable, TenantTables, Documents},
	},
	{
		Name: "sales",
		// Pipelines, deals and activities, with the customer's and
		// contact's views of them (longer than customers' prefixes, so
		// API Gateway routes them here).
		Prefixes: []string{"/api/pipelines", "/api/deals", "/api/tenant/deals", "/api/customers/{id}/deals",
			"/api/customers/{id}/pipeline", "/api/customers/{id}/sales-stage", "/api/activities", "/api/tenant/activities",
			"/api/customers/{id}/activities", "/api/contacts/{id}/activities", "/api/sales", "/api/reports/today"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus},
	},
	{
		Name: "tasks",
		// Work management: tasks with their comments, time and files,
		// labels, departments and positions.
		Prefixes:  []string{"/api/tasks", "/api/tenant/tasks", "/api/labels", "/api/departments", "/api/positions"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus, Documents},
	},
	{
		Name: "documents",
		// Documents with their categories and share links (the public
		// share pages too). /api/uploads stays with files.
		Prefixes:  []string{"/api/documents", "/api/document-categories"},
		MemoryMB:  512, // files up to 10 MB pass through memory
		TimeoutS:  30,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus, Documents, Email},
	},
	{
		Name: "feedback",
		// Feedback forms, responses and their analysis, with the public
		// form and submit routes.
		Prefixes:  []string{"/api/feedback", "/api/tenant/feedback"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus, Email},
	},
	{
		Name:      "search",
		Prefixes:  []string{"/api/search"},
		MemoryMB:  256,
		TimeoutS:  10,
		Resources: []string{ControlTable, TenantTables, JWTSecret},
	},
	{
		Name:      "housekeeping",
		Kind:      Scheduled,
		Schedule:  "rate(1 hour)", // drops tenant tables whose deletion grace has passed
		MemoryMB:  128,
		TimeoutS:  300,
		Resources: []string{ControlTable, TenantAdmin, StreamWiring}, // the purge detaches the relay
	},
	{
		Name:     "realtime",
		Kind:     WebSocket,
		MemoryMB: 256,
		TimeoutS: 10,
		// The bus carries ws.connected (the notifier then sends Pusher's
		// connection_established) and the tenant tables authorize
		// department and task channels.
		Resources: []string{ControlTable, TenantTables, JWTSecret, Connections, Bus},
	},
}

// Event delivery (DESIGN §7): the relay publishes every tenant table's
// outbox from its stream; consumers take the events from the bus.
var eventFunctions = []Function{
	{
		Name: "notifications",
		// A user's notifications, and the channel authorization of
		// Pusher clients.
		Prefixes:  []string{"/api/notifications", "/api/broadcasting"},
		MemoryMB:  256,
		TimeoutS:  10,
		Resources: []string{ControlTable, TenantTables, JWTSecret},
	},
	{
		Name:      "relay",
		Kind:      Stream,
		MemoryMB:  256,
		TimeoutS:  60,
		Resources: []string{TenantTables, TenantStreams, Bus},
	},
	{
		Name: "outboxsweep",
		Kind: Scheduled,
		// Republishes outbox records the stream relay missed (older than
		// ten minutes) and dead-letters those the bus keeps refusing.
		Schedule:  "rate(5 minutes)",
		MemoryMB:  256,
		TimeoutS:  240, // below the schedule's period: two sweeps never overlap for long
		Resources: []string{ControlTable, TenantTables, Bus},
	},
	{
		Name: "sesfeedback",
		Kind: Consumer,
		// SES bounces and complaints (the stack's configuration set sends
		// them to the default bus) join the tenant's suppression list.
		Source:    "aws.ses",
		Events:    []string{"Email Bounced", "Email Complained"},
		MemoryMB:  128,
		TimeoutS:  30,
		Resources: []string{ControlTable, TenantTables},
	},
	{
		Name: "notifier",
		Kind: Consumer,
		// Notifications, their e-mail and real-time delivery.
		// And customer.updated: a renamed customer's deals and activities.
		Events: []string{"task.assigned", "task.commented", "task.comment_updated", "task.status_changed", "deal.stage_changed", "deal.won",
			"import.progress", "backup.finished", "notification.created", "task.created", "task.updated", "task.deleted",
			"deal.created", "deal.updated", "deal.lost", "deal.reopened", "deal.deleted", "ws.connected", "customer.updated"},
		MemoryMB:  256,
		TimeoutS:  60,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Email, Connections},
	},
	{
		Name:      "sms",
		Prefixes:  []string{"/api/sms"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, SMS},
	},
	{
		Name:      "webhooks",
		Prefixes:  []string{"/api/webhooks"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret},
	},
	{
		Name: "webhookworker",
		Kind: Consumer,
		// Every domain event a tenant may subscribe an endpoint to
		// (webhooks.Deliverable; a test holds the two together).
		Events: []string{"customer.created", "customer.updated", "customer.deleted", "contact.created", "contact.updated", "contact.deleted",
			"product.created", "product.updated", "product.deleted", "product.stock_changed", "deal.created", "deal.updated", "deal.stage_changed",
			"deal.won", "deal.lost", "deal.reopened", "deal.deleted", "activity.created", "activity.updated", "activity.completed", "activity.deleted",
			"sale.created", "sale.updated", "sale.completed", "sale.cancelled", "sale.refunded", "sale.deleted", "sale.payment_recorded",
			"task.created", "task.updated", "task.deleted", "task.assigned", "task.status_changed", "task.commented", "import.progress",
			"document.uploaded", "document.updated", "document.version_added", "document.deleted", "document.shared", "feedback.submitted"},
		MemoryMB:  256,
		TimeoutS:  60,
		Resources: []string{ControlTable, TenantTables},
	},
	{
		Name:      "webhookretry",
		Kind:      Scheduled,
		Schedule:  "rate(1 minute)", // webhook deliveries whose retry is due (docs/webhooks.md)
		MemoryMB:  256,
		TimeoutS:  120,
		Resources: []string{ControlTable, TenantTables},
	},
	{
		Name: "emailworker",
		Kind: Consumer,
		// Campaigns: sends queued ones (handing the rest back near its
		// deadline), schedules scheduled ones, releases them when due.
		Events:    []string{"email.campaign_queued", "email.campaign_scheduled", "email.campaign_due"},
		MemoryMB:  256,
		TimeoutS:  900,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Email, CampaignScheduler},
	},
	{
		Name:     "email",
		Prefixes: []string{"/api/email", "/api/settings/email", "/api/Gmail"},
		MemoryMB: 256,
		TimeoutS: 30,
		// Documents: attachments by document id.
		Resources: []string{ControlTable, TenantTables, JWTSecret, Email, Documents},
	},
	{
		Name:      "apikeys",
		Prefixes:  []string{"/api/api-keys"},
		MemoryMB:  256,
		TimeoutS:  10,
		Resources: []string{ControlTable, TenantTables, JWTSecret},
	},
	{
		Name:      "reminders",
		Kind:      Scheduled,
		Schedule:  "rate(1 hour)", // task_due_soon notifications, daily digests, missed campaigns
		MemoryMB:  256,
		TimeoutS:  300,
		Resources: []string{ControlTable, TenantTables, Email},
	},
}

func init() { Functions = append(Functions, eventFunctions...) }

// HTTPFunctions are the functions behind the HTTP API.
func HTTPFunctions() []Function {
	var out []Function
	for _, f := range Functions {
		if f.Kind == "" || f.Kind == HTTP {
			out = append(out, f)
		}
	}
	return out
}

// Lookup returns the function with a name.
func Lookup(name string) (Function, bool) {
	for _, f := range Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Env names the environment variables a resource's function needs. The
// stack sets exactly these; a Lambda missing one refuses to start.
var Env = map[string][]string{
	ControlTable:      {"PAYVAND_CONTROL_TABLE"},
	TenantTables:      {"PAYVAND_TABLE_PREFIX"},
	TenantAdmin:       {"PAYVAND_TABLE_PREFIX"},
	JWTSecret:         {"PAYVAND_JWT_SECRET_ID"},
	Documents:         {"PAYVAND_BUCKET"},
	Bus:               {"PAYVAND_EVENT_BUS"},
	Email:             {"PAYVAND_SES_IDENTITY", "PAYVAND_MAIL_FROM", "PAYVAND_SES_CONFIGURATION_SET"},
	SMS:               nil,
	Connections:       {"PAYVAND_WS_ENDPOINT"},
	StreamWiring:      {"PAYVAND_RELAY_FUNCTION", "PAYVAND_RELAY_FAILURE_QUEUE_ARN"},
	TenantStreams:     {"PAYVAND_TABLE_PREFIX"},
	CampaignScheduler: {"PAYVAND_EVENT_BUS_ARN", "PAYVAND_SCHEDULER_ROLE_ARN"},
}

// RequiredEnv lists the variables function f needs, without repeats.
func (f Function) RequiredEnv() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range f.Resources {
		for _, v := range Env[r] {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}
