package customersapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/users"
)

func create(t *testing.T, e *apitest.Env, token string, body map[string]any) map[string]any {
	t.Helper()
	return e.Do("POST", "/api/customers", token, body).Want(t, 201).Data()
}

func TestCustomerLifecycle(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	c := create(t, e, tok, map[string]any{
		"name": "Rabin / رابین", "email": "Info@Rabin.ir", "phone": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "type": "B2B", "city": "Tehran",
		"tags": []string{"vip"}, "custom_fields": map[string]any{"linkedin": "x"}, "industry": "Software",
		"address": map[string]any{"street": "Valiasr", "postal_code": "12345"},
	})
	id := c["id"].(string)
	if c["email"] != "info@rabin.ir" || c["phone"] != "0912 123 4567" || c["status"] != "active" || c["version"] != float64(1) {
		t.Fatalf("created customer not normalized: %v", c)
	}
	if c["created_at_jalali"] == "" || c["address"].(map[string]any)["city"] != "Tehran" {
		t.Fatalf("jalali date or address city missing: %v", c)
	}

	got := e.Do("GET", "/api/customers/"+id, tok, nil).Want(t, 200).Data()
	for _, rel := range []string{"contacts", "activities", "deals", "documents"} {
		if l, ok := got[rel].([]any); !ok || len(l) != 0 {
			t.Fatalf("detail %s = %v, want []", rel, got[rel])
		}
	}
	simple := e.Do("GET", "/api/customers/"+id+"/simple", tok, nil).Want(t, 200).Data()
	if len(simple) != 4 || simple["name"] != "Rabin / رابین" {
		t.Fatalf("simple = %v", simple)
	}

	up := e.Do("PUT", "/api/customers/"+id, tok, map[string]any{"city": "Shiraz", "version": 1}).Want(t, 200).Data()
	if up["city"] != "Shiraz" || up["name"] != "Rabin / رابین" || up["version"] != float64(2) {
		t.Fatalf("partial update: %v", up)
	}
	// A stale version is refused and changes nothing.
	e.Do("PUT", "/api/customers/"+id, tok, map[string]any{"city": "Tabriz", "version": 1}).Want(t, 409)
	st := e.Do("PATCH", "/api/customers/"+id+"/status", tok, map[string]any{"status": "inactive"}).Want(t, 200).Data()
	if st["status"] != "inactive" || st["city"] != "Shiraz" {
		t.Fatalf("status change: %v", st)
	}
	// The tenant surface is the same resource.
	if e.Do("GET", "/api/tenant/customers/"+id, tok, nil).Want(t, 200).Data()["status"] != "inactive" {
		t.Fatal("tenant surface shows another state")
	}
	e.Do("DELETE", "/api/customers/"+id, tok, nil).Want(t, 200)
	e.Do("GET", "/api/customers/"+id, tok, nil).Want(t, 404)
	e.Do("DELETE", "/api/customers/"+id, tok, nil).Want(t, 404)
	e.Do("GET", "/api/customers/not-an-id", tok, nil).Want(t, 404)
	stats := e.Do("GET", "/api/customers/stats", tok, nil).Want(t, 200).Data()
	if stats["total_customers"] != float64(0) {
		t.Fatalf("stats after delete: %v", stats)
	}
}

