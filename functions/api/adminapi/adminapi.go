// Package adminapi is the SaaS admin route group (/api/admin/*): the
// dashboard, plans, tenants and their subscriptions and features, the mail
// outbox and the audit log of every admin action.
package adminapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
)

// Deps are what the admin routes use.
type Deps struct {
	Control *tenancy.ControlPlane
	Resets  *auth.ResetTokens // the new tenant CEO's invitation link
	Mail    mail.Sender
	Outbox  *mail.Outbox
	AppURL  string
	Now     func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// client records where an admin request came from, for the audit log.
type client struct{ ip string }

func (c *client) Resolve(ctx huma.Context) []error {
	c.ip = httpapi.ClientIP(ctx)
	return nil
}

// TenantView is a tenant as SaaS admins see it, with Rabin's names.
type TenantView struct {
	tenancy.Tenant
	SubscriptionStatus    string `json:"subscription_status"`
	SubscriptionPlan      string `json:"subscription_plan"`
	SubscriptionEndJalali string `json:"subscription_end_jalali,omitempty"`
	CreatedAtJalali       string `json:"created_at_jalali"`
	CurrentUsers          *int   `json:"current_users,omitempty"`
}

func (d Deps) view(ctx context.Context, t *tenancy.Tenant) TenantView {
	v := TenantView{Tenant: *t, SubscriptionStatus: subscriptionStatus(t, d.now()), SubscriptionPlan: t.Plan,
		CreatedAtJalali: jalali.Format(t.CreatedAt, httpapi.LocationFrom(ctx))}
	if t.SubscriptionEnd != nil {
		v.SubscriptionEndJalali = jalali.Format(*t.SubscriptionEnd, httpapi.LocationFrom(ctx))
	}
	return v
}

func subscriptionStatus(t *tenancy.Tenant, now time.Time) string {
	if t.Status == tenancy.StatusActive && t.SubscriptionEnd != nil && t.SubscriptionEnd.Before(now) {
		return "expired"
	}
	return t.Status
}

// Register mounts the admin routes.
func Register(s *httpapi.Server, d Deps) {
	route := func(method, path, id, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: path, ID: "admin-" + id, Summary: summary, Tags: []string{"SaaS admin"}, Realm: httpapi.AdminOnly}
	}
	registerTenants(s, d, route)
	registerPlans(s, d, route)

	httpapi.Register(s, route(http.MethodGet, "/api/admin/stats", "stats", "SaaS dashboard statistics"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[Stats], error) {
			st, err := d.stats(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(st, ""), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/api/admin/outbox", "outbox", "Messages kept by the mail outbox (local mode), newest first"),
		func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[mail.Message], error) {
			msgs, next, err := d.Outbox.List(ctx, in.Size(), in.Cursor)
			if err != nil {
				return nil, err
			}
			return httpapi.NewList(ctx, &in.ListParams, msgs, len(msgs), next), nil
		})

	httpapi.Register(s, route(http.MethodGet, "/api/admin/audit", "audit", "The audit log of admin actions, newest first"),
		func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[tenancy.AuditEntry], error) {
			entries, total, next, err := d.Control.AuditLog(ctx, in.Size(), (in.PageNumber()-1)*in.Size(), in.Cursor)
			if err != nil {
				return nil, err
			}
			return httpapi.NewList(ctx, &in.ListParams, entries, total, next), nil
		})

	// Internal: the tenant middleware's lookup. Not routed from the public
	// API on AWS (the manifest leaves /api/internal out); admin-only here.
	httpapi.Register(s, route(http.MethodGet, "/api/internal/tenant-info", "tenant-info", "Tenant record by key (internal)"),
		func(ctx context.Context, in *struct {
			Key string `query:"tenant_key" minLength:"1"`
		}) (*httpapi.Body[TenantView], error) {
			t, err := d.Control.Tenant(ctx, in.Key)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(d.view(ctx, t), ""), nil
		})
}

// Stats is the SaaS dashboard.
type Stats struct {
	TotalTenants          int              `json:"total_tenants"`
	ActiveTenants         int              `json:"active_tenants"`
	SuspendedTenants      int              `json:"suspended_tenants"`
	TotalRevenue          map[string]int64 `json:"total_revenue" doc:"Monthly revenue of active subscriptions by currency, in minor units"`
	SubscriptionsExpiring int              `json:"subscriptions_expiring" doc:"Active subscriptions ending in the next 7 days"`
	NewSignupsToday       int              `json:"new_signups_today"`
	ByPlan                map[string]int   `json:"by_plan"`
	SystemHealth          Health           `json:"system_health"`
}

// Health reports the store's reachability.
type Health struct {
	Status         string  `json:"status"`
	StoreLatencyMS float64 `json:"store_latency_ms"`
}

func (d Deps) stats(ctx context.Context) (Stats, error) {
	start := time.Now()
	tenants, err := d.Control.AllTenants(ctx)
	if err != nil {
		return Stats{}, err
	}
	lat := float64(time.Since(start).Microseconds()) / 1000
	plans, err := d.Control.Plans(ctx)
	if err != nil {
		return Stats{}, err
	}
	price := map[string]*tenancy.Plan{}
	for _, p := range plans {
		price[p.Name], price[p.ID] = p, p
	}
	now := d.now()
	day := now.In(httpapi.LocationFrom(ctx)).Format("2006-01-02")
	st := Stats{TotalTenants: len(tenants), TotalRevenue: map[string]int64{}, ByPlan: map[string]int{}, SystemHealth: Health{Status: "ok", StoreLatencyMS: lat}}
	for _, t := range tenants {
		st.ByPlan[t.Plan]++
		if t.CreatedAt.In(httpapi.LocationFrom(ctx)).Format("2006-01-02") == day {
			st.NewSignupsToday++
		}
		if t.Status == tenancy.StatusSuspended {
			st.SuspendedTenants++
		}
		if subscriptionStatus(t, now) != tenancy.StatusActive {
			continue
		}
		st.ActiveTenants++
		if p := price[t.Plan]; p != nil && p.DurationDays > 0 {
			// Normalized to 30 days so that plans of any length add up.
			st.TotalRevenue[p.Currency] += p.Price * 30 / int64(p.DurationDays)
		}
		if t.SubscriptionEnd != nil && t.SubscriptionEnd.Before(now.Add(7*24*time.Hour)) {
			st.SubscriptionsExpiring++
		}
	}
	return st, nil
}
