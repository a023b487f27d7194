package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
	"payvand.dev/infra/stack"
)

// synth builds the stack for a stage into the test's temp dir (with fake
// bootstraps) and returns its template as assertions and as JSON.
func synth(t *testing.T, stage string, fns ...manifest.Function) (assertions.Template, map[string]any) {
	t.Helper()
	dir := t.TempDir()
	code := filepath.Join(dir, "dist")
	if fns == nil {
		fns = manifest.Functions
	}
	for _, f := range fns {
		os.MkdirAll(filepath.Join(code, f.Name), 0o755)
		os.WriteFile(filepath.Join(code, f.Name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	st := stack.New(app, "Test", &stack.Props{
		StackProps:  awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-central-1")}},
		Stage:       stage,
		CodeDir:     code,
		CORSOrigins: []string{"https://app.example.com"},
		SESIdentity: "example.com",
		MailFrom:    "no-reply@example.com",
		Functions:   fns,
	})
	tpl := assertions.Template_FromStack(st, nil)
	var doc map[string]any
	b, _ := json.Marshal(tpl.ToJSON())
	json.Unmarshal(b, &doc)
	return tpl, doc
}

// check runs one assertion; the assertions package panics on failure,
// which would abort the whole test binary, so the panic becomes an error
// with the assertion's name.
func check(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	fn()
}

func resources(doc map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range doc["Resources"].(map[string]any) {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

func TestEveryManifestFunctionIsAnArmLambda(t *testing.T) {
	tpl, _ := synth(t, "dev")
	for _, f := range manifest.Functions {
		check(t, "function "+f.Name, func() {
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"FunctionName":  "payvand-dev-" + f.Name,
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    f.MemoryMB,
				"Timeout":       f.TimeoutS,
				"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"LogFormat": "JSON"}),
			})
		})
	}
	check(t, "log retention", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"LogGroupName": "/aws/lambda/payvand-dev-customers", "RetentionInDays": 30})
	})
}

func TestEveryPrefixRoutesToItsFunction(t *testing.T) {
	_, doc := synth(t, "dev")
	fnByLogical := map[string]string{}
	for id, r := range resources(doc, "AWS::Lambda::Function") {
		fnByLogical[id] = props(r)["FunctionName"].(string)
	}
	integTarget := map[string]string{}
	for id, r := range resources(doc, "AWS::ApiGatewayV2::Integration") {
		uri, _ := json.Marshal(props(r)["IntegrationUri"])
		for fid, name := range fnByLogical {
			if strings.Contains(string(uri), `"`+fid+`"`) {
				integTarget[id] = name
			}
		}
	}
	routes := map[string]string{}
	for _, r := range resources(doc, "AWS::ApiGatewayV2::Route") {
		target, _ := json.Marshal(props(r)["Target"])
		for iid, name := range integTarget {
			if strings.Contains(string(target), `"`+iid+`"`) {
				routes[props(r)["RouteKey"].(string)] = name
			}
		}
	}
	for _, f := range manifest.HTTPFunctions() {
		for _, p := range f.Prefixes {
			for _, key := range []string{"ANY " + p, "ANY " + p + "/{proxy+}"} {
				if routes[key] != "payvand-dev-"+f.Name {
					t.Errorf("route %q goes to %q, want payvand-dev-%s", key, routes[key], f.Name)
				}
			}
		}
	}
	for _, k := range []string{"$connect", "$disconnect", "$default"} {
		if routes[k] != "payvand-dev-realtime" {
			t.Errorf("WebSocket route %s goes to %q", k, routes[k])
		}
	}
}

// allowedStar are the only actions AWS does not let us scope to a resource.
var allowedStar = []string{"sns:Publish",
	// The connection checks read account-wide settings.
	"ses:GetAccount", "sns:GetSMSAttributes",
	// Event source mappings exist only after their creation, which a
	// condition holds to the relay function; listing them and streams
	// has no resource type.
	"lambda:CreateEventSourceMapping", "lambda:ListEventSourceMappings", "dynamodb:ListStreams"}

