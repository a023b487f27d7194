package webhooks

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// A failed delivery waits for its next attempt as a retry item:
// PK=WEBHOOKRETRY#<endpoint id>, SK=<event id>, holding the body, the
// attempts made, the first attempt's time and the due time. The due index
// (GSI1PK=WEBHOOKS#DUE, GSI1SK=<due, fixed-width UTC>#<endpoint>#<event>)
// makes "due now" one range Query per tenant.
const (
	retryPrefix = "WEBHOOKRETRY#"
	duePK       = "WEBHOOKS#DUE"

	attrAttempt = "attempt"
	attrDue     = "due"
	attrClaim   = "claim"
	attrFirst   = "first_at"

	// lease is how long a sweeper's claim keeps others off a retry: longer
	// than one attempt takes, short enough that a sweeper that died
	// holding it delays the retry by little.
	lease = 2 * time.Minute
	// retryRetention outlives GiveUpAfter: the item goes on its own if
	// nothing ever sweeps it.
	retryRetention = 7 * 24 * time.Hour
	// sweepBatch is how many due retries one Query takes.
	sweepBatch = 100
)

func retryKey(endpointID, eventID string) store.Key {
	return store.Key{PK: retryPrefix + endpointID, SK: eventID}
}

// stamp is a time in a fixed-width form that sorts as it reads.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func dueSK(due time.Time, endpointID, eventID string) string {
	return stamp(due) + "#" + endpointID + "#" + eventID
}

func retryItem(j job, due time.Time) store.Item {
	it := store.KeyItem(retryKey(j.ep.ID, j.eventID))
	it["event_type"], it["body"] = store.AV(j.eventType), store.AV(string(j.body))
	it[attrAttempt], it[attrFirst] = store.AV(j.attempt), store.AV(j.first.Format(time.RFC3339Nano))
	it[attrDue], it["GSI1PK"], it["GSI1SK"] = store.AV(stamp(due)), store.AV(duePK), store.AV(dueSK(due, j.ep.ID, j.eventID))
	it[store.TTL] = store.AV(j.first.Add(retryRetention).Unix())
	return it
}

// Sweep attempts the tenant's retries that are due, each once however
// many sweepers run: a sweeper first claims the item with a write
// conditioned on the due time it read (which moves the item a lease
// ahead), and only the one whose claim held delivers. It returns how many
// it attempted.
func (d *Deliverer) Sweep(ctx context.Context, t store.Table) (int, error) {
	var eps map[string]*Endpoint
	total := 0
	for {
		now := d.now()
		// '$' follows '#': every key of a due time up to now.
		p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: duePK, SK: store.SKLess(stamp(now) + "$"), Limit: sweepBatch})
		if err != nil || len(p.Items) == 0 {
			return total, err
		}
		if eps == nil {
			l, err := List(ctx, t)
			if err != nil {
				return total, err
			}
			eps = make(map[string]*Endpoint, len(l))
			for _, e := range l {
				eps[e.ID] = e
			}
		}
		var attempted atomic.Int64
		err = each(p.Items, func(it store.Item) error {
			if nearDeadline(ctx) {
				return nil
			}
			j, ok, err := d.claim(ctx, t, it, now, eps)
			if !ok || err != nil {
				return err
			}
			attempted.Add(1)
			_, err = d.deliver(ctx, t, j)
			return err
		})
		total += int(attempted.Load())
		if err != nil || len(p.Items) < sweepBatch || nearDeadline(ctx) {
			return total, err
		}
	}
}

// nearDeadline stops a sweep that could not finish its attempts in time
// (a Lambda's); what it leaves unclaimed is due at the next.
func nearDeadline(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < 2*Timeout
}

// claim takes a due retry for this sweeper; false when another has it or
// there is nothing to deliver any more.
func (d *Deliverer) claim(ctx context.Context, t store.Table, it store.Item, now time.Time, eps map[string]*Endpoint) (job, bool, error) {
	k := store.KeyOf(it)
	token, until := ids.New(), now.Add(lease)
	endpointID, eventID := strings.TrimPrefix(k.PK, retryPrefix), k.SK
	// The index may lag the table: the claim's condition is on the table,
	// and what is delivered is the item as the claim left it.
	it, err := t.Update(ctx, store.Update{Key: k, Set: store.Item{attrClaim: store.AV(token), attrDue: store.AV(stamp(until)),
		"GSI1SK": store.AV(dueSK(until, endpointID, eventID))}, Cond: []store.Cond{store.Eq(attrDue, store.Str(it, attrDue))}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return job{}, false, nil // another sweeper's, or done meanwhile
	}
	if err != nil {
		return job{}, false, err
	}
	ep := eps[endpointID]
	if ep == nil || !ep.Active {
		// Deleted or disabled: its retries end here.
		return job{}, false, ignoreGone(t.Delete(ctx, k, store.Eq(attrClaim, token)))
	}
	first, err := time.Parse(time.RFC3339Nano, store.Str(it, attrFirst))
	if err != nil {
		return job{}, false, errors.Join(err, t.Delete(ctx, k, store.Eq(attrClaim, token)))
	}
	return job{ep: ep, eventID: eventID, eventType: store.Str(it, "event_type"), body: []byte(store.Str(it, "body")),
		attempt: int(store.Int(it, attrAttempt)) + 1, first: first, trigger: TriggerRetry, claim: token}, true, nil
}

// NextDue is when the tenant's earliest retry is due, and false when none
// is pending (one Query of the due index).
func NextDue(ctx context.Context, t store.Table) (time.Time, bool, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: duePK, Limit: 1})
	if err != nil || len(p.Items) == 0 {
		return time.Time{}, false, err
	}
	due, err := time.Parse("2006-01-02T15:04:05.000Z", store.Str(p.Items[0], attrDue))
	return due, err == nil, err
}
