package routes_test

import (
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestEmailAccess sweeps every route of the e-mail group: a user without
// the email module gets 403 before any input is read (even a body that
// is not JSON), and another tenant's user never sees or changes alpha's
// campaigns, templates or suppressions.
func TestEmailAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	later := time.Now().Add(time.Hour).Format(time.RFC3339)
	camp := e.Do("POST", "/api/email/bulk", a, map[string]any{"subject": "Alpha Secret Campaign", "text": "x", "recipients": []string{"secret@alpha.example"}, "schedule_at": later}).Want(t, 202).JSON["campaign_id"].(string)
	tpl := e.Do("POST", "/api/email/templates", a, map[string]any{"name": "Alpha Secret Template", "subject": map[string]string{"en": "x"}, "text": map[string]string{"en": "y"}}).Want(t, 201).Data()["id"].(string)
	e.Do("POST", "/api/email/suppressions", a, map[string]any{"email": "secret@alpha.example"}).Want(t, 201)

	// A sales user has documents and customers but not the email module.
	_, emp := e.AddUser("alpha", &users.User{Name: "Seller", Email: "seller@alpha.test", Role: "sales"})
	b := e.CEO("beta")
	type call struct {
		method, path string
		body         any
		list         bool
	}
	calls := []call{
		{"POST", "/api/email/send", map[string]any{"to": "x@example.com", "subject": "x", "text": "x"}, true},
		{"POST", "/api/email/test", map[string]any{"to": "x@example.com"}, true},
		{"POST", "/api/email/preview", map[string]any{"template": tpl}, false},
		{"POST", "/api/email/bulk", map[string]any{"subject": "x", "text": "x", "recipients": []string{"x@example.com"}, "schedule_at": later}, true},
		{"GET", "/api/email/bulk", nil, true},
		{"GET", "/api/email/bulk/" + camp, nil, false},
		{"GET", "/api/email/bulk/" + camp + "/recipients", nil, false},
		{"POST", "/api/email/bulk/" + camp + "/cancel", nil, false},
		{"GET", "/api/email/templates", nil, true},
		{"POST", "/api/email/templates", map[string]any{"name": "Other", "subject": map[string]string{"en": "x"}, "text": map[string]string{"en": "y"}}, true},
		{"PUT", "/api/email/templates/" + tpl, map[string]any{"name": "Changed", "subject": map[string]string{"en": "x"}, "text": map[string]string{"en": "y"}}, false},
		{"DELETE", "/api/email/templates/" + tpl, nil, false},
		{"GET", "/api/email/suppressions", nil, true},
		{"POST", "/api/email/suppressions", map[string]any{"email": "y@example.com"}, true},
		{"DELETE", "/api/email/suppressions/secret@alpha.example", nil, true},
	}
	for _, c := range calls {
		if r := e.Do(c.method, c.path, emp, "{not json"); r.Status != 403 {
			t.Errorf("user without the email module %s %s: %d", c.method, c.path, r.Status)
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret") || strings.Contains(string(r.Raw), "secret@alpha.example")
		ok := r.Status == 404 || r.Status == 422
		if c.list {
			ok = r.Status/100 == 2
		}
		if leaked || !ok {
			t.Errorf("beta %s %s: %d leaked=%v %s", c.method, c.path, r.Status, leaked, r.Raw)
		}
	}
	// Alpha's campaign, template and suppression are untouched.
	if c := e.Do("GET", "/api/email/bulk/"+camp, a, nil).Want(t, 200).Data(); c["status"] != "scheduled" {
		t.Fatalf("campaign %v", c)
	}
	e.Do("POST", "/api/email/preview", a, map[string]any{"template": "Alpha Secret Template"}).Want(t, 200)
	if l := e.Do("GET", "/api/email/suppressions", a, nil).Want(t, 200).JSON["data"].([]any); len(l) != 1 {
		t.Fatalf("alpha's suppressions %v", l)
	}
}
