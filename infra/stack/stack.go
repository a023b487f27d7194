// Package stack is the Payvand CDK stack: one construct per concern, all
// driven by the route manifest, so that a new route group in the manifest
// gets its Lambda, its routes and its grants with no edit here.
package stack

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// Props configure the stack.
type Props struct {
	awscdk.StackProps
	Stage       string   // dev | prod
	CodeDir     string   // holds <function>/bootstrap (make build's dist/)
	CORSOrigins []string // SPA origins
	SESIdentity string   // verified SES identity (domain or address) mail is sent from
	MailFrom    string
	AlarmEmail  string // optional subscriber of the alarm topic
	Functions   []manifest.Function
	// SMS is the text-message provider (sms.Config): empty or "sns" for
	// Amazon SNS, or "kavenegar", whose API key stays in a Secrets
	// Manager secret the sms function alone may read.
	SMS SMSProps
}

// SMSProps choose the SMS provider.
type SMSProps struct {
	Provider           string // "", sns or kavenegar
	KavenegarSecretARN string // the secret holding Kavenegar's API key
	KavenegarSender    string // the sending line
}

// Prod reports whether the stage keeps data when the stack goes.
func (p *Props) Prod() bool { return p.Stage == "prod" }

// Name derives a resource name from the stage.
func (p *Props) Name(s string) string { return "payvand-" + p.Stage + "-" + s }

// TenantTablePrefix is the name prefix of tenant tables (created at
// provisioning, not by CloudFormation); IAM policies are scoped to it.
func (p *Props) TenantTablePrefix() string { return p.Name("tenant-") }

// removal is what happens to stateful resources on stack deletion.
func (p *Props) removal() awscdk.RemovalPolicy {
	if p.Prod() {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// New builds the stack.
func New(scope constructs.Construct, id string, props *Props) awscdk.Stack {
	if props.Functions == nil {
		props.Functions = manifest.Functions
	}
	st := awscdk.NewStack(scope, &id, &props.StackProps)
	awscdk.Tags_Of(st).Add(jsii.String("project"), jsii.String("payvand"), nil)
	awscdk.Tags_Of(st).Add(jsii.String("stage"), jsii.String(props.Stage), nil)

	data := newData(st, props)
	secrets := newSecrets(st, props)
	docs := newDocuments(st, props)
	bus := newBus(st, props)
	feedback := newMailFeedback(st, props)
	alarms := newAlarms(st, props)
	fns := newFunctions(st, props, data, secrets, docs, bus, feedback)
	api := newHTTPAPI(st, props, fns)
	ws := newWebSocketAPI(st, props, fns)
	newSchedules(st, props, fns, bus)
	consumers := NewConsumers(st, "Consumers", bus.bus, bus.dlq)
	consumers.Default = feedback.defaultBus
	for _, f := range fns {
		if f.spec.Kind == manifest.Consumer {
			consumers.AddFrom(f.spec.Name, f.spec.Source, f.spec.Events, f.fn)
		}
	}
	alarms.watch(st, props, fns, api, data, bus)

	out := func(name, value, desc string) {
		awscdk.NewCfnOutput(st, jsii.String(name), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(desc)})
	}
	out("ApiUrl", *api.api.ApiEndpoint(), "HTTP API base URL")
	if ws != nil {
		out("WebSocketUrl", *ws.stage.Url(), "WebSocket URL (connect with ?token=<access token>)")
	}
	out("ControlTableName", *data.control.TableName(), "control-plane table")
	out("DocumentsBucketName", *docs.bucket.BucketName(), "documents bucket")
	out("EventBusName", *bus.bus.EventBusName(), "event bus")
	return st
}

// codePath is where a function's bootstrap lives.
func codePath(props *Props, fn string) string { return filepath.Join(props.CodeDir, fn) }

// id turns a function name into a construct id part.
func id(parts ...string) *string {
	var b strings.Builder
	for _, p := range parts {
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return r == '-' || r == '_' || r == '/' || r == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return jsii.String(b.String())
}

func must(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf(format, args...))
	}
}
