// Command webhookworker is the consumer Lambda that delivers events to
// tenants' webhook endpoints (Standard Webhooks signatures, internal
// addresses refused). A failed delivery fails the invocation, so
// EventBridge retries it (8 times over 6 hours, then the dead-letter
// queue); endpoints that already took the event are skipped.
package main

import (
	"context"
	"encoding/json"
	"os"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/functions/boot"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/webhooks"
)

func main() {
	logger, cfg, err := boot.Start("webhookworker")
	if err != nil {
		os.Exit(1)
	}
	_, control, err := awsenv.ControlPlane(context.Background(), cfg)
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	d := &webhooks.Deliverer{AllowPrivate: webhooks.AllowPrivate()}
	lambda.Start(func(ctx context.Context, e awsevents.CloudWatchEvent) error {
		var ev outbox.Event
		if err := json.Unmarshal(e.Detail, &ev); err != nil || ev.ID == "" || ev.Tenant == "" {
			logger.ErrorContext(ctx, "not an event envelope", "detail_type", e.DetailType)
			return nil
		}
		return d.Handle(ctx, control.TableFor(ev.Tenant), ev)
	})
}
