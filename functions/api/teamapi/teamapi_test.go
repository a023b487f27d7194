package teamapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/users"
)

var roles = []string{"ceo", "manager", "sales_manager", "sales", "employee"}

// seedRoles adds one user per role to a tenant and logs each in.
func seedRoles(t *testing.T, e *apitest.Env, tenant string) (map[string]string, map[string]string) {
	h, _ := auth.HashPassword(apitest.Password)
	tokens, ids := map[string]string{}, map[string]string{}
	tn, _ := e.Deps.Control.Tenant(context.Background(), tenant)
	tn.MaxUsers = 1000
	e.Deps.Control.SaveTenant(context.Background(), tn)
	for _, r := range roles {
		email := r + "@" + tenant + ".test"
		if r == "ceo" {
			tokens[r] = e.CEO(tenant)
			u, _ := (users.Repo{}).ByEmail(context.Background(), e.Deps.Control.TableFor(tenant), email)
			ids[r] = u.ID
			continue
		}
		u := &users.User{Name: strings.ToUpper(r[:1]) + r[1:], Email: email, Role: r, PasswordHash: h}
		if err := (users.Repo{}).Create(context.Background(), e.Deps.Control.TableFor(tenant), u, 0); err != nil {
			t.Fatal(err)
		}
		e.Deps.Control.IndexLogin(context.Background(), email, tenant, u.ID)
		tokens[r], ids[r] = e.Login(tenant, email), u.ID
	}
	return tokens, ids
}