func TestListFiltersSortSearchAndStats(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	seed := []map[string]any{
		{"name": "Zagros Steel", "type": "B2B", "city": "Tehran", "status": "active", "tags": []string{"vip"}},
		{"name": "Alborz Foods", "type": "B2B", "city": "tehran", "status": "prospect"},
		{"name": "Kaveh Ahmadi", "type": "B2C", "city": "Shiraz", "status": "active", "email": "kaveh@example.com"},
		{"name": "شرکت رابین", "type": "B2B", "city": "Isfahan", "status": "inactive", "company": "Rabin Group"},
		{"name": "Bita Karimi", "type": "B2C", "city": "Tehran", "status": "active", "phone": "+98 912 555 0101"},
	}
	for _, c := range seed {
		create(t, e, tok, c)
	}
	names := func(r *apitest.Response) []string {
		var out []string
		for _, c := range r.List() {
			out = append(out, c["name"].(string))
		}
		return out
	}
	cases := []struct {
		query string
		want  []string
		total float64
	}{
		{"", []string{"Bita Karimi", "شرکت رابین", "Kaveh Ahmadi", "Alborz Foods", "Zagros Steel"}, 5},
		{"sort=created_at", []string{"Zagros Steel", "Alborz Foods", "Kaveh Ahmadi", "شرکت رابین", "Bita Karimi"}, 5},
		{"sort=name", []string{"Alborz Foods", "Bita Karimi", "Kaveh Ahmadi", "Zagros Steel", "شرکت رابین"}, 5},
		{"sort=-name&type=B2C", []string{"Kaveh Ahmadi", "Bita Karimi"}, 2},
		{"status=active", []string{"Bita Karimi", "Kaveh Ahmadi", "Zagros Steel"}, 3},
		{"filter[status]=active", []string{"Bita Karimi", "Kaveh Ahmadi", "Zagros Steel"}, 3},
		{"city=TEHRAN", []string{"Bita Karimi", "Alborz Foods", "Zagros Steel"}, 3},
		{"city=Tehran&status=active&type=B2B", []string{"Zagros Steel"}, 1},
		{"filter[type]=B2B&filter[tag]=vip", []string{"Zagros Steel"}, 1},
		{"search=" + url.QueryEscape("رابين"), []string{"شرکت رابین"}, 1}, // Arabic yeh finds Persian yeh
		{"search=rab", []string{"شرکت رابین"}, 1},                         // company words, prefix
		{"search=kaveh%40example", []string{"Kaveh Ahmadi"}, 1},
		{"search=" + url.QueryEscape("۰۹۱۲۵۵۵"), []string{"Bita Karimi"}, 1}, // Persian digits, national form
		{"search=bita+kar", []string{"Bita Karimi"}, 1},
		{"search=nobody", nil, 0},
	}
	for _, c := range cases {
		r := e.Do("GET", "/api/customers?"+c.query, tok, nil).Want(t, 200)
		if fmt.Sprint(names(r)) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.query, names(r), c.want)
		}
		if total := r.JSON["pagination"].(map[string]any)["total"]; total != c.total {
			t.Errorf("%s: total %v, want %v", c.query, total, c.total)
		}
	}
	for _, bad := range []string{"status=deleted", "filter[type]=B2X", "sort=-phone"} {
		r := e.Do("GET", "/api/customers?"+bad, tok, nil).Want(t, 422)
		if len(r.JSON["errors"].(map[string]any)) == 0 {
			t.Errorf("%s: no field errors: %s", bad, r.Raw)
		}
	}

	stats := e.Do("GET", "/api/customers/stats", tok, nil).Want(t, 200).Data()
	if stats["total_customers"] != float64(5) || stats["active_customers"] != float64(3) || stats["new_this_month"] != float64(5) {
		t.Fatalf("stats = %v", stats)
	}
	if stats["by_city"].(map[string]any)["tehran"] != float64(3) || stats["by_type"].(map[string]any)["B2C"] != float64(2) {
		t.Fatalf("stats groups = %v", stats)
	}
	opts := e.Do("GET", "/api/customers/filter-options", tok, nil).Want(t, 200).Data()
	if fmt.Sprint(opts["cities"]) != "[isfahan shiraz tehran]" || len(opts["types"].([]any)) != 2 {
		t.Fatalf("filter options = %v", opts)
	}
	e.Do("POST", "/api/customers/filter-options", tok, map[string]any{"filters": map[string]any{"status": "active"}}).Want(t, 200)
	opts = e.Do("GET", "/api/customers/filter-options", tok, nil).Want(t, 200).Data()
	if opts["saved_filters"].(map[string]any)["status"] != "active" {
		t.Fatalf("saved filters not returned: %v", opts)
	}
	// Churn: one active customer going inactive this month.
	first := e.Do("GET", "/api/customers?status=active&limit=1", tok, nil).List()[0]
	e.Do("PATCH", "/api/customers/"+first["id"].(string)+"/status", tok, map[string]any{"status": "inactive"}).Want(t, 200)
	stats = e.Do("GET", "/api/customers/stats", tok, nil).Data()
	if stats["churn_rate"] != float64(33.33) || stats["active_customers"] != float64(2) {
		t.Fatalf("churn after one of three active left: %v", stats)
	}
}

