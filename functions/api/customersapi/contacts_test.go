package customersapi_test

import (
	"net/url"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

func TestContactsLifecycleAndCustomerCollection(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cust := create(t, e, tok, map[string]any{"name": "Rabin Group", "type": "B2B"})
	cid := cust["id"].(string)
	// Rabin's shape through the customer, IshYar's shape with company_id.
	a := e.Do("POST", "/api/customers/"+cid+"/contacts", tok, map[string]any{"name": "Sara Ahmadi", "email": "Sara@Rabin.ir", "phone": "۰۹۱۲۱۱۱۲۲۳۳", "role": "manager"}).Want(t, 201).Data()
	if a["first_name"] != "Sara" || a["last_name"] != "Ahmadi" || a["customer_id"] != cid || a["company"].(map[string]any)["name"] != "Rabin Group" || a["phone"] != "09121112233" {
		t.Fatalf("contact = %v", a)
	}
	b := e.Do("POST", "/api/contacts", tok, map[string]any{"first_name": "Reza", "last_name": "Karimi", "company_id": cid, "job_title": "CTO",
		"source": "website", "tags": []string{"decision-maker"}}).Want(t, 201).Data()
	if b["name"] != "Reza Karimi" || b["customer_id"] != cid {
		t.Fatalf("contact b = %v", b)
	}
	loose := e.Do("POST", "/api/contacts", tok, map[string]any{"name": "No Company"}).Want(t, 201).Data()
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Bad", "customer_id": "01a2051c-08a3-749e-a3cd-a5d181ddb63b"}).Want(t, 422)
	e.Do("POST", "/api/contacts", tok, map[string]any{"email": "x@y.z"}).Want(t, 422)
	e.Do("POST", "/api/customers/01a2051c-08a3-749e-a3cd-a5d181ddb63b/contacts", tok, map[string]any{"name": "X"}).Want(t, 404)

	// The customer's detail carries its contacts (one read).
	d := e.Do("GET", "/api/customers/"+cid, tok, nil).Want(t, 200).Data()
	if n := len(d["contacts"].([]any)); n != 2 || d["interactions"].(map[string]any)["contacts_count"] != float64(2) {
		t.Fatalf("customer detail contacts = %d", n)
	}
	names := func(q string) string {
		var out []string
		for _, c := range e.Do("GET", "/api/contacts?"+q, tok, nil).Want(t, 200).List() {
			out = append(out, c["name"].(string))
		}
		return strings.Join(out, ",")
	}
	for q, want := range map[string]string{
		"":                                  "No Company,Reza Karimi,Sara Ahmadi",
		"sort=name":                         "No Company,Reza Karimi,Sara Ahmadi",
		"customer_id=" + cid:                "Reza Karimi,Sara Ahmadi",
		"filter[company_id]=" + cid:         "Reza Karimi,Sara Ahmadi",
		"role=manager":                      "Sara Ahmadi",
		"filter[source]=website":            "Reza Karimi",
		"tag=decision-maker":                "Reza Karimi",
		"search=" + url.QueryEscape("سارا"): "",
		"search=sara":                       "Sara Ahmadi",
		"search=rabin":                      "Reza Karimi,Sara Ahmadi", // the company's name is searchable
		"search=0912111":                    "Sara Ahmadi",
	} {
		if got := names(q); got != want {
			t.Errorf("%q: got %q want %q", q, got, want)
		}
	}
	// Renaming the customer renames the contacts' company.
	e.Do("PUT", "/api/customers/"+cid, tok, map[string]any{"name": "Rabin Holding"}).Want(t, 200)
	if c := e.Do("GET", "/api/contacts/"+a["id"].(string), tok, nil).Data(); c["company"].(map[string]any)["name"] != "Rabin Holding" {
		t.Fatalf("company name after rename: %v", c["company"])
	}
	// Move Reza out of the company; update and detail.
	up := e.Do("PUT", "/api/contacts/"+b["id"].(string), tok, map[string]any{"customer_id": "", "job_title": "CEO"}).Want(t, 200).Data()
	if up["customer_id"] != "" || up["company"] != nil || up["version"] != float64(3) { // 1 created, 2 renamed company, 3 moved
		t.Fatalf("moved = %v", up)
	}
	if n := len(e.Do("GET", "/api/customers/"+cid, tok, nil).Data()["contacts"].([]any)); n != 1 {
		t.Fatalf("customer still lists the moved contact: %d", n)
	}
	det := e.Do("GET", "/api/contacts/"+a["id"].(string), tok, nil).Want(t, 200).Data()
	if det["customer"].(map[string]any)["id"] != cid || len(det["activities"].([]any)) != 0 {
		t.Fatalf("contact detail = %v", det)
	}
	e.Do("GET", "/api/contacts/"+a["id"].(string)+"/activities", tok, nil).Want(t, 200)
	inc := e.Do("GET", "/api/contacts?include=company,owner,deals,activities&customer_id="+cid, tok, nil).Want(t, 200).List()[0]
	if inc["owner"] == nil || inc["deals"] == nil || inc["activities"] == nil || inc["company"] == nil {
		t.Fatalf("include = %v", inc)
	}
	e.Do("GET", "/api/tenant/contacts/"+a["id"].(string), tok, nil).Want(t, 200)
	// Deleting the customer keeps its contacts, detached.
	e.Do("DELETE", "/api/customers/"+cid, tok, nil).Want(t, 200)
	if c := e.Do("GET", "/api/contacts/"+a["id"].(string), tok, nil).Want(t, 200).Data(); c["customer_id"] != "" {
		t.Fatalf("contact still attached to a deleted customer: %v", c)
	}
	if got := names("customer_id=" + cid); got != "" {
		t.Fatalf("deleted customer still has contacts: %s", got)
	}
	e.Do("DELETE", "/api/contacts/"+loose["id"].(string), tok, nil).Want(t, 200)
	e.Do("GET", "/api/contacts/"+loose["id"].(string), tok, nil).Want(t, 404)
	if got := names("search=company"); got != "" {
		t.Fatalf("deleted contact still found: %s", got)
	}
}

func TestContactsIsolationAndPermission(t *testing.T) {
	e := apitest.New(t)
	b := e.CEO("beta")
	victim := e.Do("POST", "/api/contacts", b, map[string]any{"name": "Secret Person"}).Want(t, 201).Data()["id"].(string)
	a := e.CEO("alpha")
	for _, c := range []struct{ m, p string }{{"GET", "/api/contacts/" + victim}, {"PUT", "/api/contacts/" + victim}, {"DELETE", "/api/contacts/" + victim},
		{"GET", "/api/tenant/contacts/" + victim}, {"GET", "/api/contacts/" + victim + "/activities"}} {
		if r := e.Do(c.m, c.p, a, map[string]any{"name": "x"}); r.Status != 404 || strings.Contains(string(r.Raw), "Secret") {
			t.Errorf("%s %s: %d", c.m, c.p, r.Status)
		}
	}
	if strings.Contains(string(e.Do("GET", "/api/contacts?search=secret", a, nil).Raw), "Secret") {
		t.Error("search crosses tenants")
	}
	e.Do("GET", "/api/contacts", "", nil).Want(t, 401)
}

func TestContactRoundTrips(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cid := create(t, e, tok, map[string]any{"name": "RT"})["id"].(string)
	id := e.Do("POST", "/api/contacts", tok, map[string]any{"name": "RT Person", "customer_id": cid}).Want(t, 201).Data()["id"].(string)
	for _, c := range []struct {
		m, p          string
		body          any
		reads, writes float64
	}{
		{"POST", "/api/contacts", map[string]any{"name": "N", "customer_id": cid}, 1, 1},
		{"GET", "/api/contacts/" + id, nil, 1, 0},
		{"PUT", "/api/contacts/" + id, map[string]any{"role": "buyer"}, 1, 1},
		{"GET", "/api/contacts?customer_id=" + cid, nil, 2, 0},
		{"DELETE", "/api/contacts/" + id, nil, 1, 1},
	} {
		e.Do(c.m, c.p, tok, c.body)
		l := e.LastRequestLog()
		if l["store_reads"].(float64) > c.reads || l["store_writes"].(float64) > c.writes {
			t.Errorf("%s %s: %v reads %v writes", c.m, c.p, l["store_reads"], l["store_writes"])
		}
	}
}

func TestCompaniesAreB2BCustomers(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	co := e.Do("POST", "/api/companies", tok, map[string]any{"name": "Acme Corporation", "domain": "acme.com", "industry": "Technology",
		"size": "50-200", "website": "https://acme.com", "phone": "+989121234567",
		"address": map[string]any{"street": "123 Main St", "city": "Tehran", "state": "Tehran", "country": "IR", "postal_code": "12345"}}).Want(t, 201).Data()
	id := co["id"].(string)
	if co["type"] != "B2B" || co["city"] != "Tehran" || co["address"].(map[string]any)["postal_code"] != "12345" {
		t.Fatalf("company = %v", co)
	}
	person := create(t, e, tok, map[string]any{"name": "A Person", "type": "B2C"})
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "John Doe", "company_id": id}).Want(t, 201)
	got := e.Do("GET", "/api/companies/"+id, tok, nil).Want(t, 200).Data()
	if len(got["contacts"].([]any)) != 1 || got["deals"] == nil {
		t.Fatalf("company detail = %v", got)
	}
	l := e.Do("GET", "/api/companies?type=B2C", tok, nil).Want(t, 200) // the view's type wins
	if len(l.List()) != 1 || l.List()[0]["name"] != "Acme Corporation" {
		t.Fatalf("companies = %v", l.List())
	}
	// A B2C customer is not a company: it can be neither read, changed
	// nor deleted through /api/companies.
	pid := person["id"].(string)
	e.Do("GET", "/api/companies/"+pid, tok, nil).Want(t, 404)
	e.Do("PUT", "/api/companies/"+pid, tok, map[string]any{"industry": "Software"}).Want(t, 404)
	e.Do("DELETE", "/api/companies/"+pid, tok, nil).Want(t, 404)
	if c := e.Do("GET", "/api/customers/"+pid, tok, nil).Want(t, 200).Data(); c["type"] != "B2C" || c["industry"] == "Software" {
		t.Fatalf("person after company routes = %v", c)
	}
	e.Do("PUT", "/api/companies/"+id, tok, map[string]any{"industry": "Software", "type": "B2C"}).Want(t, 200)
	if c := e.Do("GET", "/api/customers/"+id, tok, nil).Data(); c["type"] != "B2B" || c["industry"] != "Software" {
		t.Fatalf("after update = %v", c)
	}
	e.Do("DELETE", "/api/companies/"+id, tok, nil).Want(t, 200)
	e.Do("GET", "/api/companies/"+id, tok, nil).Want(t, 404)
}

