// Command emailworker is the consumer Lambda of e-mail campaigns:
// email.campaign_queued sends a campaign (handing what is left back to
// the queue before its deadline), email.campaign_scheduled makes its
// one-time EventBridge Scheduler schedule, and email.campaign_due (put
// on the bus by that schedule) releases it. Each step is idempotent, so
// EventBridge's retries are safe.
package main

import (
	"context"
	"encoding/json"
	"os"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/app"
	"payvand.dev/functions/boot"
	"payvand.dev/functions/consumers"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

func main() {
	logger, cfg, err := boot.Start("emailworker")
	if err != nil {
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	timer := &campaign.SchedulerTimer{AWS: deps.AWS, BusARN: os.Getenv("PAYVAND_EVENT_BUS_ARN"), RoleARN: os.Getenv("PAYVAND_SCHEDULER_ROLE_ARN")}
	w, err := consumers.CampaignWorker(deps, func(tenant string) store.Table { return deps.Control.TableFor(tenant) }, timer)
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, e awsevents.CloudWatchEvent) error {
		return Handle(ctx, w, e)
	})
}

// Handle routes one bus event to the worker.
func Handle(ctx context.Context, w *campaign.Worker, e awsevents.CloudWatchEvent) error {
	if e.DetailType == campaign.EventDue {
		var d campaign.Due
		if json.Unmarshal(e.Detail, &d) != nil || d.Tenant == "" || d.CampaignID == "" {
			return nil // malformed: a retry will not mend it
		}
		return w.Release(ctx, d)
	}
	var ev outbox.Event
	if err := json.Unmarshal(e.Detail, &ev); err != nil || ev.ID == "" || ev.Tenant == "" {
		return nil
	}
	return w.Handle(ctx, ev)
}
