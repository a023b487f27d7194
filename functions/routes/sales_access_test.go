package routes_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestSalesAccess sweeps every route of the sales group (pipelines,
// deals, activities, sales, reports/today): a user without the sales and
// activities modules gets 403 before any input is read, and another
// tenant's user never sees or changes alpha's records.
func TestSalesAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	cust := e.Do("POST", "/api/customers", a, map[string]any{"name": "Alpha Secret Co"}).Want(t, 201).Data()["id"].(string)
	contact := e.Do("POST", "/api/contacts", a, map[string]any{"name": "Alpha Secret Person", "customer_id": cust}).Want(t, 201).Data()["id"].(string)
	product := e.Do("POST", "/api/products", a, map[string]any{"name": "Alpha Secret Product", "quantity": 5, "price": 10}).Want(t, 201).Data()["id"].(string)
	pl := e.Do("POST", "/api/pipelines", a, map[string]any{"name": "Alpha Secret Pipeline", "stages": []map[string]any{{"name": "Alpha Secret One"}, {"name": "Alpha Secret Two"}}}).Want(t, 201).Data()
	pid := pl["id"].(string)
	st := pl["stages"].([]any)[0].(map[string]any)["id"].(string)
	st2 := pl["stages"].([]any)[1].(map[string]any)["id"].(string)
	deal := e.Do("POST", "/api/deals", a, map[string]any{"title": "Alpha Secret Deal", "customer_id": cust, "value": 5}).Want(t, 201).Data()["id"].(string)
	act := e.Do("POST", "/api/activities", a, map[string]any{"type": "call", "title": "Alpha Secret Call", "deal_id": deal}).Want(t, 201).Data()["id"].(string)
	sale := e.Do("POST", "/api/sales", a, map[string]any{"customer_id": cust, "products": []map[string]any{{"product_id": product, "quantity": 1}}, "status": "completed"}).Want(t, 201).Data()["id"].(string)

	_, emp := e.AddUser("alpha", &users.User{Name: "Chat Only", Email: "chat@alpha.test", Role: "employee", Modules: []string{"chat"}})
	b := e.CEO("beta")

	type call struct {
		method, path string
		body         any
		list         bool // answers 200 with (no) data rather than 404
	}
	dealBody := map[string]any{"title": "x"}
	calls := []call{
		{"GET", "/api/pipelines", nil, true},
		{"GET", "/api/pipelines/" + pid, nil, false},
		{"PUT", "/api/pipelines/" + pid, map[string]any{"name": "x"}, false},
		{"DELETE", "/api/pipelines/" + pid, nil, false},
		{"POST", "/api/pipelines/" + pid + "/stages", map[string]any{"name": "x"}, false},
		{"PUT", "/api/pipelines/" + pid + "/stages/" + st, map[string]any{"name": "x"}, false},
		{"DELETE", "/api/pipelines/" + pid + "/stages/" + st, nil, false},
		{"PUT", "/api/pipelines/" + pid + "/stages/reorder", map[string]any{"order": []string{st2, st}}, false},
		{"GET", "/api/deals", nil, true},
		{"GET", "/api/tenant/deals", nil, true},
		{"GET", "/api/deals?search=secret", nil, true},
		{"POST", "/api/deals", map[string]any{"title": "x", "customer_id": cust}, false},
		{"POST", "/api/deals", map[string]any{"title": "x", "pipeline_id": pid, "stage_id": st}, false},
		{"GET", "/api/deals/" + deal, nil, false},
		{"GET", "/api/tenant/deals/" + deal, nil, false},
		{"PUT", "/api/deals/" + deal, dealBody, false},
		{"PATCH", "/api/deals/" + deal, dealBody, false},
		{"PATCH", "/api/deals/" + deal + "/stage", map[string]any{"stage": "Lead"}, false},
		{"PATCH", "/api/deals/" + deal + "/status", map[string]any{"status": "won"}, false},
		{"DELETE", "/api/deals/" + deal, nil, false},
		{"GET", "/api/deals/" + deal + "/activities", nil, false},
		{"POST", "/api/deals/" + deal + "/activities", map[string]any{"type": "call"}, false},
		{"POST", "/api/customers/" + cust + "/deals", dealBody, false},
		{"GET", "/api/customers/" + cust + "/deals", nil, false},
		{"GET", "/api/customers/" + cust + "/pipeline", nil, false},
		{"GET", "/api/customers/" + cust + "/sales-stage", nil, false},
		{"GET", "/api/activities", nil, true},
		{"GET", "/api/tenant/activities", nil, true},
		{"GET", "/api/activities?search=secret", nil, true},
		{"POST", "/api/activities", map[string]any{"type": "call", "customer_id": cust}, false},
		{"GET", "/api/activities/" + act, nil, false},
		{"GET", "/api/tenant/activities/" + act, nil, false},
		{"PUT", "/api/activities/" + act, map[string]any{"title": "x"}, false},
		{"PATCH", "/api/activities/" + act, map[string]any{"title": "x"}, false},
		{"PATCH", "/api/activities/" + act + "/complete", map[string]any{}, false},
		{"DELETE", "/api/activities/" + act, nil, false},
		{"GET", "/api/customers/" + cust + "/activities", nil, false},
		{"POST", "/api/customers/" + cust + "/activities", map[string]any{"type": "call"}, false},
		{"GET", "/api/contacts/" + contact + "/activities", nil, false},
		{"POST", "/api/contacts/" + contact + "/activities", map[string]any{"type": "call"}, false},
		{"GET", "/api/sales", nil, true},
		{"GET", "/api/sales?search=secret", nil, true},
		{"POST", "/api/sales", map[string]any{"products": []map[string]any{{"product_id": product}}}, false},
		{"GET", "/api/sales/" + sale, nil, false},
		{"PUT", "/api/sales/" + sale, map[string]any{"status": "refunded"}, false},
		{"PATCH", "/api/sales/" + sale, map[string]any{"notes": "x"}, false},
		{"DELETE", "/api/sales/" + sale, nil, false},
		{"POST", "/api/sales/" + sale + "/payments", map[string]any{"amount": 1}, false},
		{"GET", "/api/sales/analyze", nil, true},
		{"GET", "/api/reports/today", nil, true},
	}
	for _, c := range calls {
		if r := e.Do(c.method, c.path, emp, c.body); r.Status != 403 {
			t.Errorf("user without the modules %s %s: %d", c.method, c.path, r.Status)
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret")
		if leaked || (!c.list && r.Status != 404 && r.Status != 422) || (c.list && r.Status != 200) {
			t.Errorf("beta %s %s: %d leaked=%v %s", c.method, c.path, r.Status, leaked, r.Raw)
		}
	}
	if r := e.Do("GET", "/api/sales/analyze", b, nil).Data(); r["total_sales"] != float64(0) {
		t.Errorf("beta's analysis counts alpha's sales: %v", r["total_sales"])
	}
	// Alpha's records are untouched.
	d := e.Do("GET", "/api/deals/"+deal, a, nil).Want(t, 200).Data()
	if d["title"] != "Alpha Secret Deal" || d["version"] != float64(2) || len(d["history"].([]any)) != 1 {
		t.Fatalf("deal changed: %v", d)
	}
	if s := e.Do("GET", "/api/sales/"+sale, a, nil).Want(t, 200).Data(); s["status"] != "completed" || s["paid"] != float64(0) {
		t.Fatalf("sale changed: %v", s)
	}
	if p := e.Do("GET", "/api/pipelines/"+pid, a, nil).Want(t, 200).Data(); p["name"] != "Alpha Secret Pipeline" || len(p["stages"].([]any)) != 2 {
		t.Fatalf("pipeline changed: %v", p)
	}
	e.Do("GET", "/api/activities/"+act, a, nil).Want(t, 200)
}