func TestPagingWithCursorsAndPageNumbers(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	for i := 0; i < 23; i++ {
		create(t, e, tok, map[string]any{"name": fmt.Sprintf("Customer %02d", i), "status": []string{"active", "prospect"}[i%2]})
	}
	var seen []string
	next, pages := "/api/customers?limit=10&sort=created_at", 0
	for next != "" {
		r := e.Do("GET", next, tok, nil).Want(t, 200)
		pages++
		for _, c := range r.List() {
			seen = append(seen, c["name"].(string))
		}
		p := r.JSON["pagination"].(map[string]any)
		if p["total"] != float64(23) || p["pages"] != float64(3) {
			t.Fatalf("pagination = %v", p)
		}
		next = ""
		if l, ok := r.JSON["links"].(map[string]any)["next"].(string); ok {
			next = l
		}
	}
	if pages != 3 || len(seen) != 23 || seen[0] != "Customer 00" || seen[22] != "Customer 22" {
		t.Fatalf("%d pages, %d customers: %v", pages, len(seen), seen)
	}
	// Deep page numbers without a cursor, per_page alias, filters kept.
	r := e.Do("GET", "/api/customers?page=3&per_page=5&sort=created_at", tok, nil).Want(t, 200)
	if l := r.List(); len(l) != 5 || l[0]["name"] != "Customer 10" {
		t.Fatalf("page 3 = %v", l)
	}
	r = e.Do("GET", "/api/customers?page=2&limit=5&status=prospect&sort=created_at", tok, nil).Want(t, 200)
	if l := r.List(); len(l) != 5 || l[0]["name"] != "Customer 11" || r.JSON["pagination"].(map[string]any)["total"] != float64(11) {
		t.Fatalf("filtered page 2 = %v %v", l, r.JSON["pagination"])
	}
	// limit above 100 is capped.
	if e.Do("GET", "/api/customers?limit=500", tok, nil).JSON["pagination"].(map[string]any)["limit"] != float64(100) {
		t.Fatal("limit not capped at 100")
	}
	// A cursor cannot be forged, nor used by another tenant.
	cursor := e.Do("GET", "/api/customers?limit=5", tok, nil).JSON["pagination"].(map[string]any)["next_cursor"].(string)
	e.Do("GET", "/api/customers?cursor="+url.QueryEscape(cursor+"x"), tok, nil).Want(t, 422)
	e.Do("GET", "/api/customers?cursor="+url.QueryEscape(cursor), e.CEO("beta"), nil).Want(t, 422)
}

func TestBadInputIsAProblemAndWritesNothing(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"malformed JSON", `{"name": "x",`, 400, ""},
		{"wrong type", `{"name": 42}`, 422, "name"},
		{"missing required", `{"email": "a@b.co"}`, 422, "name"},
		{"unknown enum", `{"name": "x", "type": "B2X"}`, 422, "type"},
		{"bad email", `{"name": "x", "email": "not-an-email"}`, 422, "email"},
		{"bad website", `{"name": "x", "website": "ftp:/x"}`, 422, "website"},
		{"oversized", `{"name": "` + strings.Repeat("x", 1<<20) + `"}`, 413, ""},
	}
	for _, c := range cases {
		r := e.Do("POST", "/api/customers", tok, c.body)
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", c.name, r.Status, c.status, r.Raw)
			continue
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q", c.name, ct)
		}
		for _, k := range []string{"type", "title", "status", "detail", "instance", "error", "message"} {
			if _, ok := r.JSON[k]; !ok {
				t.Errorf("%s: problem lacks %q: %s", c.name, k, r.Raw)
			}
		}
		if r.JSON["success"] != false {
			t.Errorf("%s: success should be false", c.name)
		}
		errs, _ := r.JSON["errors"].(map[string]any)
		if len(errs) == 0 || (c.field != "" && errs[c.field] == nil) {
			t.Errorf("%s: no error for field %q: %.300s", c.name, c.field, r.Raw)
		}
	}
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(0) {
		t.Fatalf("bad input wrote %v customers", n)
	}
	// Persian messages.
	r := e.Do("POST", "/api/customers", tok, `{"email": "a@b.co"}`, "Accept-Language: fa-IR,fa;q=0.9")
	if r.JSON["title"] != "خطای اعتبارسنجی" || !strings.Contains(fmt.Sprint(r.JSON["errors"]), "این فیلد الزامی است") {
		t.Fatalf("Persian problem: %s", r.Raw)
	}
	r = e.Do("GET", "/api/customers/01a2051c-08a3-749e-a3cd-a5d181ddb63b", tok, nil, "Accept-Language: fa")
	if r.Status != 404 || r.JSON["title"] != "یافت نشد" || r.JSON["detail"] != "customer یافت نشد." {
		t.Fatalf("Persian 404: %s", r.Raw)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := apitest.New(t)
	a, b := e.CEO("alpha"), e.CEO("beta")
	bc := create(t, e, b, map[string]any{"name": "Beta's secret customer", "city": "Tabriz"})
	id := bc["id"].(string)
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/customers/" + id, nil},
		{"GET", "/api/customers/" + id + "/simple", nil},
		{"PUT", "/api/customers/" + id, map[string]any{"name": "hacked"}},
		{"PATCH", "/api/customers/" + id + "/status", map[string]any{"status": "inactive"}},
		{"DELETE", "/api/customers/" + id, nil},
		{"GET", "/api/tenant/customers/" + id, nil},
	} {
		resp := e.Do(r.method, r.path, a, r.body)
		if resp.Status != 404 || strings.Contains(string(resp.Raw), "secret") {
			t.Errorf("%s %s as alpha: %d %s", r.method, r.path, resp.Status, resp.Raw)
		}
	}
	for _, q := range []string{"", "?search=secret", "?city=Tabriz"} {
		if l := e.Do("GET", "/api/customers"+q, a, nil).Want(t, 200).List(); len(l) != 0 {
			t.Errorf("alpha lists beta's customers with %q: %v", q, l)
		}
	}
	if s := e.Do("GET", "/api/customers/stats", a, nil).Data(); s["total_customers"] != float64(0) {
		t.Errorf("alpha's stats count beta: %v", s)
	}
	got := e.Do("GET", "/api/customers/"+id, b, nil).Want(t, 200).Data()
	if got["name"] != "Beta's secret customer" || got["status"] != "active" {
		t.Fatalf("beta's customer changed: %v", got)
	}
}