func TestNoIAMStatementOnEveryResource(t *testing.T) {
	_, doc := synth(t, "dev")
	for id, r := range resources(doc, "AWS::IAM::Policy") {
		for _, s := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			res := fmt.Sprint(st["Resource"])
			if res == "*" || strings.Contains(res, "[*]") || strings.Contains(res, " * ") {
				for _, a := range asList(st["Action"]) {
					if !slices.Contains(allowedStar, a) {
						t.Errorf("policy %s grants %s on *", id, a)
					}
				}
			}
		}
	}
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func TestTenantTablesAreScopedToTheirPrefix(t *testing.T) {
	_, doc := synth(t, "dev")
	found := map[string]bool{}
	for _, r := range resources(doc, "AWS::IAM::Policy") {
		for _, s := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			sid, _ := st["Sid"].(string)
			if sid != "TenantTablesData" && sid != "TenantTablesProvisioning" {
				continue
			}
			found[sid] = true
			res, _ := json.Marshal(st["Resource"])
			if !strings.Contains(string(res), ":table/payvand-dev-tenant-*") || !strings.Contains(string(res), ":table/payvand-dev-tenant-*/index/*") {
				t.Errorf("%s resources %s are not the tenant prefix", sid, res)
			}
			if sid == "TenantTablesProvisioning" && !slices.Contains(asList(st["Action"]), "dynamodb:CreateTable") {
				t.Errorf("provisioning cannot create tables")
			}
		}
	}
	if !found["TenantTablesData"] || !found["TenantTablesProvisioning"] {
		t.Fatalf("tenant table statements missing: %v", found)
	}
}

func TestDataIsProtected(t *testing.T) {
	tpl, _ := synth(t, "dev")
	check(t, "bucket blocks public access", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
		})
	})
	check(t, "bucket policy denies plain http", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
			})}),
		})
	})
	check(t, "control table PITR, TTL, on-demand, 5 GSIs", func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"TableName":                        "payvand-dev-control",
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
			"GlobalSecondaryIndexes":           assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"IndexName": "GSI5"})}),
		})
	})
	prod, _ := synth(t, "prod")
	check(t, "prod retains the table", func() {
		prod.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]any{"DeletionProtectionEnabled": true})})
	})
	check(t, "prod retains the bucket", func() {
		prod.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{"DeletionPolicy": "Retain"})
	})
}

func TestOneInvokePermissionPerFunction(t *testing.T) {
	_, doc := synth(t, "dev")
	perFn := map[string]int{}
	for _, r := range resources(doc, "AWS::Lambda::Permission") {
		b, _ := json.Marshal(props(r)["FunctionName"])
		perFn[string(b)]++
	}
	for fn, n := range perFn {
		if n > 3 { // the WebSocket function has one per route ($connect, $disconnect, $default)
			t.Errorf("%s has %d invoke permissions", fn, n)
		}
	}
}

