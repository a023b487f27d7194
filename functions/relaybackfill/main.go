// Command relaybackfill connects every tenant table to the event relay
// and brings existing connections to the current configuration: it
// enables each table's stream (NEW_IMAGE), makes the stream's event
// source mapping to the relay function or updates one made with older
// settings (unbounded retries, no on-failure queue), and publishes what
// already sits in the table's outbox. Run it per stage after a deploy
// that changed the mapping settings, with the stage's environment
// (PAYVAND_CONTROL_TABLE, PAYVAND_TABLE_PREFIX, PAYVAND_EVENT_BUS,
// PAYVAND_RELAY_FUNCTION, PAYVAND_RELAY_FAILURE_QUEUE_ARN and AWS
// credentials):
//
//	go run ./relaybackfill
//
// It is idempotent: a connected, current table is left as it is.
// With -requeue-dead it also moves every dead-lettered outbox record
// (OUTBOX_DEAD, after the cause was fixed) back to the outbox.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"payvand.dev/events"
	shared "payvand.dev/shared/config"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/tenancy"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "relaybackfill:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	requeue := flag.Bool("requeue-dead", false, "move dead-lettered outbox records back to the outbox first")
	flag.Parse()
	cfg, err := shared.FromEnv()
	if err != nil {
		return err
	}
	fn := os.Getenv("PAYVAND_RELAY_FUNCTION")
	if fn == "" || cfg.EventBus == "" || os.Getenv(relay.FailureQueueEnv) == "" {
		return fmt.Errorf("set PAYVAND_RELAY_FUNCTION, %s and PAYVAND_EVENT_BUS", relay.FailureQueueEnv)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	db := dynamodb.New(awsCfg, nil)
	cp := &tenancy.ControlPlane{DB: db, Table: db.Table(cfg.ControlTable), TablePrefix: cfg.TablePrefix}
	w := &relay.Wiring{AWS: awsCfg, Function: fn}
	bus := &events.EventBridge{Config: awsCfg, BusName: cfg.EventBus}
	tenants, err := cp.AllTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if err := w.Attach(ctx, t.Table); err != nil {
			return fmt.Errorf("%s: %w", t.Key, err)
		}
		if *requeue {
			n, err := relay.Requeue(ctx, db.Table(t.Table))
			if err != nil {
				return fmt.Errorf("%s: %w", t.Key, err)
			}
			fmt.Printf("%s: %d dead-lettered events requeued\n", t.Key, n)
		}
		n, err := relay.Backfill(ctx, db.Table(t.Table), t.Key, events.Publisher(bus.PublishEnvelopes))
		if err != nil {
			return fmt.Errorf("%s: %w", t.Key, err)
		}
		fmt.Printf("%s: stream connected (retries %d, failures to the queue), %d waiting events published\n", t.Key, relay.RetryAttempts, n)
	}
	return nil
}