func TestAuthenticationAndModulePermission(t *testing.T) {
	e := apitest.New(t)
	for _, p := range []string{"/api/customers", "/api/customers/stats", "/api/tenant/customers"} {
		r := e.Do("GET", p, "", nil).Want(t, 401)
		if r.JSON["error"] != "unauthorized" {
			t.Errorf("%s: %s", p, r.Raw)
		}
		e.Do("GET", p, "not.a.token", nil).Want(t, 401)
	}
	// An admin token is not a tenant token.
	ar := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200)
	e.Do("GET", "/api/customers", ar.JSON["token"].(string), nil).Want(t, 403)
	// An employee has no customers module.
	ctx := context.Background()
	err := (users.Repo{}).Create(ctx, e.Deps.Control.TableFor("alpha"), &users.User{Name: "Emp", Email: "emp@alpha.test", Role: "employee", PasswordHash: hash(t)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("GET", "/api/customers", e.Login("alpha", "emp@alpha.test"), nil).Want(t, 403)
	if !strings.Contains(r.JSON["detail"].(string), "customers") {
		t.Fatalf("403 does not name the module: %s", r.Raw)
	}
}

func hash(t *testing.T) string {
	h, err := auth.HashPassword(apitest.Password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestRoundTripsPerRoute asserts the storage cost of every customers route:
// at most one read round trip and one write transaction (the list reads its
// page and the counter item for the total: two reads).
func TestRoundTripsPerRoute(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	id := create(t, e, tok, map[string]any{"name": "Counted"})["id"].(string)
	cases := []struct {
		method, path  string
		body          any
		reads, writes int64
	}{
		{"POST", "/api/customers", map[string]any{"name": "Another"}, 0, 1},
		{"GET", "/api/customers/" + id, nil, 1, 0},
		{"GET", "/api/customers/" + id + "/simple", nil, 1, 0},
		{"PUT", "/api/customers/" + id, map[string]any{"city": "Qom"}, 1, 1},
		{"PATCH", "/api/customers/" + id + "/status", map[string]any{"status": "prospect"}, 1, 1},
		{"GET", "/api/customers/stats", nil, 1, 0},
		{"GET", "/api/customers/filter-options", nil, 1, 0},
		{"POST", "/api/customers/filter-options", map[string]any{"filters": map[string]any{}}, 0, 1},
		{"GET", "/api/customers?status=prospect", nil, 2, 0},
		{"GET", "/api/customers?sort=name", nil, 2, 0},
		{"GET", "/api/customers?search=counted", nil, 2, 0},
		{"DELETE", "/api/customers/" + id, nil, 1, 1},
	}
	for _, c := range cases {
		r := e.Do(c.method, c.path, tok, c.body)
		if r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Raw)
		}
		// The request's own log line carries its storage counts.
		l := e.LastRequestLog()
		reads, writes := int64(l["store_reads"].(float64)), int64(l["store_writes"].(float64))
		if reads > c.reads || writes > c.writes {
			t.Errorf("%s %s: %d reads, %d writes; want ≤%d and ≤%d", c.method, c.path, reads, writes, c.reads, c.writes)
		}
		if c.writes > 0 && (writes == 0 || l["items_written"].(float64) == 0) {
			t.Errorf("%s %s: the log line counts no write", c.method, c.path)
		}
	}
}
