package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/jsii-runtime-go"
)

// mailFeedback is the SES configuration set every message is sent with
// (PAYVAND_SES_CONFIGURATION_SET): it sends bounces and complaints to
// the account's default event bus — the only bus SES publishes to —
// where the sesfeedback consumer's rule takes them (Consumers.Add with
// the manifest's Source "aws.ses").
type mailFeedback struct {
	set        awsses.ConfigurationSet
	defaultBus awsevents.IEventBus
}

// ConfigurationSetName is the stage's SES configuration set.
func (p *Props) ConfigurationSetName() string { return "payvand-" + p.Stage }

func newMailFeedback(st awscdk.Stack, p *Props) *mailFeedback {
	def := awsevents.EventBus_FromEventBusName(st, jsii.String("DefaultBus"), jsii.String("default"))
	set := awsses.NewConfigurationSet(st, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		ConfigurationSetName: jsii.String(p.ConfigurationSetName()),
	})
	set.AddEventDestination(jsii.String("BouncesAndComplaints"), &awsses.ConfigurationSetEventDestinationOptions{
		ConfigurationSetEventDestinationName: jsii.String("bounces-and-complaints"),
		Destination:                          awsses.EventDestination_EventBus(def),
		Events:                               &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})
	return &mailFeedback{set: set, defaultBus: def}
}

// arn is the configuration set's ARN: sending with a configuration set
// needs ses:SendEmail on it as well as on the identity.
func (m *mailFeedback) arn(st awscdk.Stack, p *Props) *string {
	return st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("configuration-set"),
		ResourceName: jsii.String(p.ConfigurationSetName())})
}
