// Package webhooksapi is the webhooks route group: a tenant's CEO or
// admin registers HTTP endpoints that receive its events, signed by the
// Standard Webhooks convention with a whsec_ secret shown once.
package webhooksapi

import (
	"context"
	"net/http"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/httpapi"
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
	Secret string `json:"secret,omitempty" doc:"whsec_ signing secret, shown once"`
}

// Input is the endpoint's fields.
type Input struct {
	Body struct {
		URL         string   `json:"url"`
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

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
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
				out[i] = View{Endpoint: *e}
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
		return httpapi.OK(View{Endpoint: *e, Secret: e.Secret}, "webhook created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "One endpoint"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[View], error) {
			t, err := table(ctx, d)
			if err != nil {
				return nil, err
			}
			e, err := webhooks.Get(ctx, t, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(View{Endpoint: *e}, ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/{id}", "update", "Change an endpoint's URL, events, description or activity"),
		func(ctx context.Context, in *UpdateInput) (*httpapi.Body[View], error) {
			t, err := table(ctx, d)
			if err != nil {
				return nil, err
			}
			e, err := webhooks.Get(ctx, t, in.ID)
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
				e.Active = *in.Body.Active
			}
			e.UpdatedAt = time.Now().UTC()
			if err := webhooks.Save(ctx, t, e, AllowPrivate()); err != nil {
				return nil, err
			}
			return httpapi.OK(View{Endpoint: *e}, "webhook updated"), nil
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
}
