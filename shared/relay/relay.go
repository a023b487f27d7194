// Package relay publishes the event outbox of tenant tables (DESIGN §7).
// Every committed outbox record reaches the bus at least once: a record
// is deleted only after the bus took it, so a crash in between publishes
// it again, and consumers drop the repeat by event id
// (outbox.ProcessedOp). On AWS the records come from each tenant table's
// DynamoDB stream (Stream); locally Local drains the outbox in-process
// when a write commits and at start-up. Both go through Publish below.
package relay

import (
	"context"
	"errors"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Publisher hands events to the bus and returns one error per event (nil
// when the bus took it).
type Publisher interface {
	Publish(ctx context.Context, evs []outbox.Event) []error
}

// PublisherFunc publishes one event at a time.
type PublisherFunc func(ctx context.Context, ev outbox.Event) error

func (f PublisherFunc) Publish(ctx context.Context, evs []outbox.Event) []error {
	errs := make([]error, len(evs))
	for i, ev := range evs {
		errs[i] = f(ctx, ev)
	}
	return errs
}

// pageSize is how many outbox records one Drain round reads.
const pageSize = 100

// Drain publishes the outbox of one tenant table, oldest first, and
// deletes each record the bus took. It stops at the first round in which
// an event was refused (it stays for the next drain) and returns how many
// it published.
func Drain(ctx context.Context, t store.Table, tenant string, pub Publisher) (int, error) {
	sent := 0
	for {
		p, err := t.Query(ctx, store.Query{PK: outbox.Partition, Limit: pageSize})
		if err != nil {
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				return sent, nil // the table was purged meanwhile
			}
			return sent, err
		}
		if len(p.Items) == 0 {
			return sent, nil
		}
		evs := make([]outbox.Event, 0, len(p.Items))
		for _, it := range p.Items {
			ev, err := outbox.FromItem(it, tenant)
			if err != nil {
				// Not an event and never will be: kept aside, not dropped.
				if _, err := deadLetter(ctx, t, it, "unreadable: "+err.Error()); err != nil {
					return sent, err
				}
				continue
			}
			evs = append(evs, ev)
		}
		var failed error
		for i, err := range publish(ctx, pub, evs) {
			if err != nil {
				failed = errors.Join(failed, err)
				continue
			}
			if err := t.Delete(ctx, outbox.Key(evs[i].ID)); err != nil {
				return sent, err
			}
			sent++
		}
		if failed != nil {
			return sent, failed
		}
		if len(p.Items) < pageSize {
			return sent, nil
		}
	}
}

// TenantOf is the tenant key of a tenant table's name.
func TenantOf(prefix, table string) (string, bool) {
	if !strings.HasPrefix(table, prefix) || len(table) == len(prefix) {
		return "", false
	}
	return table[len(prefix):], true
}
