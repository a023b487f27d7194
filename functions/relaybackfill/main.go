// Command relaybackfill connects the tenant tables made before the event
// relay existed: it enables each table's stream (NEW_IMAGE), makes the
// stream's event source mapping to the relay function, and publishes
// what already sits in the table's outbox. Run it once per stage, with
// the stage's environment (PAYVAND_CONTROL_TABLE, PAYVAND_TABLE_PREFIX,
// PAYVAND_EVENT_BUS, PAYVAND_RELAY_FUNCTION and AWS credentials):
//
//	go run ./relaybackfill
//
// It is idempotent: a connected table is left as it is.
package main

import (
	"context"
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
	cfg, err := shared.FromEnv()
	if err != nil {
		return err
	}
	fn := os.Getenv("PAYVAND_RELAY_FUNCTION")
	if fn == "" || cfg.EventBus == "" {
		return fmt.Errorf("set PAYVAND_RELAY_FUNCTION and PAYVAND_EVENT_BUS")
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
		n, err := relay.Backfill(ctx, db.Table(t.Table), t.Key, events.Publisher(bus.PublishEnvelopes))
		if err != nil {
			return fmt.Errorf("%s: %w", t.Key, err)
		}
		fmt.Printf("%s: stream connected, %d waiting events published\n", t.Key, n)
	}
	return nil
}