// TestPermissionMatrix calls every tenant-side route of the identity issue
// as each role and checks allow (2xx) or deny (403).
func TestPermissionMatrix(t *testing.T) {
	e := apitest.New(t)
	tokens, ids := seedRoles(t, e, "alpha")
	everyone := roles
	managers := []string{"ceo", "manager"}
	settings := []string{"ceo"}
	type call struct {
		method, path string
		body         func(role string) any
		allowed      []string
	}
	seq := 0
	target := func(role string) string {
		seq++
		// A fresh employee per caller, so that deletes do not collide.
		u := e.Do("POST", "/api/users", tokens["ceo"], map[string]any{"name": "T " + role, "email": fmt.Sprintf("t-%s-%d@alpha.test", role, seq), "role": "employee"}).Want(t, 201)
		ids["t"+role] = u.Data()["id"].(string)
		return ids["t"+role]
	}
	calls := []call{
		{"GET", "/api/users", nil, everyone},
		{"GET", "/api/tenant/users", nil, everyone},
		{"GET", "/api/users/{employee}", nil, everyone},
		{"POST", "/api/users", func(r string) any {
			return map[string]any{"name": "New " + r, "email": "new-" + r + "@alpha.test", "role": "sales"}
		}, managers},
		{"PUT", "/api/users/{target}", func(string) any { return map[string]any{"job_title": "Clerk"} }, managers},
		{"POST", "/api/tenant/users/{target}/permissions", func(string) any { return map[string]any{"modules": []string{"tasks", "calendar"}} }, managers},
		{"POST", "/api/permissions/user-modules", func(string) any {
			return map[string]any{"user_id": "{target}", "module_id": "contacts", "granted": true}
		}, managers},
		{"DELETE", "/api/users/{target}", nil, managers},
		{"GET", "/api/permissions", nil, everyone},
		{"GET", "/api/permissions/modules", nil, everyone},
		{"GET", "/api/permissions/types", nil, everyone},
		{"GET", "/api/permissions/check?moduleName=customers", nil, everyone},
		{"GET", "/api/permissions/user/{self}", nil, everyone},
		{"GET", "/api/permissions/user/{employee}", nil, append(managers, "employee")},
		{"GET", "/api/permissions/roles", nil, everyone},
		{"POST", "/api/permissions/roles", func(r string) any { return map[string]any{"name": "auditor_" + r, "modules": []string{"reports"}} }, managers},
		{"GET", "/api/profile", nil, everyone},
		{"PUT", "/api/profile", func(string) any { return map[string]any{"phone": "09120000000"} }, everyone},
		{"GET", "/api/users/me", nil, everyone},
		{"GET", "/api/users/coworkers", nil, everyone},
		{"GET", "/api/settings/preferences", nil, everyone},
		{"PUT", "/api/settings/preferences", func(string) any { return map[string]any{"theme": "dark", "date_format": "jalali"} }, everyone},
		{"GET", "/api/settings/organization", nil, everyone},
		{"PUT", "/api/settings/organization", func(string) any { return map[string]any{"settings": map[string]any{"currency": "IRR"}} }, settings},
		{"GET", "/api/tenant/info", nil, everyone},
		{"GET", "/api/tenant/usage", nil, settings},
		{"POST", "/api/tenant/setup", func(string) any { return map[string]any{} }, settings},
		{"PUT", "/api/tenant/settings", func(string) any { return map[string]any{"settings": map[string]any{"week_start": "saturday"}} }, settings},
		{"GET", "/api/customers", nil, []string{"ceo", "manager", "sales_manager", "sales"}},
		{"GET", "/api/auth/me", nil, everyone},
		{"GET", "/api/auth/permissions", nil, everyone},
		{"GET", "/api/admin/stats", nil, nil},
		{"GET", "/api/admin/tenants", nil, nil},
	}
	var table []string
	for _, c := range calls {
		row := fmt.Sprintf("| %s %s |", c.method, c.path)
		for _, r := range roles {
			path := strings.NewReplacer("{self}", ids[r], "{employee}", ids["employee"]).Replace(c.path)
			var body any
			if c.body != nil {
				body = c.body(r)
			}
			if strings.Contains(path, "{target}") || strings.Contains(fmt.Sprint(body), "{target}") {
				tid := target(r)
				path = strings.ReplaceAll(path, "{target}", tid)
				if m, ok := body.(map[string]any); ok && m["user_id"] == "{target}" {
					m["user_id"] = tid
				}
			}
			resp := e.Do(c.method, path, tokens[r], body)
			allowed := contains(c.allowed, r)
			ok := resp.Status < 300
			if ok != allowed || (!ok && resp.Status != 403) {
				t.Errorf("%s %s as %s: %d, want allowed=%v: %.200s", c.method, c.path, r, resp.Status, allowed, resp.Raw)
			}
			mark := "deny"
			if ok {
				mark = "allow"
			}
			row += " " + mark + " |"
		}
		table = append(table, row)
	}
	t.Log("\n| route | " + strings.Join(roles, " | ") + " |\n|---|---|---|---|---|---|\n" + strings.Join(table, "\n"))
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestManagersCannotEscalate(t *testing.T) {
	e := apitest.New(t)
	tokens, ids := seedRoles(t, e, "alpha")
	m := tokens["manager"]
	e.Do("POST", "/api/users", m, map[string]any{"name": "X", "email": "x@alpha.test", "role": "ceo"}).Want(t, 403)
	e.Do("PUT", "/api/users/"+ids["ceo"], m, map[string]any{"name": "Hacked"}).Want(t, 403)
	e.Do("DELETE", "/api/users/"+ids["ceo"], m, nil).Want(t, 403)
	e.Do("POST", "/api/tenant/users/"+ids["sales"]+"/permissions", m, map[string]any{"modules": []string{"settings"}}).Want(t, 403)
	e.Do("PUT", "/api/users/"+ids["manager"], m, map[string]any{"role": "ceo"}).Want(t, 403) // not even oneself
	e.Do("DELETE", "/api/users/"+ids["ceo"], tokens["ceo"], nil).Want(t, 403)                // nor delete oneself
}

func TestUserLifecycleAndLimits(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	// A user's department must exist (422 naming department_id otherwise).
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Neda Karimi", "email": "Neda@Alpha.test", "department_id": "01a20534-b546-79a5-82f6-af7e8bd19aa3"}).Want(t, 422)
	dept := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Sales"}).Want(t, 201).Data()["id"]
	u := e.Do("POST", "/api/users", ceo, map[string]any{"name": "Neda Karimi", "email": "Neda@Alpha.test", "roles": []string{"sales"},
		"password": "Strong-pass-9", "department_id": dept, "job_title": "Account manager"}).Want(t, 201).Data()
	id := u["id"].(string)
	if u["email"] != "neda@alpha.test" || u["role"] != "sales" || u["status"] != "active" || !contains(toStrings(u["permissions"]), "customers.view") {
		t.Fatalf("created = %v", u)
	}
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Dup", "email": "neda@alpha.test"}).Want(t, 409)
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Bad", "email": "bad@alpha.test", "role": "pilot"}).Want(t, 422)
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "neda@alpha.test", "password": "Strong-pass-9"}).Want(t, 200)
	// Filters, search, sort, include.
	if l := e.Do("GET", "/api/users?filter[role]=sales&include=department", ceo, nil).Want(t, 200).List(); len(l) != 1 || l[0]["department"] == nil {
		t.Fatalf("filter by role = %v", l)
	}
	if l := e.Do("GET", "/api/users?search=karimi", ceo, nil).List(); len(l) != 1 {
		t.Fatalf("search = %v", l)
	}
	if l := e.Do("GET", "/api/users?sort=-name", ceo, nil).List(); len(l) != 2 || l[0]["name"] != "Neda Karimi" {
		t.Fatalf("sort = %v", l)
	}
	e.Do("GET", "/api/users?sort=email", ceo, nil).Want(t, 422)
	// Deactivation ends sessions; deletion frees the email and the seat.
	e.Do("PUT", "/api/users/"+id, ceo, map[string]any{"status": "inactive"}).Want(t, 200)
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "neda@alpha.test", "password": "Strong-pass-9"}).Want(t, 401)
	e.Do("DELETE", "/api/users/"+id, ceo, nil).Want(t, 200)
	e.Do("GET", "/api/users/"+id, ceo, nil).Want(t, 404)
	if l := e.Do("GET", "/api/users?status=deleted", ceo, nil).List(); len(l) != 1 {
		t.Fatalf("deleted users = %v", l)
	}
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Neda again", "email": "neda@alpha.test"}).Want(t, 201)
	if u := e.Do("GET", "/api/tenant/usage", ceo, nil).Want(t, 200).Data(); u["users_count"] != float64(2) {
		t.Fatalf("usage = %v", u)
	}
	// max_users: the plan's limit holds.
	a := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).JSON["token"].(string)
	e.Do("PUT", "/api/admin/tenants/alpha", a, map[string]any{"max_users": 3}).Want(t, 200)
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Third", "email": "third@alpha.test"}).Want(t, 201)
	r := e.Do("POST", "/api/users", ceo, map[string]any{"name": "Fourth", "email": "fourth@alpha.test"}).Want(t, 403)
	if !strings.Contains(r.JSON["detail"].(string), "limit") {
		t.Fatalf("limit 403 = %s", r.Raw)
	}
	if info := e.Do("GET", "/api/tenant/info", ceo, nil).Want(t, 200).Data(); info["current_users"] != float64(3) || info["max_users"] != float64(3) {
		t.Fatalf("info = %v", info)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestProfilePreferencesAndOrganization(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	p := e.Do("PUT", "/api/profile", ceo, map[string]any{"name": "Alpha Boss", "timezone": "Europe/Berlin"}).Want(t, 200).Data()
	if p["name"] != "Alpha Boss" || p["timezone"] != "Europe/Berlin" {
		t.Fatalf("profile = %v", p)
	}
	e.Do("PUT", "/api/profile", ceo, map[string]any{"timezone": "Mars/Base"}).Want(t, 422)
	pref := e.Do("PUT", "/api/settings/preferences", ceo, map[string]any{"locale": "en", "date_format": "gregorian", "theme": "dark",
		"notifications": map[string]any{"email": map[string]any{"daily_digest": true}}, "sidebar_collapsed": true}).Want(t, 200).Data()
	if pref["locale"] != "en" || pref["date_format"] != "gregorian" || pref["sidebar_collapsed"] != true {
		t.Fatalf("preferences = %v", pref)
	}
	e.Do("PUT", "/api/settings/preferences", ceo, map[string]any{"theme": "neon"}).Want(t, 422)
	if got := e.Do("GET", "/api/users/me", ceo, nil).Data(); got["locale"] != "en" {
		t.Fatalf("me = %v", got)
	}
	o := e.Do("PUT", "/api/settings/organization", ceo, map[string]any{"name": "Alpha Holding", "settings": map[string]any{"currency": "IRR", "default_locale": "fa"}}).Want(t, 200).Data()
	if o["name"] != "Alpha Holding" || o["settings"].(map[string]any)["currency"] != "IRR" {
		t.Fatalf("organization = %v", o)
	}
	e.Do("PUT", "/api/settings/organization", ceo, map[string]any{"settings": map[string]any{"currency": "rial"}}).Want(t, 422)
	if s := e.Do("POST", "/api/tenant/setup", ceo, map[string]any{"tenant_key": "alpha"}).Want(t, 200).Data(); s["database_created"] != false {
		t.Fatalf("setup on an existing tenant = %v", s)
	}
	e.Do("POST", "/api/tenant/setup", ceo, map[string]any{"tenant_key": "beta"}).Want(t, 403)
	roles := e.Do("POST", "/api/permissions/roles", ceo, map[string]any{"name": "auditor", "modules": []string{"reports", "insights"}}).Want(t, 200)
	_ = roles
	u := e.Do("POST", "/api/users", ceo, map[string]any{"name": "Aud", "email": "aud@alpha.test", "role": "auditor"}).Want(t, 201).Data()
	mods := toStrings(u["modules"])
	sort.Strings(mods)
	if strings.Join(mods, ",") != "insights,reports" {
		t.Fatalf("custom role modules = %v", mods)
	}
}

// TestTenantIsolationOfTeamRoutes: tenant A's CEO with tenant B's ids
// never reaches B's users.
func TestTenantIsolationOfTeamRoutes(t *testing.T) {
	e := apitest.New(t)
	_, bIDs := seedRoles(t, e, "beta")
	a := e.CEO("alpha")
	victim := bIDs["sales"]
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/users/" + victim, nil},
		{"GET", "/api/tenant/users/" + victim, nil},
		{"PUT", "/api/users/" + victim, map[string]any{"name": "pwned"}},
		{"DELETE", "/api/users/" + victim, nil},
		{"POST", "/api/tenant/users/" + victim + "/permissions", map[string]any{"modules": []string{"settings"}}},
		{"POST", "/api/permissions/user-modules", map[string]any{"user_id": victim, "module_id": "settings", "granted": true}},
		{"GET", "/api/permissions/user/" + victim, nil},
	} {
		r := e.Do(c.method, c.path, a, c.body)
		if r.Status != 404 || strings.Contains(string(r.Raw), "beta.test") {
			t.Errorf("%s %s from alpha: %d %s", c.method, c.path, r.Status, r.Raw)
		}
	}
	for _, q := range []string{"/api/users", "/api/users?search=sales", "/api/users/coworkers", "/api/tenant/users"} {
		if strings.Contains(string(e.Do("GET", q, a, nil).Raw), "beta.test") {
			t.Errorf("%s lists beta's users", q)
		}
	}
	if info := e.Do("GET", "/api/tenant/info", a, nil).Data(); info["tenant_key"] != "alpha" {
		t.Fatalf("info = %v", info)
	}
	b := e.Login("beta", "sales@beta.test")
	if me := e.Do("GET", "/api/users/me", b, nil).Want(t, 200).Data(); me["name"] != "Sales" {
		t.Fatalf("beta user changed: %v", me)
	}
}
