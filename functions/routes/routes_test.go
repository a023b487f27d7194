package routes_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestCRMCoreAccess sweeps the CRM-core routes (customers, contacts,
// companies, products, interests, search, import, duplicates): a user
// without the modules gets 403 and another tenant's user never sees or
// changes alpha's records.
func TestCRMCoreAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	cust := e.Do("POST", "/api/customers", a, map[string]any{"name": "Alpha Secret Co", "type": "B2B", "email": "secret@alpha.ir"}).Want(t, 201).Data()["id"].(string)
	contact := e.Do("POST", "/api/contacts", a, map[string]any{"name": "Alpha Secret Person", "customer_id": cust}).Want(t, 201).Data()["id"].(string)
	product := e.Do("POST", "/api/products", a, map[string]any{"name": "Alpha Secret Product", "quantity": 5}).Want(t, 201).Data()["id"].(string)
	e.Do("POST", "/api/customer-product-interests", a, map[string]any{"customer_id": cust, "product_id": product}).Want(t, 201)

	_, emp := e.AddUser("alpha", &users.User{Name: "Emp", Email: "emp@alpha.test", Role: "employee"})
	b := e.CEO("beta")

	type call struct {
		method, path string
		body         any
		list         bool // answers 200 with (no) data rather than 404
	}
	calls := []call{
		{"GET", "/api/customers/" + cust, nil, false},
		{"PUT", "/api/customers/" + cust, map[string]any{"name": "x"}, false},
		{"POST", "/api/customers/" + cust + "/contacts", map[string]any{"name": "x"}, false},
		{"GET", "/api/companies/" + cust, nil, false},
		{"PUT", "/api/companies/" + cust, map[string]any{"name": "x"}, false},
		{"DELETE", "/api/companies/" + cust, nil, false},
		{"GET", "/api/contacts/" + contact, nil, false},
		{"PUT", "/api/contacts/" + contact, map[string]any{"name": "x"}, false},
		{"DELETE", "/api/contacts/" + contact, nil, false},
		{"GET", "/api/products/" + product, nil, false},
		{"PUT", "/api/products/" + product, map[string]any{"name": "x"}, false},
		{"PATCH", "/api/products/" + product + "/stock", map[string]any{"operation": "set", "quantity": 0}, false},
		{"DELETE", "/api/products/" + product, nil, false},
		{"GET", "/api/tenant/products/" + product, nil, false},
		{"GET", "/api/tenant/contacts/" + contact, nil, false},
		{"GET", "/api/customers", nil, true},
		{"GET", "/api/companies", nil, true},
		{"GET", "/api/contacts?customer_id=" + cust, nil, true},
		{"GET", "/api/products?search=secret", nil, true},
		{"GET", "/api/customer-product-interests?customer_id=" + cust, nil, true},
		{"GET", "/api/products/stats", nil, true},
		{"POST", "/api/cleanup-duplicates", map[string]any{"dry_run": true}, true},
	}
	for _, c := range calls {
		if r := e.Do(c.method, c.path, emp, c.body); r.Status != 403 {
			t.Errorf("employee %s %s: %d", c.method, c.path, r.Status)
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret")
		if leaked || (!c.list && r.Status != 404 && r.Status != 422) || (c.list && r.Status != 200) {
			t.Errorf("beta %s %s: %d leaked=%v", c.method, c.path, r.Status, leaked)
		}
	}
	// Global search answers everyone but shows only what they may see.
	if r := e.Do("GET", "/api/search?q=secret", emp, nil).Want(t, 200); strings.Contains(string(r.Raw), "Alpha Secret") {
		t.Error("search shows an employee customers, contacts or products")
	}
	if r := e.Do("GET", "/api/search?q=secret", b, nil).Want(t, 200); strings.Contains(string(r.Raw), "Alpha Secret") {
		t.Error("search crosses tenants")
	}
	// Alpha's records are untouched.
	if p := e.Do("GET", "/api/products/"+product, a, nil).Want(t, 200).Data(); p["quantity"] != float64(5) || p["name"] != "Alpha Secret Product" {
		t.Fatalf("product changed: %v", p)
	}
	e.Do("GET", "/api/contacts/"+contact, a, nil).Want(t, 200)
	e.Do("GET", "/api/companies/"+cust, a, nil).Want(t, 200)
}
