// Package salesapi is the sales route group: pipelines and their stages,
// deals (also under /api/tenant/deals and /api/customers/{id}/…) and
// activities.
package salesapi

import (
	"context"
	"net/http"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/sales"
)

// Now, when set, is the clock of the group's service (tests move it to
// see days spent in a stage).
var Now func() time.Time

// Mount is the sales route group.
func Mount() app.Mount {
	return app.Mount{Name: "sales", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, &sales.Service{Tables: d.Control, Now: func() time.Time {
			if Now != nil {
				return Now()
			}
			return time.Now()
		}})
	}}
}

// Register mounts every route of the group.
func Register(s *httpapi.Server, svc *sales.Service) {
	registerPipelines(s, svc)
	registerDeals(s, svc)
	registerActivities(s, svc)
	registerSales(s, svc)
}

// route is an operation of the sales module (pipelines, deals).
func salesRoute(method, path, id, summary, tag string) httpapi.Route {
	return httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{tag},
		Realm: httpapi.TenantUsers, Module: "sales", Feature: "sales"}
}

func created(r httpapi.Route) httpapi.Route {
	r.Status = http.StatusCreated
	return r
}

func now(svc *sales.Service) time.Time {
	if svc.Now != nil {
		return svc.Now().UTC()
	}
	return time.Now().UTC()
}

type idInput struct {
	ID string `path:"id"`
}

var _ = context.Background
