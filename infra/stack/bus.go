package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// bus is the domain event bus, its archive, the dead-letter queue of
// every asynchronous Lambda target, and the queue where the relay's
// stream mappings put a batch they gave up on.
type bus struct {
	bus awsevents.EventBus
	dlq awssqs.Queue
	// relayFailures receives, from a tenant table's event source mapping,
	// the description (shard, sequence numbers) of a batch the relay
	// failed relay.RetryAttempts times; the shard then moves on and the
	// outbox sweep republishes or dead-letters the records.
	relayFailures awssqs.Queue
	scheduler     awsiam.Role
}

// schedulerRole is the role EventBridge Scheduler puts scheduled
// campaigns' due events on the bus as (made on first use).
func (b *bus) schedulerRole(st awscdk.Stack, p *Props) awsiam.Role {
	if b.scheduler == nil {
		b.scheduler = awsiam.NewRole(st, jsii.String("CampaignSchedulerRole"), &awsiam.RoleProps{
			RoleName:    jsii.String(p.Name("campaign-scheduler")),
			Description: jsii.String("EventBridge Scheduler puts email.campaign_due on the event bus"),
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
				Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": st.Account()}},
			}),
		})
		b.bus.GrantPutEventsTo(b.scheduler, nil)
	}
	return b.scheduler
}

// EventSource is the source of every Payvand domain event.
const EventSource = "payvand"

func newBus(st awscdk.Stack, p *Props) *bus {
	b := awsevents.NewEventBus(st, jsii.String("EventBus"), &awsevents.EventBusProps{EventBusName: jsii.String(p.Name("events"))})
	b.Archive(jsii.String("Archive"), &awsevents.BaseArchiveProps{
		ArchiveName:  jsii.String(p.Name("events-archive")),
		Description:  jsii.String("every domain event, for replay"),
		EventPattern: &awsevents.EventPattern{Source: jsii.Strings(EventSource)},
		Retention:    awscdk.Duration_Days(jsii.Number(30)),
	})
	dlq := awssqs.NewQueue(st, jsii.String("AsyncDLQ"), &awssqs.QueueProps{
		QueueName:       jsii.String(p.Name("async-dlq")),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	failures := awssqs.NewQueue(st, jsii.String("RelayFailures"), &awssqs.QueueProps{
		QueueName:       jsii.String(p.Name("relay-failures")),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	return &bus{bus: b, dlq: dlq, relayFailures: failures}
}

// Consumers routes detail types of the bus to functions: one rule per
// consumer, failed deliveries to the dead-letter queue.
type Consumers struct {
	constructs.Construct
	bus awsevents.IEventBus
	dlq awssqs.IQueue
	// Default is the account's default bus, where AWS services' events
	// arrive (a consumer whose manifest Source is set); nil when none.
	Default awsevents.IEventBus
}

// NewConsumers is the place consumer rules go.
func NewConsumers(scope constructs.Construct, id string, b awsevents.IEventBus, dlq awssqs.IQueue) *Consumers {
	return &Consumers{Construct: constructs.NewConstruct(scope, &id), bus: b, dlq: dlq}
}

// Add sends events of the detail types to fn.
func (c *Consumers) Add(name string, detailTypes []string, fn awslambda.IFunction) awsevents.Rule {
	return c.AddFrom(name, "", detailTypes, fn)
}

// AddFrom sends events of an AWS service's source (such as "aws.ses")
// and detail types, which arrive on the default bus, to fn; an empty
// source is Payvand's own events on its bus (Add).
func (c *Consumers) AddFrom(name, source string, detailTypes []string, fn awslambda.IFunction) awsevents.Rule {
	b := c.bus
	if source == "" {
		source = EventSource
	} else {
		must(c.Default != nil, "consumer %s of %s: no default bus", name, source)
		b = c.Default
	}
	return awsevents.NewRule(c.Construct, id(name), &awsevents.RuleProps{
		EventBus:     b,
		Description:  jsii.String(name + " consumes " + joinComma(detailTypes)),
		EventPattern: &awsevents.EventPattern{Source: jsii.Strings(source), DetailType: jsii.Strings(detailTypes...)},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: c.dlq,
			RetryAttempts:   jsii.Number(8),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
		})},
	})
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// newSchedules holds the scheduled rules: one per scheduled function of
// the manifest, and the nightly backup slot, which runs once the backup
// function joins the manifest (until then it is off).
func newSchedules(st awscdk.Stack, p *Props, fns []*function, b *bus) {
	for _, f := range fns {
		if f.spec.Kind != manifest.Scheduled {
			continue
		}
		awsevents.NewRule(st, id(f.spec.Name, "schedule"), &awsevents.RuleProps{
			RuleName:    jsii.String(p.Name(f.spec.Name)),
			Description: jsii.String("runs " + f.spec.Name),
			Schedule:    awsevents.Schedule_Expression(jsii.String(f.spec.Schedule)),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.fn, &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: b.dlq, RetryAttempts: jsii.Number(2),
			})},
		})
	}
	awsevents.NewRule(st, jsii.String("BackupSchedule"), &awsevents.RuleProps{
		RuleName:    jsii.String(p.Name("backup-nightly")),
		Description: jsii.String("nightly tenant backups (02:30 UTC)"),
		Schedule:    awsevents.Schedule_Cron(&awsevents.CronOptions{Minute: jsii.String("30"), Hour: jsii.String("2")}),
		Enabled:     jsii.Bool(false),
	})
}
