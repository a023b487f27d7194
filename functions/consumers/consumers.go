// Package consumers wires the event consumers in-process for the local
// runner (and tests): the relay drains the outbox of every tenant table
// when a write commits, and the in-process bus hands each event to the
// same handlers the consumer Lambdas run on AWS — the notifier, its
// mailer, the real-time hub behind /ws and /app/{key}, webhooks (with
// their retries) and e-mail campaigns.
package consumers

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"payvand.dev/events"
	"payvand.dev/functions/app"
	"payvand.dev/functions/pusher"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/notify"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/sales"
	"payvand.dev/shared/store"
)

// Local is the running set.
type Local struct {
	Relay *relay.Local
	Bus   *events.InProcess
	Hub   *pusher.Hub

	webhooks *webhookRetries
}

// Tables opens tenant tables by key.
type Tables func(tenant string) store.Table

// Subscribe adds the consumers every shape runs to a bus.
func Subscribe(bus *events.InProcess, table Tables, d *app.Deps) {
	bus.Subscribe(notify.Consumer, notify.Events, func(ctx context.Context, ev outbox.Event) error {
		return notify.Notifier{}.Handle(ctx, table(ev.Tenant), ev)
	})
	bus.Subscribe(notify.MailConsumer, []string{notify.Created}, func(ctx context.Context, ev outbox.Event) error {
		return notify.Mailer{Mail: d.Mail}.Handle(ctx, table(ev.Tenant), ev)
	})
	bus.Subscribe("renames", []string{"customer.updated", "deal.updated", "deal.stage_changed", "deal.won", "deal.lost", "deal.reopened"},
		func(ctx context.Context, ev outbox.Event) error { return rename(ctx, d, ev) })
}

// rename carries a new name to the records that show it: a customer's to
// its deals and activities, a deal's title to its activities (the
// customer's own write renames its contacts; these may be too many for
// one transaction). Redelivered, it finds nothing left to change.
func rename(ctx context.Context, d *app.Deps, ev outbox.Event) error {
	var e struct {
		Customer      struct{ ID, Name string }  `json:"customer"`
		Deal          struct{ ID, Title string } `json:"deal"`
		PreviousName  *string                    `json:"previous_name"`
		PreviousTitle *string                    `json:"previous_title"`
	}
	if json.Unmarshal(ev.Data, &e) != nil {
		return nil
	}
	ctx = auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, TenantKey: ev.Tenant, Subject: ev.Actor})
	svc := &sales.Service{Tables: d.Control}
	var err error
	switch {
	case e.Customer.ID != "" && e.PreviousName != nil && *e.PreviousName != e.Customer.Name:
		_, err = svc.RenameCustomer(ctx, e.Customer.ID, e.Customer.Name)
	case e.Deal.ID != "" && e.PreviousTitle != nil && *e.PreviousTitle != e.Deal.Title:
		_, err = svc.RenameDeal(ctx, e.Deal.ID, e.Deal.Title)
	}
	return err
}

// Start runs the relay and the consumers until ctx ends. It makes the
// deps' store wake the relay on every commit that records an event, so
// call it before serving requests. key is the Pusher app key.
func Start(ctx context.Context, d *app.Deps, key string) (*Local, error) {
	secret, err := d.Tokens.Derive("pusher")
	if err != nil {
		return nil, err
	}
	base := d.Control.DB
	bus := &events.InProcess{}
	hub := &pusher.Hub{Key: key, Secret: secret, Tokens: d.Tokens, Authz: pusher.Authorizer{Control: d.Control}, Control: d.Control.Table}
	l := &Local{Bus: bus, Hub: hub}
	l.Relay = &relay.Local{DB: base, Prefix: d.Config.TablePrefix, Pub: events.Publisher(bus.PublishEnvelopes), Every: 30 * time.Second,
		Tenants: func(ctx context.Context) ([]string, error) {
			ts, err := d.Control.AllTenants(ctx)
			keys := make([]string, 0, len(ts))
			for _, t := range ts {
				keys = append(keys, t.Key)
			}
			return keys, err
		}}
	watched := l.Relay.Watch(base)
	d.Control.DB, d.DB = watched, watched
	tables := func(tenant string) store.Table { return watched.Table(d.Config.TablePrefix + tenant) }
	Subscribe(bus, tables, d)
	bus.Subscribe("realtime", nil, hub.Deliver)
	l.webhooks = startWebhooks(ctx, bus, tables, l.Relay.Tenants)
	if err := startCampaigns(ctx, bus, d, tables, l.Relay.Tenants); err != nil {
		return nil, err
	}
	go l.Relay.Run(ctx)
	return l, nil
}

// Handler serves the hub's paths and everything else from api.
func (l *Local) Handler(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.Hub.Handles(r.URL.Path) {
			l.Hub.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
