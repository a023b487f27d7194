// Command notifier is the consumer Lambda of notifications and real-time
// delivery: EventBridge hands it each event (the detail is the
// envelope); it writes the notifications (idempotent by event id), mails
// them per the user's preferences, and pushes events to the WebSocket
// connections subscribed to their channels.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/events"
	"payvand.dev/functions/app"
	"payvand.dev/functions/boot"
	"payvand.dev/functions/consumers"
	"payvand.dev/functions/pusher"
	"payvand.dev/functions/ws"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// pushConsumer marks pushed events, so a redelivered event is not pushed
// again (at most once: a live view refreshes; the notification itself
// is kept by the notifier).
const pushConsumer = "realtime"

func main() {
	logger, cfg, err := boot.Start("notifier")
	if err != nil {
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	table := func(tenant string) store.Table { return deps.Control.TableFor(tenant) }
	bus := &events.InProcess{}
	consumers.Subscribe(bus, table, deps)
	fan := &pusher.Fanout{Control: deps.Control.Table, Poster: ws.NewManagementAPI(deps.AWS, os.Getenv("PAYVAND_WS_ENDPOINT"))} // posts to clients
	bus.Subscribe(pushConsumer, nil, func(ctx context.Context, ev outbox.Event) error {
		if len(pusher.Routes(ev)) == 0 {
			return nil
		}
		err := table(ev.Tenant).TransactWrite(ctx, outbox.ProcessedOp(pushConsumer, ev.ID))
		if outbox.Duplicate(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fan.Deliver(ctx, ev)
	})
	poster := ws.NewManagementAPI(deps.AWS, os.Getenv("PAYVAND_WS_ENDPOINT"))
	lambda.Start(func(ctx context.Context, e awsevents.CloudWatchEvent) error {
		if e.DetailType == ws.Connected {
			var c struct {
				ConnectionID string `json:"connection_id"`
			}
			json.Unmarshal(e.Detail, &c)
			if c.ConnectionID != "" {
				ws.Establish(ctx, deps.Control.Table, poster, c.ConnectionID)
			}
			return nil
		}
		var ev outbox.Event
		if err := json.Unmarshal(e.Detail, &ev); err != nil || ev.ID == "" || ev.Tenant == "" {
			logger.ErrorContext(ctx, "not an event envelope", "detail_type", e.DetailType)
			return nil // a malformed event will not get better on retry
		}
		// EventBridge retries the whole event on an error; each consumer
		// drops what it already took in.
		return errors.Join(bus.PublishEnvelopes(ctx, []outbox.Event{ev})...)
	})
}
