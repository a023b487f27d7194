package consumers

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"payvand.dev/events"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/webhooks"
)

// webhookClock moves the local webhooks' clock ahead of real time (tests).
var webhookClock atomic.Int64

func webhookNow() time.Time { return time.Now().Add(time.Duration(webhookClock.Load())) }

// webhookRetries delivers events to webhook endpoints in-process and
// sweeps their due retries: at start (what a stopped process left), when
// the earliest pending retry is due, when a delivery schedules one, and
// at least every minute (tenants provisioned meanwhile).
type webhookRetries struct {
	d       *webhooks.Deliverer
	tables  Tables
	tenants func(context.Context) ([]string, error)
	wake    chan struct{}
}

const (
	webhookIdle = time.Minute
	// webhookPause keeps a retry that keeps failing to be written (a
	// store error) from spinning the loop.
	webhookPause = time.Second
)

func startWebhooks(ctx context.Context, bus *events.InProcess, tables Tables, tenants func(context.Context) ([]string, error)) *webhookRetries {
	r := &webhookRetries{tables: tables, tenants: tenants, wake: make(chan struct{}, 1)}
	r.d = &webhooks.Deliverer{AllowPrivate: webhooks.AllowPrivate(), Now: webhookNow, Scheduled: func(time.Time) { r.poke() }}
	bus.Subscribe("webhooks", webhooks.Deliverable, func(ctx context.Context, ev outbox.Event) error {
		return r.d.Handle(ctx, tables(ev.Tenant), ev)
	})
	go r.run(ctx)
	return r
}

func (r *webhookRetries) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *webhookRetries) run(ctx context.Context) {
	for {
		wait := webhookIdle
		if next, ok := r.sweep(ctx); ok {
			wait = min(wait, max(next.Sub(webhookNow()), webhookPause))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-r.wake:
			timer.Stop()
		}
	}
}

// sweep attempts every tenant's due retries and says when the earliest
// pending one is due.
func (r *webhookRetries) sweep(ctx context.Context) (next time.Time, pending bool) {
	keys, err := r.tenants(ctx)
	if err != nil {
		if ctx.Err() == nil {
			slog.Warn("webhook retries", "err", err)
		}
		return next, false
	}
	for _, k := range keys {
		t := r.tables(k)
		if _, err := r.d.Sweep(ctx, t); err != nil && ctx.Err() == nil {
			slog.Warn("webhook retries", "tenant", k, "err", err)
		}
		if at, ok, err := webhooks.NextDue(ctx, t); err == nil && ok && (!pending || at.Before(next)) {
			next, pending = at, true
		}
	}
	return next, pending
}
