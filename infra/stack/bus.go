package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// bus is the domain event bus, its archive, and the dead-letter queue of
// every asynchronous Lambda target.
type bus struct {
	bus awsevents.EventBus
	dlq awssqs.Queue
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
	return &bus{bus: b, dlq: dlq}
}

// Consumers routes detail types of the bus to functions: one rule per
// consumer, failed deliveries to the dead-letter queue.
type Consumers struct {
	constructs.Construct
	bus awsevents.IEventBus
	dlq awssqs.IQueue
}

// NewConsumers is the place consumer rules go.
func NewConsumers(scope constructs.Construct, id string, b awsevents.IEventBus, dlq awssqs.IQueue) *Consumers {
	return &Consumers{Construct: constructs.NewConstruct(scope, &id), bus: b, dlq: dlq}
}

// Add sends events of the detail types to fn.
func (c *Consumers) Add(name string, detailTypes []string, fn awslambda.IFunction) awsevents.Rule {
	return awsevents.NewRule(c.Construct, id(name), &awsevents.RuleProps{
		EventBus:     c.bus,
		Description:  jsii.String(name + " consumes " + joinComma(detailTypes)),
		EventPattern: &awsevents.EventPattern{Source: jsii.Strings(EventSource), DetailType: jsii.Strings(detailTypes...)},
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
