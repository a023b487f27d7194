package consumers

import (
	"context"
	"log/slog"
	"time"

	"payvand.dev/events"
	"payvand.dev/functions/app"
	"payvand.dev/shared/campaign"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/mailsettings"
)

// CampaignWorker is the e-mail campaign consumer of a process: tables
// opens tenant tables, timer wakes scheduled campaigns.
func CampaignWorker(d *app.Deps, tables Tables, timer campaign.Timer) (*campaign.Worker, error) {
	key, err := d.Tokens.Derive(campaign.UnsubscribePurpose)
	if err != nil {
		return nil, err
	}
	return &campaign.Worker{Tables: tables, UnsubscribeKey: key, Timer: timer,
		// The tenant's own SMTP server or from-address when it chose one.
		Mail: func(ctx context.Context, tenant string) (pmail.Sender, error) {
			return mailsettings.Sender(ctx, tables(tenant), d.Mail, d.Tokens)
		}}, nil
}

// startCampaigns runs campaigns in-process: queued ones in the background
// (not holding up the bus), scheduled ones on timers, and a sweep at
// start, at the earliest open campaign's time and at least every minute,
// for what a crash or restart left (timers do not outlive the process).
func startCampaigns(ctx context.Context, bus *events.InProcess, d *app.Deps, tables Tables, tenants func(context.Context) ([]string, error)) error {
	timer := &campaign.LocalTimer{}
	w, err := CampaignWorker(d, tables, timer)
	if err != nil {
		return err
	}
	timer.Worker = w
	context.AfterFunc(ctx, timer.Stop)
	w.Go = func(f func(context.Context)) {
		if d.Background != nil {
			d.Background(f)
			return
		}
		go f(context.Background())
	}
	bus.Subscribe("campaigns", campaign.Events, w.Handle)
	go func() {
		for {
			wait := time.Minute
			if ts, err := tenants(ctx); err == nil {
				if err := w.Sweep(ctx, ts, time.Now()); err != nil && ctx.Err() == nil {
					slog.Error("campaign sweep", "err", err)
				}
				// Sleep no longer than the earliest campaign's time, so a
				// schedule made before a restart still goes out on time.
				for _, tenant := range ts {
					if at, err := campaign.NextWake(ctx, tables(tenant)); err == nil && !at.IsZero() {
						wait = min(wait, max(time.Until(at), 10*time.Millisecond))
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
	return nil
}
