// Package webhooksapi is the webhooks route group: a tenant's CEO or
// admin registers HTTP endpoints that receive its events, signed by the
// Standard Webhooks convention with a whsec_ secret shown once, reads each
// endpoint's delivery log, redelivers an attempt and sends test pings
// (docs/webhooks.md).
package webhooksapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"payvand.dev/events"
	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/store"
	"payvand.dev/shared/webhooks"
)

// Mount is the webhooks route group.
func Mount() app.Mount {
	return app.Mount{Name: "webhooks", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

// AllowPrivate is webhooks.AllowPrivate.
func AllowPrivate() bool { return webhooks.AllowPrivate() }

// View is an endpoint as clients see it; Secret only in the answer that
// created it.
type View struct {
	webhooks.Endpoint
	CreatedAtJalali    string  `json:"created_at_jalali"`
	UpdatedAtJalali    string  `json:"updated_at_jalali"`
	FailingSinceJalali *string `json:"failing_since_jalali,omitempty"`
	DisabledAtJalali   *string `json:"disabled_at_jalali,omitempty"`
	Secret             string  `json:"secret,omitempty" doc:"whsec_ signing secret, shown once"`
}

func view(ctx context.Context, e *webhooks.Endpoint, secret string) View {
	loc := httpapi.LocationFrom(ctx)
	return View{Endpoint: *e, CreatedAtJalali: jalali.Format(e.CreatedAt, loc), UpdatedAtJalali: jalali.Format(e.UpdatedAt, loc),
		FailingSinceJalali: jalali.FormatPtr(e.FailingSince, loc), DisabledAtJalali: jalali.FormatPtr(e.DisabledAt, loc), Secret: secret}
}

// DeliveryView is one attempt of an endpoint's delivery log.
type DeliveryView struct {
	webhooks.Delivery
	AtJalali            string  `json:"at_jalali"`
	NextAttemptAtJalali *string `json:"next_attempt_at_jalali"`
}

func deliveryView(ctx context.Context, dl *webhooks.Delivery) DeliveryView {
	loc := httpapi.LocationFrom(ctx)
	return DeliveryView{Delivery: *dl, AtJalali: jalali.Format(dl.At, loc), NextAttemptAtJalali: jalali.FormatPtr(dl.NextAttemptAt, loc)}
}

// DeliveriesInput pages and filters an endpoint's delivery log.
type DeliveriesInput struct {
	ID string `path:"id"`
	httpapi.ListParams
	Status  string `query:"status" doc:"succeeded, retrying or failed (also filter[status])"`
	EventID string `query:"event_id" doc:"one event's attempts (also filter[event_id])"`
}

// DeliveryInput names one attempt of an endpoint's log.
type DeliveryInput struct {
	ID         string `path:"id"`
	DeliveryID string `path:"delivery_id"`
}

// Input is the endpoint's fields.
type Input struct {
	Body struct {
		URL         string   `json:"url,omitempty" doc:"required when creating; an update keeps the URL it omits"`
		Events      []string `json:"events,omitempty" doc:"detail types such as task.created, or * for all (the default)"`
		Description string   `json:"description,omitempty"`
		Active      *bool    `json:"active,omitempty"`
	}
}

// IDInput names an endpoint.
type IDInput struct {
	ID string `path:"id"`
}

// UpdateInput changes an endpoint.
type UpdateInput struct {
	ID string `path:"id"`
	Input
}

func route(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/webhooks" + path, ID: "webhooks-" + id, Summary: summary, Tags: []string{"Webhooks"},
		Realm: httpapi.TenantUsers, Capability: auth.TopRole}
}

func table(ctx context.Context, d *app.Deps) (store.Table, error) { return d.Control.TenantTable(ctx) }

// endpoint reads the caller's endpoint and its table; ENOTFOUND.
func endpoint(ctx context.Context, d *app.Deps, id string) (store.Table, *webhooks.Endpoint, error) {
	t, err := table(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	e, err := webhooks.Get(ctx, t, id)
	return t, e, err
}

// EventType is an event an endpoint may take, with an example of its
// data.
type EventType struct {
	Type   string          `json:"type"`
	About  string          `json:"about"`
	Sample json.RawMessage `json:"sample" doc:"the data member of the event, as in the body's data.data"`
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodGet, "/events", "events", "The event types an endpoint may take, with a sample of each"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]EventType], error) {
			out := make([]EventType, 0, len(webhooks.Deliverable))
			for _, t := range webhooks.Deliverable {
				e, _ := events.Lookup(t)
				out = append(out, EventType{Type: t, About: e.About, Sample: json.RawMessage(e.Sample)})
			}
			return httpapi.OK(out, ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "", "list", "The organization's webhook endpoints"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]View], error) {
			t, err := table(ctx, d)
			if err != nil {
				return nil, err
			}
			eps, err := webhooks.List(ctx, t)
			if err != nil {
				return nil, err
			}
			out := make([]View, len(eps))
			for i, e := range eps {
				out[i] = view(ctx, e, "")
			}
			return httpapi.OK(out, ""), nil
		})
	create := route(http.MethodPost, "", "create", "Register an endpoint; the answer shows its signing secret once")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *Input) (*httpapi.Body[View], error) {
		t, err := table(ctx, d)
		if err != nil {
			return nil, err
		}
		e := &webhooks.Endpoint{URL: in.Body.URL, Events: in.Body.Events, Description: in.Body.Description, Active: true}
		if in.Body.Active != nil {
			e.Active = *in.Body.Active
		}
		if err := webhooks.Save(ctx, t, e, AllowPrivate()); err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, e, e.Secret), "webhook created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "One endpoint"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[View], error) {
			_, e, err := endpoint(ctx, d, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, e, ""), ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Change an endpoint's URL, events, description or activity; active: true turns a disabled endpoint back on and clears its failures"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[View], error) {
			t, e, err := endpoint(ctx, d, in.ID)
			if err != nil {
				return nil, err
			}
			if in.Body.URL != "" {
				e.URL = in.Body.URL
			}
			if in.Body.Events != nil {
				e.Events = in.Body.Events
			}
			if in.Body.Description != "" {
				e.Description = in.Body.Description
			}
			if in.Body.Active != nil {
				e.SetActive(*in.Body.Active)
			}
			e.UpdatedAt = time.Now().UTC()
			if err := webhooks.Save(ctx, t, e, AllowPrivate()); err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, e, ""), "webhook updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}", "delete", "Remove an endpoint"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			t, err := table(ctx, d)
			if err != nil {
				return nil, err
			}
			if err := webhooks.Delete(ctx, t, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "webhook deleted"), nil
		})
	registerDeliveries(s, d)
}

