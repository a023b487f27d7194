package campaign

import (
	"context"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Release queues a scheduled campaign whose time has come (the scheduler
// and the sweep call it; a second call does nothing).
func Release(ctx context.Context, t store.Table, id string, now time.Time) error {
	c, err := Get(ctx, t, id)
	if err != nil || c.Status != Scheduled || c.ScheduledAt.After(now) {
		return ignoreMissing(err)
	}
	c.Status = Queued
	err = save(ctx, t, c, now.Add(lease), queuedEvent(ctx, c))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil // released or cancelled meanwhile
	}
	return err
}

// Wake lists the open campaigns a sweep should look at by now.
func Wake(ctx context.Context, t store.Table, now time.Time) ([]string, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI2", PK: wakeIndex, SK: store.SKLessEq(now.UTC().Format(wakeFormat) + "#~"), Limit: 100})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, strings.TrimPrefix(store.Str(it, store.PK), "CAMPAIGN#"))
	}
	return out, nil
}

// NextWake is when the earliest open campaign wants a look (zero: none).
func NextWake(ctx context.Context, t store.Table) (time.Time, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI2", PK: wakeIndex, Limit: 1})
	if err != nil || len(p.Items) == 0 {
		return time.Time{}, err
	}
	at, _ := time.Parse(wakeFormat, strings.SplitN(store.Str(p.Items[0], "GSI2SK"), "#", 2)[0])
	return at, nil
}

// Sweep releases the due scheduled campaigns and queues again those whose
// worker was lost (the event it should have taken, or its lease, ran
// out): what the scheduler or a worker missed is picked up here.
func Sweep(ctx context.Context, t store.Table, now time.Time) (int, error) {
	due, err := Wake(ctx, t, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		c, err := Get(ctx, t, id)
		if err != nil {
			if ignoreMissing(err) == nil {
				continue
			}
			return n, err
		}
		switch c.Status {
		case Scheduled:
			err = Release(ctx, t, id, now)
		case Queued, Sending:
			// A live worker that lost its lease finds the version changed
			// at its next write and stops; the new one goes on.
			c.Status, c.runner = Queued, ""
			err = ignoreConflict(save(ctx, t, c, now.Add(lease), queuedEvent(ctx, c)))
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