func TestAlarmsAndOperations(t *testing.T) {
	tpl, doc := synth(t, "dev")
	want := 2*len(manifest.Functions) + 5
	if n := len(resources(doc, "AWS::CloudWatch::Alarm")); n != want {
		t.Errorf("%d alarms, want %d (errors and throttles per function, API 5xx rate, control throttles, DLQ depth, relay failures depth, outbox dead-letter depth)", n, want)
	}
	for id, r := range resources(doc, "AWS::CloudWatch::Alarm") {
		if len(asList(props(r)["AlarmActions"])) == 0 {
			t.Errorf("alarm %s notifies nobody", id)
		}
	}
	check(t, "stage throttling and JSON access logs", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName":            "$default",
			"DefaultRouteSettings": map[string]any{"ThrottlingBurstLimit": 500, "ThrottlingRateLimit": 1000},
			"AccessLogSettings":    assertions.Match_ObjectLike(&map[string]any{"Format": assertions.Match_StringLikeRegexp(jsii.String(`^\{"requestId":"\$context.requestId"`))}),
		})
	})
	check(t, "event bus archive", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Archive"), map[string]any{"RetentionDays": 30})
	})
	check(t, "housekeeping runs hourly", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{"ScheduleExpression": "rate(1 hour)",
			"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"DeadLetterConfig": assertions.Match_ObjectLike(&map[string]any{})})})})
	})
	check(t, "import requests reach the import worker", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": map[string]any{"source": []any{"payvand"}, "detail-type": []any{"import.requested"}},
		})
	})
	check(t, "backup schedule slot", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{"ScheduleExpression": "cron(30 2 * * ? *)"})
	})
	check(t, "dead-letter queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{"MessageRetentionPeriod": 1209600})
	})
	check(t, "JWT secret is generated, not written in the template", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
			"GenerateSecretString": map[string]any{"PasswordLength": 64, "ExcludePunctuation": true},
		})
	})
	ses := 0
	for _, r := range resources(doc, "AWS::IAM::Policy") {
		for _, s := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if st["Sid"] != "SendMailFromIdentity" {
				continue
			}
			ses++
			if res, _ := json.Marshal(st["Resource"]); !strings.Contains(string(res), ":identity/example.com") {
				t.Errorf("SES grant %s is not the configured identity", res)
			}
		}
	}
	if ses == 0 {
		t.Error("no function may send mail")
	}
}

func TestConsumersRouteDetailTypesWithADeadLetterQueue(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "fn"), 0o755)
	os.WriteFile(filepath.Join(dir, "fn", "bootstrap"), []byte("x"), 0o755)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "out"))})
	st := awscdk.NewStack(app, jsii.String("Consumers"), nil)
	bus := awsevents.NewEventBus(st, jsii.String("Bus"), nil)
	dlq := awssqs.NewQueue(st, jsii.String("DLQ"), nil)
	fn := awslambda.NewFunction(st, jsii.String("Notifier"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
		Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(dir, "fn")), nil),
	})
	stack.NewConsumers(st, "Consumers", bus, dlq).Add("notifications", []string{"customer.created", "task.assigned"}, fn)
	tpl := assertions.Template_FromStack(st, nil)
	check(t, "consumer rule", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": map[string]any{"source": []any{"payvand"}, "detail-type": []any{"customer.created", "task.assigned"}},
			"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"DeadLetterConfig": assertions.Match_ObjectLike(&map[string]any{}),
				"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 21600},
			})}),
		})
	})
}

