// Command webhookworker is the consumer Lambda that delivers events to
// tenants' webhook endpoints (Standard Webhooks signatures, internal
// addresses refused). A failed delivery is recorded as a retry of that
// endpoint, which the scheduled webhookretry function attempts with
// backoff for 24 hours, so the invocation still succeeds: one slow
// endpoint never makes EventBridge redeliver to all. Only a store error
// fails it; the redelivered event then skips the endpoints that took it
// or have a retry pending.
package main

import (
	"context"
	"encoding/json"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/webhooks"
)

func main() {
	logger, _, _, control := awsenv.Worker("webhookworker")
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
