// Package apikeysapi is the API keys route group: /api/api-keys lists,
// issues (the key is shown once) and revokes the organization's keys.
// An API key cannot manage keys.
package apikeysapi

import (
	"context"
	"net/http"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/apikeys"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
)

// Mount is the API keys route group.
func Mount() app.Mount {
	return app.Mount{Name: "apikeys", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

// CreateInput names the key and its modules.
type CreateInput struct {
	Body struct {
		Name      string     `json:"name"`
		Modules   []string   `json:"modules" doc:"modules the key may use; each one you have"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
	}
}

// Created is a new key with its value, shown once.
type Created struct {
	apikeys.Key
	Value string `json:"key" doc:"the key (pvk_…); it is not shown again"`
}

// IDInput names a key.
type IDInput struct {
	ID string `path:"id"`
}

func route(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/api-keys" + path, ID: "api-keys-" + id, Summary: summary, Tags: []string{"API keys"},
		Realm: httpapi.TenantUsers}
}

func caller(ctx context.Context, d *app.Deps) (store.Table, *auth.Principal, error) {
	p := auth.PrincipalFrom(ctx)
	if p.Scope != nil {
		return nil, nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "an API key cannot manage API keys"}
	}
	t, err := d.Control.TenantTable(ctx)
	return t, p, err
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodGet, "", "list", "The organization's API keys (never their values)"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]apikeys.Key], error) {
			t, _, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			l, err := apikeys.List(ctx, t)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(l, ""), nil
		})
	create := route(http.MethodPost, "", "create", "Issue a key limited to modules you have; its value is shown once")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *CreateInput) (*httpapi.Body[Created], error) {
		t, p, err := caller(ctx, d)
		if err != nil {
			return nil, err
		}
		k, plain, err := apikeys.Create(ctx, t, p, in.Body.Name, in.Body.Modules, in.Body.ExpiresAt)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(Created{Key: *k, Value: plain}, "API key created: copy it now, it is not shown again"), nil
	})
	httpapi.Register(s, route(http.MethodDelete, "/{id}", "revoke", "Revoke a key"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[any], error) {
			t, _, err := caller(ctx, d)
			if err != nil {
				return nil, err
			}
			if err := apikeys.Revoke(ctx, t, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "API key revoked"), nil
		})
}
