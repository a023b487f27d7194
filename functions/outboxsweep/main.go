// Command outboxsweep is the scheduled Lambda (every five minutes) that
// keeps the event relay from losing anything: the stream relay deletes
// an outbox record once EventBridge took its event, so a record older
// than relay.SweepAge was missed — its stream failed, the mapping gave up
// on its batch after its bounded retries (a poison record), or the table
// had no mapping. The sweep republishes such records through the relay's
// publish path, counts refusals on each, and moves a record refused
// relay.MaxAttempts times to OUTBOX_DEAD. Every run writes one CloudWatch
// embedded-metric line (namespace Payvand, dimension Stage): OutboxDead,
// the dead-letter depth the stack alarms on, and what the run did.
//
// A function of its own rather than the relay invoked by a schedule:
// the sweep lists tenants (the control table), queries and updates
// tenant tables and runs for minutes, none of which the stream relay
// needs; the relay stays a small handler of one input shape with no
// DynamoDB client.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/events"
	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

func main() {
	logger, cfg, awsCfg, control := awsenv.Worker("outboxsweep")
	bus := &events.EventBridge{Config: awsCfg, BusName: cfg.EventBus}
	sw := &relay.Sweeper{Pub: events.Publisher(bus.PublishEnvelopes), MinAge: relay.SweepAge}
	stage := os.Getenv("PAYVAND_STAGE")
	lambda.Start(func(ctx context.Context) error {
		got, err := Run(ctx, control, sw)
		Metrics(os.Stdout, stage, got, time.Now())
		logger.InfoContext(ctx, "outbox sweep", "published", got.Published, "refused", got.Refused, "deferred", got.Deferred,
			"dead_lettered", got.DeadLettered, "dead", got.Dead, "err", err)
		return err
	})
}

// Run sweeps the table of every tenant.
func Run(ctx context.Context, control *tenancy.ControlPlane, sw *relay.Sweeper) (relay.Swept, error) {
	ts, err := control.AllTenants(ctx)
	if err != nil {
		return relay.Swept{}, err
	}
	keys := make([]string, 0, len(ts))
	for _, t := range ts {
		keys = append(keys, t.Key)
	}
	return sw.All(ctx, keys, func(k string) store.Table { return control.TableFor(k) })
}

// Namespace of the sweep's metrics.
const Namespace = "Payvand"

// Metrics writes what a sweep did as one CloudWatch embedded metric
// format line (Lambda's log pipeline turns it into metrics; no
// PutMetricData permission, which has no resource to scope to).
func Metrics(w io.Writer, stage string, s relay.Swept, now time.Time) {
	names := []string{"OutboxDead", "OutboxDeadLettered", "OutboxRepublished", "OutboxRefused", "OutboxDeferred"}
	defs := make([]map[string]string, len(names))
	for i, n := range names {
		defs[i] = map[string]string{"Name": n, "Unit": "Count"}
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []map[string]any{{
			"Namespace": Namespace, "Dimensions": [][]string{{"Stage"}}, "Metrics": defs}}},
		"Stage": stage, "OutboxDead": s.Dead, "OutboxDeadLettered": s.DeadLettered, "OutboxRepublished": s.Published,
		"OutboxRefused": s.Refused, "OutboxDeferred": s.Deferred,
	})
	fmt.Fprintln(w, string(line))
}
