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
)

// Function is one Lambda and its share of the API.
type Function struct {
	Name      string   // functions/<Name>/main.go → dist/<Name>/bootstrap
	Prefixes  []string // every path starting with one of these is routed here
	MemoryMB  int
	TimeoutS  int
	Resources []string
}

// Functions lists every route group.
var Functions = []Function{
	{
		Name:      "platform",
		Prefixes:  []string{"/api/health", "/api/openapi", "/api/docs", "/api/schemas"},
		MemoryMB:  256,
		TimeoutS:  10,
		Resources: nil,
	},
	{
		Name:      "auth",
		Prefixes:  []string{"/api/auth", "/api/tenant/auth", "/api/admin/auth"},
		MemoryMB:  512, // argon2id wants memory and the CPU that comes with it
		TimeoutS:  10,
		Resources: []string{ControlTable, TenantTables, JWTSecret},
	},
	{
		Name:      "customers",
		Prefixes:  []string{"/api/customers", "/api/tenant/customers"},
		MemoryMB:  256,
		TimeoutS:  15,
		Resources: []string{ControlTable, TenantTables, JWTSecret, Bus},
	},
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