var statuses = []string{webhooks.Succeeded, webhooks.Retrying, webhooks.Failed}

func registerDeliveries(s *httpapi.Server, d *app.Deps) {
	dl := &webhooks.Deliverer{AllowPrivate: AllowPrivate()}
	httpapi.Register(s, route(http.MethodGet, "/{id}/deliveries", "deliveries", "An endpoint's delivery attempts of the last 30 days, newest first"),
		func(ctx context.Context, in *DeliveriesInput) (*httpapi.ListBody[DeliveryView], error) {
			t, e, err := endpoint(ctx, d, in.ID)
			if err != nil {
				return nil, err
			}
			f := webhooks.LogFilter{Status: in.Filter("status"), EventID: in.Filter("event_id"), Limit: in.Size()}
			if f.Status != "" && !slices.Contains(statuses, f.Status) {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid",
					Fields: map[string][]string{"filter[status]": {"must be one of succeeded, retrying, failed"}}}
			}
			scope := "webhook-deliveries|" + e.ID + "|" + f.Status + "|" + f.EventID
			if f.Cursor, f.Offset, err = s.Cursors.Window(ctx, scope, &in.ListParams); err != nil {
				return nil, err
			}
			items, total, next, err := webhooks.Deliveries(ctx, t, e.ID, f)
			if err != nil {
				return nil, err
			}
			views := make([]DeliveryView, len(items))
			for i := range items {
				views[i] = deliveryView(ctx, &items[i])
			}
			return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, total, next)
		})
	httpapi.Register(s, route(http.MethodPost, "/{id}/deliveries/{delivery_id}/retry", "delivery-retry",
		"Send a logged attempt's event again now; answers the new attempt (a failure schedules nothing)"),
		func(ctx context.Context, in *DeliveryInput) (*httpapi.Body[DeliveryView], error) {
			t, e, err := endpoint(ctx, d, in.ID)
			if err != nil {
				return nil, err
			}
			out, err := dl.Redeliver(ctx, t, e, in.DeliveryID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(deliveryView(ctx, out), "delivery "+out.Status), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/{id}/test", "test", "Send a webhook.test event now; answers the receiver's status"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[DeliveryView], error) {
			t, e, err := endpoint(ctx, d, in.ID)
			if err != nil {
				return nil, err
			}
			out, err := dl.Ping(ctx, t, e, auth.PrincipalFrom(ctx).TenantKey)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(deliveryView(ctx, out), "test "+out.Status), nil
		})
}
