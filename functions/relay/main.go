// Command relay is the event relay Lambda: every tenant table's stream
// (an event source mapping made at provisioning, filtered to new outbox
// records) invokes it; it publishes the events to EventBridge in
// PutEvents batches of ten, reports what the bus refused as
// batchItemFailures, and deletes what was published. Both calls are
// signed requests: the binary carries no AWS service client.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/events"
	"payvand.dev/shared/relay"
)

func main() {
	region, prefix, busName := os.Getenv("AWS_REGION"), os.Getenv("PAYVAND_TABLE_PREFIX"), os.Getenv("PAYVAND_EVENT_BUS")
	if region == "" || prefix == "" || busName == "" {
		os.Stderr.WriteString(`{"level":"ERROR","msg":"relay: AWS_REGION, PAYVAND_TABLE_PREFIX and PAYVAND_EVENT_BUS must be set"}` + "\n")
		os.Exit(1)
	}
	lambda.Start(handler(aws.Config{Region: region,
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))},
		prefix, busName).Handle)
}

func handler(cfg aws.Config, prefix, busName string) *relay.Stream {
	bus := &events.EventBridge{Config: cfg, BusName: busName}
	return &relay.Stream{Delete: relay.SignedDelete(cfg), Prefix: prefix, Pub: events.Publisher(bus.PublishEnvelopes)}
}
