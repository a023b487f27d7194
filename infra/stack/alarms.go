package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
)

// alarms send to one SNS topic.
type alarms struct{ topic awssns.Topic }

func newAlarms(st awscdk.Stack, p *Props) *alarms {
	t := awssns.NewTopic(st, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:   jsii.String(p.Name("alarms")),
		DisplayName: jsii.String("Payvand " + p.Stage + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if p.AlarmEmail != "" {
		t.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}
	return &alarms{topic: t}
}

func (a *alarms) add(st awscdk.Stack, name, desc string, m awscloudwatch.IMetric, threshold float64) {
	al := awscloudwatch.NewAlarm(st, id(name, "alarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(desc),
		Metric:             m,
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	al.AddAlarmAction(awscloudwatchactions.NewSnsAction(a.topic))
}

// watch alarms on Lambda errors and throttles, the API's 5xx rate,
// control-table throttling and dead letters.
func (a *alarms) watch(st awscdk.Stack, p *Props, fns []*function, api *httpAPI, d *data, b *bus) {
	five := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}
	for _, f := range fns {
		a.add(st, f.spec.Name+"-errors", "Lambda "+f.spec.Name+" failed invocations", f.fn.MetricErrors(five), 1)
		a.add(st, f.spec.Name+"-throttles", "Lambda "+f.spec.Name+" throttled", f.fn.MetricThrottles(five), 1)
	}
	rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests > 20, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   api.api.MetricServerError(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}),
			"requests": api.api.MetricCount(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}),
		},
		Label:  jsii.String("5xx %"),
		Period: awscdk.Duration_Minutes(jsii.Number(5)),
	})
	a.add(st, "api-5xx-rate", "HTTP API answers 5xx to 2% or more of requests", rate, 2)
	a.add(st, "control-throttles", "control-plane table throttled requests",
		d.control.MetricThrottledRequestsForOperations(&awsdynamodb.OperationsMetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)),
			// An alarm's expression takes at most 10 metrics: the operations we use.
			Operations: &[]awsdynamodb.Operation{awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_PUT_ITEM,
				awsdynamodb.Operation_UPDATE_ITEM, awsdynamodb.Operation_DELETE_ITEM, awsdynamodb.Operation_QUERY,
				awsdynamodb.Operation_BATCH_GET_ITEM, awsdynamodb.Operation_TRANSACT_WRITE_ITEMS},
		}), 1)
	a.add(st, "dlq-depth", "events failed delivery to a consumer", b.dlq.MetricApproximateNumberOfMessagesVisible(five), 1)
	a.add(st, "relay-failures-depth", "a tenant table's stream mapping gave up on a batch the relay kept failing (the outbox sweep takes over)",
		b.relayFailures.MetricApproximateNumberOfMessagesVisible(five), 1)
	// OutboxDead is the dead-letter depth the outbox sweep reports in
	// every run (embedded metric format): records the bus kept refusing.
	a.add(st, "outbox-dead-depth", "outbox records dead-lettered (OUTBOX_DEAD): events the bus refused; requeue with relaybackfill -requeue-dead",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Payvand"), MetricName: jsii.String("OutboxDead"),
			DimensionsMap: &map[string]*string{"Stage": jsii.String(p.Stage)}, Statistic: jsii.String("Maximum"),
			Period: awscdk.Duration_Minutes(jsii.Number(15))}), 1)
}