// statements returns the policy statements attached to a function's role.
func statements(doc map[string]any, roleFragment string) []map[string]any {
	var out []map[string]any
	for id, r := range resources(doc, "AWS::IAM::Policy") {
		if !strings.Contains(id, roleFragment) {
			continue
		}
		for _, s := range props(r)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

func TestSMSIsTheOnlyStarAndOnlyWhereAsked(t *testing.T) {
	fns := append(slices.Clone(manifest.Functions), manifest.Function{Name: "messaging", Prefixes: []string{"/api/messaging-test"}, MemoryMB: 128, TimeoutS: 5, Resources: []string{manifest.SMS}})
	_, doc := synth(t, "dev", fns...)
	found := false
	for _, st := range statements(doc, "MessagingFn") {
		if st["Sid"] == "SendSMS" && st["Resource"] == "*" && fmt.Sprint(st["Action"]) == "sns:Publish" {
			found = true
		}
	}
	if !found {
		t.Fatal("the function that asks for SMS cannot publish")
	}
	for _, f := range manifest.Functions {
		for _, st := range statements(doc, id(f.Name)) {
			if (st["Sid"] == "SendSMS" || st["Sid"] == "ReadSMSSettings") && !slices.Contains(f.Resources, manifest.SMS) {
				t.Errorf("%s may send SMS without asking", f.Name)
			}
			if st["Sid"] == "ReadSESAccount" && !slices.Contains(f.Resources, manifest.Email) {
				t.Errorf("%s may read the SES account without asking", f.Name)
			}
		}
	}
	// The connection checks of the email and sms routes may read what
	// they report.
	for name, sid := range map[string]string{"email": "ReadSESAccount", "sms": "ReadSMSSettings"} {
		ok := false
		for _, st := range statements(doc, id(name)) {
			ok = ok || st["Sid"] == sid
		}
		if !ok {
			t.Errorf("%s cannot %s", name, sid)
		}
	}
}

func id(name string) string { return strings.ToUpper(name[:1]) + name[1:] + "Fn" }

func TestRealtimeMayPostToConnections(t *testing.T) {
	_, doc := synth(t, "dev")
	for _, st := range statements(doc, "RealtimeFn") {
		if fmt.Sprint(st["Action"]) == "execute-api:ManageConnections" {
			if res, _ := json.Marshal(st["Resource"]); !strings.Contains(string(res), "/live/*/@connections/*") && !strings.Contains(string(res), "@connections") {
				t.Fatalf("ManageConnections on %s", res)
			}
			return
		}
	}
	t.Fatal("realtime has no execute-api:ManageConnections grant")
}

// logicalFn is the logical id of the function named payvand-dev-<name>.
func logicalFn(t *testing.T, doc map[string]any, name string) string {
	t.Helper()
	for id, r := range resources(doc, "AWS::Lambda::Function") {
		if props(r)["FunctionName"] == "payvand-dev-"+name {
			return id
		}
	}
	t.Fatalf("no function %s", name)
	return ""
}

func envOf(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	r := doc["Resources"].(map[string]any)[logicalFn(t, doc, name)].(map[string]any)
	vars, _ := props(r)["Environment"].(map[string]any)["Variables"].(map[string]any)
	return vars
}

func asJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// A poison record never blocks its shard: the mappings provisioning makes
// send a batch they gave up on to a queue of the stack (its ARN reaches
// every function that attaches mappings, and the relay may send to it),
// an outbox sweep runs on a schedule, and both the queue and the sweep's
// dead letters are alarmed on.
func TestTheRelayLosesNothing(t *testing.T) {
	tpl, doc := synth(t, "dev")
	var queue string
	for id, r := range resources(doc, "AWS::SQS::Queue") {
		if props(r)["QueueName"] == "payvand-dev-relay-failures" {
			queue = id
			if props(r)["MessageRetentionPeriod"] != float64(1209600) || props(r)["SqsManagedSseEnabled"] != true {
				t.Errorf("relay failures queue %v", props(r))
			}
		}
	}
	if queue == "" {
		t.Fatal("no relay failures queue")
	}
	for _, f := range manifest.Functions {
		if !slices.Contains(f.Resources, manifest.StreamWiring) {
			continue
		}
		if v := asJSON(envOf(t, doc, f.Name)["PAYVAND_RELAY_FAILURE_QUEUE_ARN"]); !strings.Contains(v, queue) || !strings.Contains(v, "Arn") {
			t.Errorf("%s: PAYVAND_RELAY_FAILURE_QUEUE_ARN = %s, want the queue's ARN", f.Name, v)
		}
		updates := false
		for _, st := range statements(doc, id(f.Name)) {
			if st["Sid"] == "RelayMappingsDelete" && slices.Contains(asList(st["Action"]), "lambda:UpdateEventSourceMapping") && st["Condition"] != nil {
				updates = true
			}
		}
		if !updates {
			t.Errorf("%s cannot bring an existing relay mapping up to date", f.Name)
		}
	}
	sends := false
	for _, st := range statements(doc, "RelayFn") {
		if slices.Contains(asList(st["Action"]), "sqs:SendMessage") && strings.Contains(asJSON(st["Resource"]), queue) {
			sends = true
		}
	}
	if !sends {
		t.Error("the relay's role may not send to its on-failure queue (Lambda sends with it)")
	}
	sweep := logicalFn(t, doc, "outboxsweep")
	check(t, "outbox sweep every five minutes", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{"ScheduleExpression": "rate(5 minutes)",
			"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Arn": map[string]any{"Fn::GetAtt": []any{sweep, "Arn"}}, "DeadLetterConfig": assertions.Match_ObjectLike(&map[string]any{})})})})
	})
	for _, v := range []string{"PAYVAND_CONTROL_TABLE", "PAYVAND_TABLE_PREFIX", "PAYVAND_EVENT_BUS"} {
		if envOf(t, doc, "outboxsweep")[v] == nil {
			t.Errorf("the sweep has no %s", v)
		}
	}
	check(t, "alarm on the relay failures queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1,
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queue, "QueueName"}}}},
		})
	})
	check(t, "alarm on the outbox dead-letter depth", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
			"Namespace": "Payvand", "MetricName": "OutboxDead", "Statistic": "Maximum", "Threshold": 1,
			"Dimensions":   []any{map[string]any{"Name": "Stage", "Value": "dev"}},
			"AlarmActions": assertions.Match_AnyValue(),
		})
	})
}

