package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/config"
)

// An SPA sends back the object it read: members a route does not use are
// ignored on every route, and each seed's name of a field is understood.
func TestUnknownBodyMembersAreIgnored(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	c := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Read back", "id": "x", "created_at": "2020-01-01T00:00:00Z", "colour": "blue"}).Want(t, 201).Data()
	c["city"] = "Shiraz"
	e.Do("PUT", "/api/customers/"+c["id"].(string), tok, c).Want(t, 200)

	p := e.Do("POST", "/api/products", tok, map[string]any{"name": "Widget", "price": 10, "stock_ledger": []int{1}}).Want(t, 201).Data()
	in := e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": c["id"], "product_id": p["id"], "interest_level": "high", "notes": "asked twice", "source": "call"}).Want(t, 201).Data()
	if in["level"] != "high" || in["interest_level"] != "high" || in["notes"] != "asked twice" {
		t.Fatalf("interest: %v", in)
	}

	admin := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200).JSON["token"].(string)
	e.Do("POST", "/api/admin/tenants", admin, map[string]any{"tenant_key": "gamma", "company_name": "Gamma", "admin_name": "G", "admin_email": "g@gamma.test",
		"id": "ignored", "status": "active", "created_at": "2020-01-01T00:00:00Z", "unknown": map[string]any{"a": 1}}).Want(t, 201)

	// Registration takes Rabin's company_name for IshYar's organization_name.
	reg := e.Do("POST", "/api/auth/register", "", map[string]any{"name": "Sara", "email": "sara@delta.test", "password": "Strong-pass-91",
		"password_confirmation": "Strong-pass-91", "company_name": "Delta Trading", "tenant_key": "delta", "phone": "+98 912 000 0000"}).Want(t, 201)
	org := e.Do("GET", "/api/settings/organization", reg.JSON["token"].(string), nil).Want(t, 200).Data()
	if org["name"] != "Delta Trading" {
		t.Fatalf("organization from company_name: %v", org)
	}
	e.Do("POST", "/api/auth/register", "", map[string]any{"name": "Sara", "email": "sara@epsilon.test", "password": "Strong-pass-91",
		"password_confirmation": "Strong-pass-91"}).Want(t, 422)

	// Unknown members never turn into a complaint about them.
	r := e.Do("POST", "/api/auth/reset-password", "", map[string]any{"token": "nope", "password": "Another-pass-77", "password_confirmation": "Another-pass-77", "tenant_key": "alpha"})
	if _, named := r.JSON["errors"].(map[string]any)["tenant_key"]; named || r.Status >= 500 {
		t.Fatalf("reset-password judged tenant_key: %d %s", r.Status, r.Raw)
	}
	// The OpenAPI document says so: no request body schema refuses extra members.
	doc := e.Do("GET", "/api/openapi.json", "", nil).Want(t, 200)
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(doc.Raw, &d)
	checked := 0
	for path, ops := range d.Paths {
		for method, raw := range ops {
			var op struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Ref string `json:"$ref"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			json.Unmarshal(raw, &op)
			ref := op.RequestBody.Content["application/json"].Schema.Ref
			if ref == "" {
				continue
			}
			checked++
			s := d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
			if s["additionalProperties"] == false {
				t.Errorf("%s %s: its body schema forbids additional properties", method, path)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d request bodies found in the document", checked)
	}
}

// next_cursor is always a member of pagination: null on the last page.
func TestNextCursorIsAlwaysPresent(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	for i := range 3 {
		e.Do("POST", "/api/customers", tok, map[string]any{"name": fmt.Sprint("C", i)}).Want(t, 201)
	}
	first := e.Do("GET", "/api/customers?limit=2", tok, nil).Want(t, 200)
	pg := first.JSON["pagination"].(map[string]any)
	cursor, ok := pg["next_cursor"].(string)
	if !ok || cursor == "" {
		t.Fatalf("first page: %v", pg)
	}
	for _, path := range []string{"/api/customers?limit=2&cursor=" + cursor, "/api/users", "/api/products"} {
		pg := e.Do("GET", path, tok, nil).Want(t, 200).JSON["pagination"].(map[string]any)
		if v, present := pg["next_cursor"]; !present || v != nil {
			t.Errorf("%s: next_cursor = %v (present %v), want null", path, v, present)
		}
	}
}

// Every answer carries the security headers; nothing with tokens or
// personal data may be cached.
func TestSecurityHeaders(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	for _, r := range []*apitest.Response{
		e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}),
		e.Do("GET", "/api/auth/me", tok, nil),
		e.Do("GET", "/api/users/me", tok, nil),
		e.Do("GET", "/api/customers", tok, nil),
		e.Do("GET", "/api/customers/nope", tok, nil),
		e.Do("GET", "/api/no-such-route", "", nil),
		e.Do("GET", "/api/health", "", nil),
	} {
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("status %d %s: headers %v", r.Status, r.Raw[:min(len(r.Raw), 60)], r.Header)
		}
	}
}

// "*" in the CORS origins opens bearer calls to any page but never lends
// a visitor's cookies to it, and does not make a site trusted by the
// cookie CSRF check.
func TestCORSWildcardCarriesNoCredentials(t *testing.T) {
	e := apitest.New(t, apitest.WithConfig(func(c *config.Config) { c.CORSOrigins = []string{"*", "https://app.example"} }))
	login := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
	var cookie string
	for _, c := range login.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "auth-token=") || strings.HasPrefix(c, "tenant_token=") {
			cookie, _, _ = strings.Cut(c, ";")
		}
	}
	if cookie == "" {
		t.Fatalf("no token cookie in %v", login.Header.Values("Set-Cookie"))
	}
	r := e.Do("GET", "/api/health", "", nil, "Origin: https://evil.example")
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("wildcard answer: %v", r.Header)
	}
	r = e.Do("GET", "/api/health", "", nil, "Origin: https://app.example")
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("named origin answer: %v", r.Header)
	}
	evil := e.Do("POST", "/api/customers", "", map[string]any{"name": "CSRF"}, "Origin: https://evil.example", "Cookie: "+cookie)
	if evil.Status != http.StatusForbidden {
		t.Fatalf("cookie POST from an untrusted origin: %d %s", evil.Status, evil.Raw)
	}
	e.Do("POST", "/api/customers", "", map[string]any{"name": "Same site"}, "Origin: https://app.example", "Cookie: "+cookie).Want(t, 201)
}

// nest builds {"k": {"k": … leaf}} depth levels deep as raw JSON, so the
// test does not depend on encoding/json's own depth limit.
func nest(depth int) string {
	return strings.Repeat(`{"k":`, depth-1) + `{"k":1}` + strings.Repeat("}", depth-1)
}

// Free-form maps are bounded at the edge on every route that takes one,
// and what is stored stays readable by every list.
func TestFreeFormMapsAreBounded(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	admin := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200).JSON["token"].(string)
	c := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Deep"}).Want(t, 201).Data()
	wide := map[string]any{}
	for i := range 101 {
		wide[fmt.Sprint("k", i)] = i
	}
	wideJSON, _ := json.Marshal(wide)
	big, _ := json.Marshal(map[string]any{"blob": strings.Repeat("x", 17<<10)})
	routes := []struct {
		method, path, token, field, body string
		deepest                          int // levels that must still be taken
	}{
		{"POST", "/api/customers", tok, "custom_fields", `{"name":"N","custom_fields":%s}`, 16},
		{"PUT", "/api/customers/" + c["id"].(string), tok, "custom_fields", `{"custom_fields":%s}`, 16},
		{"POST", "/api/contacts", tok, "custom_fields", `{"first_name":"N","custom_fields":%s}`, 16},
		{"POST", "/api/products", tok, "custom_fields", `{"name":"N","price":1,"custom_fields":%s}`, 16},
		{"PUT", "/api/profile", tok, "preferences", `{"preferences":%s}`, 16},
		{"PUT", "/api/settings/preferences", tok, "notifications", `{"notifications":%s}`, 15}, // inside preferences
		{"PUT", "/api/settings/organization", tok, "settings", `{"settings":%s}`, 16},
		{"PUT", "/api/tenant/settings", tok, "settings", `{"settings":%s}`, 16},
		{"PUT", "/api/admin/tenants/alpha", admin, "settings", `{"settings":%s}`, 16},
	}
	for _, r := range routes {
		for what, value := range map[string]string{"5,000 levels": nest(5000), "17 levels": nest(17), "101 keys": string(wideJSON), "17 KB": string(big)} {
			res := e.Do(r.method, r.path, r.token, fmt.Sprintf(r.body, value))
			if res.Status != 422 {
				t.Errorf("%s %s with %s: %d, want 422: %.200s", r.method, r.path, what, res.Status, res.Raw)
				continue
			}
			if _, named := res.JSON["errors"].(map[string]any)[r.field]; !named {
				t.Errorf("%s %s with %s: the problem does not name %s: %s", r.method, r.path, what, r.field, res.Raw)
			}
		}
		if res := e.Do(r.method, r.path, r.token, fmt.Sprintf(r.body, nest(r.deepest))); res.Status >= 300 {
			t.Errorf("%s %s with %d levels: %d %.300s", r.method, r.path, r.deepest, res.Status, res.Raw)
		}
	}
	// Preferences merge key by key: the bound holds for the merged whole.
	half := strings.Repeat("y", 9<<10)
	e.Do("PUT", "/api/profile", tok, map[string]any{"preferences": map[string]any{"a": half}}).Want(t, 200)
	if r := e.Do("PUT", "/api/profile", tok, map[string]any{"preferences": map[string]any{"b": half}}); r.Status != 422 {
		t.Fatalf("merged preferences past 16 KB: %d %.200s", r.Status, r.Raw)
	}
	// Everything that was accepted is still readable everywhere.
	for _, path := range []string{"/api/customers", "/api/customers/" + c["id"].(string), "/api/users", "/api/profile", "/api/search?q=deep"} {
		e.Do("GET", path, tok, nil).Want(t, 200)
	}
	for _, path := range []string{"/api/admin/tenants", "/api/admin/stats"} {
		e.Do("GET", path, admin, nil).Want(t, 200)
	}
}

// A 429 carries each rate-limit header once.
func TestRateLimitHeadersAppearOnce(t *testing.T) {
	e := apitest.New(t, apitest.WithConfig(func(c *config.Config) { c.RateGeneral = 2 }))
	tok := e.CEO("alpha")
	var r *apitest.Response
	for range 3 {
		r = e.Do("GET", "/api/customers", tok, nil)
	}
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("third request: %d", r.Status)
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"} {
		if v := r.Header.Values(h); len(v) != 1 {
			t.Errorf("%s: %q", h, v)
		}
	}
}

// PAYVAND_DEMO_PASSWORD and PAYVAND_ADMIN_PASSWORD set on an existing data
// directory take effect (and say so) instead of being silently ignored.
func TestSeedPasswordsApplyToAnExistingDataDirectory(t *testing.T) {
	e := apitest.New(t)
	e.Deps.Config.DemoPassword, e.Deps.Config.AdminPassword = "Demo-pass-new-5", "Admin-pass-new-5"
	var out bytes.Buffer
	if err := e.Deps.SeedLocal(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "PAYVAND_DEMO_PASSWORD") || !strings.Contains(out.String(), "PAYVAND_ADMIN_PASSWORD") {
		t.Fatalf("start-up said: %q", out.String())
	}
	login := func(pw string) int {
		return e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "demo", "email": "ceo@demo.test", "password": pw}).Status
	}
	if login(apitest.Password) != 401 || login("Demo-pass-new-5") != 200 {
		t.Fatal("the demo CEO's password did not change")
	}
	e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": "Admin-pass-new-5"}).Want(t, 200)
	// A second start with the same settings changes nothing and says nothing.
	out.Reset()
	e.Deps.SeedLocal(context.Background(), &out)
	if out.Len() != 0 {
		t.Fatalf("second start said: %q", out.String())
	}
}

// Jalali twins are right on the days that an earlier conversion put one
// day early (1 March of a Gregorian leap year to 28 February of the next).
func TestJalaliTwinsAfterAGregorianLeapDay(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	e.Deps.Customers.Now = func() time.Time { return time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC) }
	c := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Nowruz 1403"}).Want(t, 201).Data()
	if c["created_at_jalali"] != "1403/01/01" {
		t.Fatalf("2024-03-20 → %v, want 1403/01/01", c["created_at_jalali"])
	}
	got := e.Do("GET", "/api/customers/"+c["id"].(string), tok, nil, "X-Timezone: Asia/Tehran").Want(t, 200).Data()
	if got["created_at_jalali"] != "1403/01/01" {
		t.Fatalf("in Tehran → %v", got["created_at_jalali"])
	}
	admin := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200).JSON["token"].(string)
	for end, want := range map[string]string{"2028-03-20": "1407/01/01", "2025-03-20": "1403/12/30", "2025-03-21": "1404/01/01"} {
		v := e.Do("PATCH", "/api/admin/tenants/beta/subscription", admin, map[string]any{"end_date": end}).Want(t, 200).Data()
		if v["subscription_end_jalali"] != want {
			t.Errorf("subscription ending %s → %v, want %s", end, v["subscription_end_jalali"], want)
		}
	}
}
