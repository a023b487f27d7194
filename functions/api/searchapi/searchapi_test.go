package searchapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

func TestGlobalSearch(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Rabin / رابین", "email": "info@rabin.ir"}).Want(t, 201).Data()
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Sara Rabinovich", "customer_id": cust["id"]}).Want(t, 201)
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Rabin CRM license", "sku": "RB-1"}).Want(t, 201)
	e.Do("POST", "/api/customers", tok, map[string]any{"name": "Unrelated"}).Want(t, 201)
	count := func(r map[string]any, k string) int { return len(r[k].([]any)) }
	for _, q := range []string{"رابین", "رابين", "rab", "RABIN"} {
		r := e.Do("GET", "/api/search?q="+url.QueryEscape(q), tok, nil).Want(t, 200).Data()
		wantProducts := 1
		if !strings.HasPrefix(strings.ToLower(q), "rab") {
			wantProducts = 0 // the product's name is Latin only
		}
		if count(r, "customers") != 1 || count(r, "products") != wantProducts {
			t.Errorf("%q: %v", q, r)
		}
	}
	r := e.Do("GET", "/api/search?q=rab&type=contacts", tok, nil).Want(t, 200).Data()
	if count(r, "contacts") != 1 || count(r, "customers") != 0 || r["total"] != float64(1) {
		t.Fatalf("type filter: %v", r)
	}
	e.Do("GET", "/api/search?q=rab&type=planets", tok, nil).Want(t, 422)
	e.Do("GET", "/api/search", tok, nil).Want(t, 422)
	// The advanced search answers in the envelope like every route.
	adv := e.Do("POST", "/api/search", tok, map[string]any{"query": "rab", "sort": "title"}).Want(t, 200)
	hits, _ := adv.Data()["results"].([]any)
	if len(hits) != 3 || hits[0].(map[string]any)["title"] != "Rabin / رابین" || adv.Data()["total"] != float64(3) || adv.JSON["results"] != nil {
		t.Fatalf("advanced: %s", adv.Raw)
	}
	titles := func(sort string) []string {
		r := e.Do("POST", "/api/search", tok, map[string]any{"query": "rab", "sort": sort}).Want(t, 200)
		var out []string
		for _, h := range r.Data()["results"].([]any) {
			out = append(out, h.(map[string]any)["title"].(string))
		}
		return out
	}
	if byName, byTitle := titles("-name"), titles("-title"); !slices.Equal(byName, byTitle) || byName[len(byName)-1] != "Rabin / رابین" {
		t.Fatalf("-name must order as -title: %v vs %v", byName, byTitle)
	}
	if newest, oldest := titles("-created_at"), titles("created_at"); !slices.Equal(newest, titles("newest")) || newest[0] != oldest[len(oldest)-1] || newest[0] == oldest[0] {
		t.Fatalf("-created_at must be newest first: %v, created_at: %v", newest, oldest)
	}
	// Storage cost: the index read plus one batch per kind found.
	e.Do("GET", "/api/search?q=rab", tok, nil)
	if l := e.LastRequestLog(); l["store_reads"].(float64) > 4 {
		t.Fatalf("search cost %v reads", l["store_reads"])
	}
	// Results follow the caller's modules: an employee sees none of these.
	_, emp := e.AddUser("alpha", &users.User{Name: "E", Email: "e@alpha.test", Role: "employee"})
	if r := e.Do("GET", "/api/search?q=rab", emp, nil).Want(t, 200).Data(); r["total"] != float64(0) || count(r, "customers") != 0 {
		t.Fatalf("employee sees %v", r)
	}
	// Another tenant finds nothing.
	if r := e.Do("GET", "/api/search?q=rab", e.CEO("beta"), nil).Want(t, 200).Data(); r["total"] != float64(0) {
		t.Fatalf("beta finds alpha's records: %v", r)
	}
}