func TestCleanupDuplicates(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	old := create(t, e, tok, map[string]any{"name": "Rabin", "email": "info@rabin.ir", "tags": []string{"vip"}})
	dupEmail := create(t, e, tok, map[string]any{"name": "Rabin Co", "email": "INFO@rabin.ir", "city": "Tehran", "tags": []string{"2024"}})
	dupPhone := create(t, e, tok, map[string]any{"name": "رابین", "phone": "۰۹۱۲۱۲۳۴۵۶۷", "email": "sales@rabin.ir"})
	create(t, e, tok, map[string]any{"name": "Rabin phone twin", "phone": "+98 912 123 4567", "email": "info@rabin.ir"})
	other := create(t, e, tok, map[string]any{"name": "Other", "email": "other@x.ir"})
	_ = dupPhone
	moved := e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Staff", "customer_id": dupEmail["id"]}).Want(t, 201).Data()
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Ali", "phone": "09351112222"}).Want(t, 201)
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Ali K", "mobile": "+989351112222"}).Want(t, 201)

	dry := e.Do("POST", "/api/cleanup-duplicates", tok, map[string]any{"dry_run": true}).Want(t, 200)
	if dry.JSON["removed_count"] != float64(4) { // 3 customers into the oldest (email+phone chain), 1 contact
		t.Fatalf("dry run = %s", dry.Raw)
	}
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(5) {
		t.Fatalf("dry run changed data: %v customers", n)
	}
	r := e.Do("POST", "/api/cleanup-duplicates", tok, nil).Want(t, 200)
	if r.JSON["removed_count"] != float64(4) {
		t.Fatalf("cleanup = %s", r.Raw)
	}
	kept := e.Do("GET", "/api/customers/"+old["id"].(string), tok, nil).Want(t, 200).Data()
	if kept["city"] != "Tehran" || len(kept["tags"].([]any)) != 2 || len(kept["contacts"].([]any)) != 1 {
		t.Fatalf("kept = %v", kept)
	}
	if c := e.Do("GET", "/api/contacts/"+moved["id"].(string), tok, nil).Data(); c["customer_id"] != old["id"] {
		t.Fatalf("contact not re-pointed: %v", c)
	}
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(2) {
		t.Fatalf("%v customers left", n)
	}
	e.Do("GET", "/api/customers/"+other["id"].(string), tok, nil).Want(t, 200)
	if r := e.Do("POST", "/api/cleanup-duplicates", tok, nil).Want(t, 200); r.JSON["removed_count"] != float64(0) {
		t.Fatalf("second cleanup = %s", r.Raw)
	}
}
