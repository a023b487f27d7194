package adminapi

import (
	"context"
	"net/http"
	"strings"

	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/tenancy"
)

// PlanFields are a plan's writable fields.
type PlanFields struct {
	Name      string   `json:"name" minLength:"1" maxLength:"100"`
	Features  []string `json:"features,omitempty" maxItems:"50"`
	Price     int64    `json:"price" minimum:"0" doc:"In minor units of currency (rials for IRR)"`
	Currency  string   `json:"currency,omitempty" pattern:"^[A-Z]{3}$" doc:"ISO 4217, default IRR"`
	Duration  int      `json:"duration" minimum:"1" maximum:"3660" doc:"Days"`
	MaxUsers  int      `json:"max_users,omitempty" minimum:"0"`
	RateLimit int      `json:"rate_limit,omitempty" minimum:"0" maximum:"100000" doc:"General requests per minute per user; 0 = the default"`
	Active    *bool    `json:"active,omitempty"`
}

func (f PlanFields) apply(p *tenancy.Plan) {
	p.Name, p.Price, p.Currency, p.DurationDays, p.MaxUsers = strings.TrimSpace(f.Name), f.Price, f.Currency, f.Duration, f.MaxUsers
	p.RateLimit = f.RateLimit
	p.Features = f.Features
	p.Active = f.Active == nil || *f.Active
}

func registerPlans(s *httpapi.Server, d Deps, route func(method, path, id, summary string) httpapi.Route) {
	httpapi.Register(s, route(http.MethodGet, "/api/admin/plans", "plans-list", "Subscription plans"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]*tenancy.Plan], error) {
			ps, err := d.Control.Plans(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(ps, ""), nil
		})
	create := route(http.MethodPost, "/api/admin/plans", "plans-create", "Create a plan")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *struct {
		client
		Body PlanFields
	}) (*httpapi.Body[*tenancy.Plan], error) {
		p := &tenancy.Plan{}
		in.Body.apply(p)
		if err := d.Control.SavePlan(ctx, p); err != nil {
			return nil, err
		}
		d.Control.Audit(ctx, "plan.create", p.ID, in.ip, map[string]any{"name": p.Name, "price": p.Price})
		return httpapi.OK(p, "plan created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/api/admin/plans/{id}", "plans-get", "A plan"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[*tenancy.Plan], error) {
			p, err := d.Control.PlanByID(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(p, ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/api/admin/plans/{id}", "plans-update", "Update a plan"),
		func(ctx context.Context, in *struct {
			client
			ID   string `path:"id"`
			Body PlanFields
		}) (*httpapi.Body[*tenancy.Plan], error) {
			p, err := d.Control.PlanByID(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			in.Body.apply(p)
			if err := d.Control.SavePlan(ctx, p); err != nil {
				return nil, err
			}
			d.Control.Audit(ctx, "plan.update", p.ID, in.ip, map[string]any{"name": p.Name, "price": p.Price})
			return httpapi.OK(p, "plan updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/api/admin/plans/{id}", "plans-delete",
		"Delete a plan no tenant is on (409 while one is); it is removed, not hidden"),
		func(ctx context.Context, in *struct {
			client
			ID string `path:"id"`
		}) (*httpapi.Body[any], error) {
			p, err := d.Control.DeletePlan(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			d.Control.Audit(ctx, "plan.delete", p.ID, in.ip, map[string]any{"name": p.Name})
			return httpapi.OK[any](nil, "plan deleted"), nil
		})
}
