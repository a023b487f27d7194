package adminapi_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/config"
)

func admin(t *testing.T, e *apitest.Env) string {
	r := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200)
	return r.JSON["token"].(string)
}

func TestPlansAndTenantLifecycle(t *testing.T) {
	e := apitest.New(t)
	a := admin(t, e)
	pro := e.Do("POST", "/api/admin/plans", a, map[string]any{"name": "Pro", "price": 30000000, "currency": "IRR", "duration": 30,
		"max_users": 25, "features": []string{"customers", "contacts", "tasks"}}).Want(t, 201).Data()
	e.Do("POST", "/api/admin/plans", a, map[string]any{"name": "", "price": -1, "duration": 0}).Want(t, 422)
	e.Do("PUT", "/api/admin/plans/"+pro["id"].(string), a, map[string]any{"name": "Pro", "price": 36000000, "duration": 30, "max_users": 25,
		"features": []string{"customers", "contacts", "tasks"}}).Want(t, 200)
	if plans := e.Do("GET", "/api/admin/plans", a, nil).Want(t, 200).JSON["data"].([]any); len(plans) != 1 || plans[0].(map[string]any)["price"] != float64(36000000) {
		t.Fatalf("plans = %v", plans)
	}

	created := e.Do("POST", "/api/admin/tenants", a, map[string]any{"company_name": "Kavir Trading", "tenant_key": "kavir", "admin_name": "Reza",
		"admin_email": "Reza@Kavir.ir", "subscription_plan": "pro", "locale": "en"}).Want(t, 201).Data()
	if created["tenant_key"] != "kavir" || created["subscription_plan"] != "Pro" || created["max_users"] != float64(25) || created["subscription_end"] == nil {
		t.Fatalf("created = %v", created)
	}
	e.Do("POST", "/api/admin/tenants", a, map[string]any{"company_name": "Dup", "tenant_key": "kavir", "admin_name": "X", "admin_email": "x@y.ir"}).Want(t, 409)
	// The invitation carries a single-use set-password link, no password;
	// the CEO logs in with the password chosen through it.
	msgs, _, _ := e.Deps.Outbox.List(context.Background(), 10, "")
	if len(msgs) == 0 || msgs[0].To[0] != "reza@kavir.ir" || msgs[0].Template != "invitation" || strings.Contains(msgs[0].Text, "password:") {
		t.Fatalf("outbox = %+v", msgs)
	}
	link := regexp.MustCompile(`/accept-invitation\?token=([\w-]+)&tenant=kavir&`).FindStringSubmatch(msgs[0].Text)
	if link == nil {
		t.Fatalf("invitation without a set-password link: %s", msgs[0].Text)
	}
	pw := "Kavir-chosen-1404"
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "kavir", "email": "reza@kavir.ir", "password": pw}).Want(t, 401)
	accept := map[string]string{"token": link[1], "password": pw, "password_confirmation": pw}
	e.Do("POST", "/api/auth/accept-invitation", "", accept).Want(t, 200)
	e.Do("POST", "/api/auth/accept-invitation", "", accept).Want(t, 422)
	login := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "kavir", "email": "reza@kavir.ir", "password": pw}).Want(t, 200)
	user := login.JSON["token"].(string)
	e.Do("GET", "/api/customers", user, nil).Want(t, 200)
	if out := e.Do("GET", "/api/admin/outbox", a, nil).Want(t, 200).List(); len(out) == 0 {
		t.Fatal("admin outbox empty")
	}

	id := created["id"].(string)
	got := e.Do("GET", "/api/admin/tenants/"+id, a, nil).Want(t, 200).Data()
	if got["current_users"] != float64(1) || got["company_name"] != "Kavir Trading" {
		t.Fatalf("get = %v", got)
	}
	e.Do("GET", "/api/admin/tenants/kavir", a, nil).Want(t, 200) // by key too
	e.Do("PUT", "/api/admin/tenants/"+id, a, map[string]any{"company_name": "Kavir Trading Co", "max_users": 40}).Want(t, 200)

	// Features: a disabled feature closes its route group with its name.
	e.Do("POST", "/api/admin/tenants/"+id+"/features", a, map[string]any{"feature_name": "customers", "enabled": false}).Want(t, 200)
	r := e.Do("GET", "/api/customers", user, nil).Want(t, 403)
	if !strings.Contains(r.JSON["detail"].(string), "customers") {
		t.Fatalf("feature 403 = %s", r.Raw)
	}
	e.Do("POST", "/api/admin/tenants/"+id+"/features", a, map[string]any{"feature_name": "customers", "enabled": true}).Want(t, 200)
	e.Do("GET", "/api/customers", user, nil).Want(t, 200)

	// Subscription: suspended 403, expired 402; auth routes stay open.
	e.Do("PATCH", "/api/admin/tenants/"+id+"/subscription", a, map[string]any{"status": "suspended"}).Want(t, 200)
	e.Do("GET", "/api/customers", user, nil).Want(t, 403)
	e.Do("GET", "/api/auth/me", user, nil).Want(t, 200)
	e.Do("PATCH", "/api/admin/tenants/"+id+"/subscription", a, map[string]any{"status": "active", "end_date": "2020-01-01"}).Want(t, 200)
	if r := e.Do("GET", "/api/customers", user, nil).Want(t, 402); r.JSON["error"] != "payment-required" {
		t.Fatalf("402 = %s", r.Raw)
	}
	end := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	e.Do("PATCH", "/api/admin/tenants/"+id+"/subscription", a, map[string]any{"end_date": end}).Want(t, 200)
	e.Do("GET", "/api/customers", user, nil).Want(t, 200)

	// Delete: deactivate, then schedule; the purge drops the table when due.
	if d := e.Do("DELETE", "/api/admin/tenants/"+id, a, nil).Want(t, 200).Data(); d["status"] != "inactive" {
		t.Fatalf("first delete = %v", d)
	}
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "kavir", "email": "reza@kavir.ir", "password": pw}).Want(t, 403)
	e.Do("GET", "/api/customers", user, nil).Want(t, 403)
	if d := e.Do("DELETE", "/api/admin/tenants/"+id, a, nil).Want(t, 200).Data(); d["delete_after"] == nil {
		t.Fatalf("second delete = %v", d)
	}
	ctx := context.Background()
	if p, _ := e.Deps.Control.PurgeDue(ctx, time.Now()); len(p) != 0 {
		t.Fatal("purged before the grace period")
	}
	if p, _ := e.Deps.Control.PurgeDue(ctx, time.Now().Add(8*24*time.Hour)); fmt.Sprint(p) != "[kavir]" {
		t.Fatalf("purged = %v", p)
	}
	if ok, _ := e.Deps.DB.TableExists(ctx, "payvand-tenant-kavir"); ok {
		t.Fatal("table kept after the purge")
	}
	e.Do("GET", "/api/admin/tenants/"+id, a, nil).Want(t, 404)

	// Every change is in the audit log with who and from where.
	audit := e.Do("GET", "/api/admin/audit?limit=100", a, nil).Want(t, 200).List()
	actions := map[string]bool{}
	for _, en := range audit {
		actions[en["action"].(string)] = true
		if en["actor"] != "admin" || en["ip"] == "" || en["at"] == "" {
			t.Fatalf("audit entry lacks who/where/when: %v", en)
		}
	}
	for _, want := range []string{"plan.create", "plan.update", "tenant.create", "tenant.update", "tenant.feature", "tenant.subscription", "tenant.deactivate", "tenant.schedule-deletion"} {
		if !actions[want] {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
}

func TestTenantListAndStats(t *testing.T) {
	e := apitest.New(t) // demo, alpha and beta exist
	a := admin(t, e)
	e.Do("PATCH", "/api/admin/tenants/beta/subscription", a, map[string]any{"status": "suspended"}).Want(t, 200)
	l := e.Do("GET", "/api/admin/tenants?status=active", a, nil).Want(t, 200)
	if l.JSON["pagination"].(map[string]any)["total"] != float64(2) {
		t.Fatalf("active tenants = %s", l.Raw)
	}
	if s := e.Do("GET", "/api/admin/tenants?search=ALPHA", a, nil).List(); len(s) != 1 || s[0]["tenant_key"] != "alpha" {
		t.Fatalf("search = %v", s)
	}
	p1 := e.Do("GET", "/api/admin/tenants?limit=2", a, nil).Want(t, 200)
	next := p1.JSON["pagination"].(map[string]any)["next_cursor"].(string)
	p2 := e.Do("GET", "/api/admin/tenants?limit=2&cursor="+next, a, nil).Want(t, 200)
	if len(p1.List()) != 2 || len(p2.List()) != 1 || p2.List()[0]["tenant_key"] == p1.List()[0]["tenant_key"] {
		t.Fatalf("pages %v / %v", p1.List(), p2.List())
	}
	st := e.Do("GET", "/api/admin/stats", a, nil).Want(t, 200).Data()
	if st["total_tenants"] != float64(3) || st["active_tenants"] != float64(2) || st["suspended_tenants"] != float64(1) || st["new_signups_today"] != float64(3) {
		t.Fatalf("stats = %v", st)
	}
	if st["system_health"].(map[string]any)["status"] != "ok" {
		t.Fatal("health")
	}
	e.Do("GET", "/api/internal/tenant-info?tenant_key=alpha", a, nil).Want(t, 200)
	// Only SaaS admins.
	e.Do("GET", "/api/admin/stats", "", nil).Want(t, 401)
	e.Do("GET", "/api/admin/stats", e.CEO("alpha"), nil).Want(t, 403)
	e.Do("GET", "/api/internal/tenant-info?tenant_key=alpha", e.CEO("alpha"), nil).Want(t, 403)
}

func TestPlanRateLimit(t *testing.T) {
	e := apitest.New(t, apitest.WithConfig(func(c *config.Config) { c.RateGeneral = 60 }))
	a := admin(t, e)
	e.Do("POST", "/api/admin/plans", a, map[string]any{"name": "Tiny", "price": 0, "duration": 30, "rate_limit": 3}).Want(t, 201)
	e.Do("PATCH", "/api/admin/tenants/alpha/subscription", a, map[string]any{"plan": "Tiny"}).Want(t, 200)
	tok := e.CEO("alpha")
	for i := 0; i < 3; i++ {
		if r := e.Do("GET", "/api/customers", tok, nil).Want(t, 200); r.Header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("limit header %q", r.Header.Get("X-RateLimit-Limit"))
		}
	}
	e.Do("GET", "/api/customers", tok, nil).Want(t, 429)
	// Another plan keeps the default.
	if r := e.Do("GET", "/api/customers", e.CEO("beta"), nil).Want(t, 200); r.Header.Get("X-RateLimit-Limit") != "60" {
		t.Fatalf("default limit header %q", r.Header.Get("X-RateLimit-Limit"))
	}
}