// SES bounces and complaints reach the sesfeedback consumer: every
// message is sent with the stage's configuration set, whose event
// destination is the default bus, where a rule routes them.
func TestSESFeedbackReachesItsConsumer(t *testing.T) {
	tpl, doc := synth(t, "dev")
	check(t, "configuration set", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSet"), map[string]any{"Name": "payvand-dev"})
	})
	check(t, "bounces and complaints to the default bus", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SES::ConfigurationSetEventDestination"), map[string]any{
			"EventDestination": assertions.Match_ObjectLike(&map[string]any{
				"Enabled":                true,
				"MatchingEventTypes":     []any{"bounce", "complaint"},
				"EventBridgeDestination": map[string]any{"EventBusArn": assertions.Match_AnyValue()},
			}),
		})
	})
	for _, r := range resources(doc, "AWS::SES::ConfigurationSetEventDestination") {
		if arn := asJSON(props(r)["EventDestination"].(map[string]any)["EventBridgeDestination"]); !strings.Contains(arn, ":event-bus/default") {
			t.Errorf("SES sends its events to %s, not the default bus", arn)
		}
	}
	feedback := logicalFn(t, doc, "sesfeedback")
	found := false
	for _, r := range resources(doc, "AWS::Events::Rule") {
		pr := props(r)
		if asJSON(pr["EventPattern"]) != `{"detail-type":["Email Bounced","Email Complained"],"source":["aws.ses"]}` {
			continue
		}
		found = true
		if pr["EventBusName"] != nil && pr["EventBusName"] != "default" {
			t.Errorf("the SES rule is on bus %v, not the default bus", pr["EventBusName"])
		}
		if tg := asJSON(pr["Targets"]); !strings.Contains(tg, `"`+feedback+`"`) || !strings.Contains(tg, "DeadLetterConfig") {
			t.Errorf("the SES rule targets %s", tg)
		}
	}
	if !found {
		t.Fatal("no rule routes SES bounces and complaints")
	}
	for _, f := range manifest.Functions {
		if !slices.Contains(f.Resources, manifest.Email) {
			continue
		}
		if v := asJSON(envOf(t, doc, f.Name)["PAYVAND_SES_CONFIGURATION_SET"]); v == "null" {
			t.Errorf("%s sends mail without the configuration set", f.Name)
		}
		for _, st := range statements(doc, id(f.Name)) {
			if st["Sid"] == "SendMailFromIdentity" && !strings.Contains(asJSON(st["Resource"]), ":configuration-set/payvand-dev") {
				t.Errorf("%s may not send with the configuration set: %s", f.Name, asJSON(st["Resource"]))
			}
		}
	}
	for _, st := range statements(doc, "SesfeedbackFn") {
		if strings.HasPrefix(fmt.Sprint(st["Sid"]), "SendMail") || st["Sid"] == "TenantTablesProvisioning" {
			t.Errorf("sesfeedback holds %v", st["Sid"])
		}
	}
}

