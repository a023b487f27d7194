// Command relay is the event relay Lambda: every tenant table's stream
// (an event source mapping made at provisioning, filtered to new outbox
// records) invokes it; it publishes the events to EventBridge in
// PutEvents batches of ten, reports what the bus refused as
// batchItemFailures, and deletes what was published.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/events"
	"payvand.dev/functions/awsenv"
	"payvand.dev/functions/boot"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store/dynamodb"
)

func main() {
	logger, cfg, err := boot.Start("relay")
	if err != nil {
		os.Exit(1)
	}
	awsCfg, err := awsenv.Config(context.Background())
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	bus := &events.EventBridge{Config: awsCfg, BusName: cfg.EventBus}
	h := &relay.Stream{DB: dynamodb.New(awsCfg, nil), Prefix: cfg.TablePrefix, Pub: events.Publisher(bus.PublishEnvelopes)}
	lambda.Start(h.Handle)
}
