package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// DeadPartition holds the outbox records the bus refused MaxAttempts
// times, or that cannot be read as events. They leave the outbox (a
// poison record is not retried forever) but are kept, with no expiry,
// until an operator requeues them (Requeue, `relaybackfill -requeue-dead`)
// or the tenant is purged. The stream filter passes only PK "OUTBOX", so
// neither moving a record here nor counting its attempts invokes the relay.
const DeadPartition = "OUTBOX_DEAD"

// Defaults of the sweep on AWS.
const (
	// SweepAge: the stream relay publishes a record within seconds and
	// deletes it, so a record this old was missed (the stream failed, the
	// mapping gave up on a poison batch, or no mapping was attached).
	SweepAge = 10 * time.Minute
	// MaxAttempts is how many sweeps may see the bus refuse a record
	// before it is dead-lettered (at the 5-minute schedule, half an hour
	// after the stream's own ten retries).
	MaxAttempts = 6
)

// Attributes the sweep keeps on a refused outbox record.
const (
	attrAttempts  = "attempts"
	attrLastError = "last_error"
	attrDeadAt    = "dead_at"
	attrReason    = "dead_reason"
)

// Sweeper republishes outbox records older than MinAge through the same
// publish path as the stream relay (consumers are idempotent by event
// id, so publishing a record the stream also sent is harmless), deletes
// each the bus took, counts refusals on the record and dead-letters it
// after MaxAttempts. A failure that says nothing about the record (the
// bus unreachable, throttling, a 5xx) is not counted: the record waits
// for the next sweep, and Table returns the error.
type Sweeper struct {
	Pub Publisher
	// MinAge leaves younger records to the stream relay; zero sweeps all.
	MinAge time.Duration
	// MaxAttempts before a record is dead-lettered (MaxAttempts when zero).
	MaxAttempts int
	Now         func() time.Time // time.Now when nil
}

// Swept counts what a sweep did.
type Swept struct {
	Published    int // taken by the bus and deleted
	Refused      int // refused and kept for the next sweep (attempt counted)
	Deferred     int // not tried or failed transiently (bus unreachable)
	DeadLettered int // moved to DeadPartition by this sweep
	Dead         int // records in DeadPartition after this sweep
}

func (s *Swept) add(o Swept) {
	s.Published += o.Published
	s.Refused += o.Refused
	s.Deferred += o.Deferred
	s.DeadLettered += o.DeadLettered
	s.Dead += o.Dead
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sweeper) maxAttempts() int64 {
	if s.MaxAttempts > 0 {
		return int64(s.MaxAttempts)
	}
	return MaxAttempts
}

// Table sweeps one tenant table.
func (s *Sweeper) Table(ctx context.Context, t store.Table, tenant string) (Swept, error) {
	var out Swept
	q := store.Query{PK: outbox.Partition, Limit: pageSize}
	if s.MinAge > 0 {
		q.SK = store.SKLess(ids.Floor(s.now().Add(-s.MinAge)))
	}
	for {
		p, err := t.Query(ctx, q)
		if err != nil {
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				return out, nil // purged meanwhile
			}
			return out, err
		}
		items := make([]store.Item, 0, len(p.Items))
		evs := make([]outbox.Event, 0, len(p.Items))
		for _, it := range p.Items {
			ev, err := outbox.FromItem(it, tenant)
			if err != nil {
				if ok, derr := deadLetter(ctx, t, it, "unreadable: "+err.Error()); derr != nil {
					return out, derr
				} else if ok {
					out.DeadLettered++
				}
				continue
			}
			items, evs = append(items, it), append(evs, ev)
		}
		var transient error
		for i, perr := range publish(ctx, s.Pub, evs) {
			ev := evs[i]
			switch {
			case perr == nil:
				if err := t.Delete(ctx, outbox.Key(ev.ID)); err != nil {
					return out, err
				}
				out.Published++
			case Transient(perr):
				out.Deferred++
				transient = errors.Join(transient, fmt.Errorf("%s %s: %w", ev.Type, ev.ID, perr))
			default:
				dead, err := s.refused(ctx, t, items[i], ev, perr)
				if err != nil {
					return out, err
				}
				if dead {
					out.DeadLettered++
				} else {
					out.Refused++
				}
			}
		}
		if transient != nil {
			// The bus is not answering: leave the rest to the next sweep
			// rather than send every record into the same wall.
			return out, transient
		}
		if p.Cursor == "" {
			break
		}
		q.Cursor = p.Cursor
	}
	n, err := DeadCount(ctx, t)
	out.Dead = n
	return out, err
}