// Scheduled campaigns: the email worker may make only campaign-* schedules
// and pass only the scheduler's role, which may only put events on
// Payvand's bus and is assumable only by EventBridge Scheduler of this
// account.
func TestCampaignSchedulesPutDueEventsOnTheBus(t *testing.T) {
	tpl, doc := synth(t, "dev")
	env := envOf(t, doc, "emailworker")
	if asJSON(env["PAYVAND_EVENT_BUS_ARN"]) == "null" || asJSON(env["PAYVAND_SCHEDULER_ROLE_ARN"]) == "null" {
		t.Fatalf("emailworker environment %s", asJSON(env))
	}
	var schedules, pass bool
	for _, st := range statements(doc, id("emailworker")) {
		switch {
		case st["Sid"] == "CampaignSchedules":
			schedules = strings.Contains(asJSON(st["Resource"]), ":schedule/default/campaign-*")
		case asJSON(st["Action"]) == `"iam:PassRole"`:
			pass = strings.Contains(asJSON(st["Resource"]), "CampaignSchedulerRole")
		}
	}
	if !schedules || !pass {
		t.Fatalf("emailworker: schedules %v, pass role %v", schedules, pass)
	}
	check(t, "the scheduler role", func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"RoleName": "payvand-dev-campaign-scheduler",
			"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
				"Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"}},
			})}}),
		})
	})
	for rid, r := range resources(doc, "AWS::IAM::Policy") {
		pr := props(r)
		if !strings.Contains(asJSON(pr["Roles"]), "CampaignSchedulerRole") {
			continue
		}
		if a := asJSON(pr["PolicyDocument"]); !strings.Contains(a, "events:PutEvents") || strings.Contains(a, `"*"`) {
			t.Errorf("%s: %s", rid, a)
		}
	}
	found := false
	for _, r := range resources(doc, "AWS::Events::Rule") {
		if strings.Contains(asJSON(props(r)["EventPattern"]), "email.campaign_due") && strings.Contains(asJSON(props(r)["Targets"]), id("emailworker")) {
			found = true
		}
	}
	if !found {
		t.Fatal("no rule routes email.campaign_due to the email worker")
	}
}

// Kavenegar by configuration: the sms function gets the provider, its
// line and the secret's ARN (never the key) and may read that secret
// alone; no other function learns of it.
func TestKavenegarKeyStaysInItsSecret(t *testing.T) {
	dir := t.TempDir()
	code := filepath.Join(dir, "dist")
	for _, f := range manifest.Functions {
		os.MkdirAll(filepath.Join(code, f.Name), 0o755)
		os.WriteFile(filepath.Join(code, f.Name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755)
	}
	secret := "arn:aws:secretsmanager:eu-central-1:123456789012:secret:payvand-kavenegar-AbCdEf"
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	st := stack.New(app, "Test", &stack.Props{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-central-1")}},
		Stage:      "dev", CodeDir: code, SESIdentity: "example.com", MailFrom: "no-reply@example.com",
		SMS: stack.SMSProps{Provider: "kavenegar", KavenegarSecretARN: secret, KavenegarSender: "10004346"},
	})
	var doc map[string]any
	b, _ := json.Marshal(assertions.Template_FromStack(st, nil).ToJSON())
	json.Unmarshal(b, &doc)
	env := envOf(t, doc, "sms")
	if env["PAYVAND_SMS_PROVIDER"] != "kavenegar" || env["PAYVAND_KAVENEGAR_API_KEY_SECRET"] != secret || env["PAYVAND_KAVENEGAR_SENDER"] != "10004346" {
		t.Fatalf("sms environment %s", asJSON(env))
	}
	for _, f := range manifest.Functions {
		reads := false
		for _, s := range statements(doc, id(f.Name)) {
			if strings.Contains(asJSON(s["Action"]), "secretsmanager:GetSecretValue") && strings.Contains(asJSON(s["Resource"]), "payvand-kavenegar") {
				reads = true
			}
		}
		if reads != (f.Name == "sms") {
			t.Errorf("%s may read the Kavenegar key: %v", f.Name, reads)
		}
	}
}