// refused counts a refusal on the record and dead-letters it at the
// limit; true when it was dead-lettered.
func (s *Sweeper) refused(ctx context.Context, t store.Table, it store.Item, ev outbox.Event, perr error) (bool, error) {
	msg := perr.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	after, err := t.Update(ctx, store.Update{Key: outbox.Key(ev.ID), Add: map[string]int64{attrAttempts: 1},
		Set: store.Item{attrLastError: store.AV(msg)}, Cond: []store.Cond{store.Exists()}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return false, nil // the stream relay published and deleted it meanwhile
	}
	if err != nil {
		return false, err
	}
	n := store.Int(after, attrAttempts)
	slog.WarnContext(ctx, "relay: bus refused an outbox record", "table", t.Name(), "id", ev.ID, "type", ev.Type, "attempts", n, "err", perr)
	if n < s.maxAttempts() {
		return false, nil
	}
	return deadLetter(ctx, t, after, fmt.Sprintf("refused %d times: %s", n, msg))
}

// deadLetter moves an outbox record to DeadPartition in one transaction
// and logs it at error level (the sweep's metric and alarm count them);
// false when the record was gone already.
func deadLetter(ctx context.Context, t store.Table, it store.Item, reason string) (bool, error) {
	key := store.KeyOf(it)
	dead := store.Clone(it)
	dead[store.PK] = store.AV(DeadPartition)
	dead[attrReason] = store.AV(reason)
	dead[attrDeadAt] = store.AV(time.Now().UTC().Format(time.RFC3339Nano))
	delete(dead, store.TTL) // kept until requeued
	err := t.TransactWrite(ctx, store.PutOp(dead), store.DeleteOp(key, store.Exists()))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	slog.ErrorContext(ctx, "relay: outbox record dead-lettered", "table", t.Name(), "id", key.SK,
		"type", store.Str(it, "detail_type"), "attempts", store.Int(it, attrAttempts), "reason", reason)
	return true, nil
}

// DeadCount is how many records a table's dead-letter partition holds.
func DeadCount(ctx context.Context, t store.Table) (int, error) {
	p, err := t.Query(ctx, store.Query{PK: DeadPartition, CountOnly: true})
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return 0, nil
	}
	return p.Count, err
}

// Requeue moves every dead-lettered record of a table back to the outbox
// with its attempts cleared and a fresh expiry (after the cause was
// fixed); its stream relays them again. It returns how many it moved.
func Requeue(ctx context.Context, t store.Table) (int, error) {
	n := 0
	for {
		p, err := t.Query(ctx, store.Query{PK: DeadPartition, Limit: pageSize})
		if err != nil || len(p.Items) == 0 {
			return n, err
		}
		for _, it := range p.Items {
			back := store.Clone(it)
			back[store.PK] = store.AV(outbox.Partition)
			for _, a := range []string{attrAttempts, attrLastError, attrDeadAt, attrReason} {
				delete(back, a)
			}
			back[store.TTL] = store.AV(time.Now().Add(outbox.Retention).Unix())
			if err := t.TransactWrite(ctx, store.PutOp(back), store.DeleteOp(store.KeyOf(it))); err != nil {
				return n, err
			}
			n++
		}
	}
}

// All sweeps the tables of the tenants (table opens one by key) and adds
// up what it did. One tenant's failure does not stop the others; the
// errors are joined.
func (s *Sweeper) All(ctx context.Context, tenants []string, table func(tenant string) store.Table) (Swept, error) {
	var total Swept
	var errs error
	for _, k := range tenants {
		if ctx.Err() != nil {
			return total, errors.Join(errs, ctx.Err())
		}
		sw, err := s.Table(ctx, table(k), k)
		total.add(sw)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("tenant %s: %w", k, err))
		}
	}
	return total, errs
}

// Transient reports whether a publish error says nothing about the event
// itself (the bus unreachable or busy), so it is not counted against it.
// Entry errors EventBridge reports per event are permanent except its
// throttling and internal failures.
func Transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ae *awssign.Error
	if errors.As(err, &ae) {
		return ae.Status == 0 || ae.Status == 429 || ae.Status >= 500 || strings.Contains(ae.Code, "Throttl")
	}
	msg := err.Error()
	for _, s := range []string{"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable", "connection refused"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
