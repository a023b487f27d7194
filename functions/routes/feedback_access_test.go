package routes_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestFeedbackAccess sweeps every route of the feedback group: a user
// without the feedback and survey modules gets 403 before any input is
// read, another tenant's user never sees or changes alpha's forms and
// responses, and alpha's links open nothing in beta.
func TestFeedbackAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	c := e.Do("POST", "/api/feedback/forms", a, map[string]any{"title": "Alpha Secret Survey",
		"questions": []map[string]any{{"id": "q1", "type": "rating", "text": "Alpha Secret Question", "required": true}}}).Want(t, 201).Data()
	form := c["form"].(map[string]any)["id"].(string)
	tok := c["token"].(string)
	e.Do("POST", "/api/feedback/submit", "", map[string]any{"token": tok, "answers": []map[string]any{{"question_id": "q1", "value": 5}}}).Want(t, 201)

	_, emp := e.AddUser("alpha", &users.User{Name: "Chat Only", Email: "chat@alpha.test", Role: "employee", Modules: []string{"chat"}})
	b := e.CEO("beta")
	type call struct {
		method, path string
		body         any
		list         bool
	}
	calls := []call{
		{"GET", "/api/feedback/forms", nil, true},
		{"GET", "/api/tenant/feedback", nil, true},
		{"POST", "/api/feedback/forms", map[string]any{"title": "x", "questions": []map[string]any{{"type": "text", "text": "x"}}}, true},
		{"POST", "/api/tenant/feedback", map[string]any{"title": "x", "questions": []map[string]any{{"type": "text", "text": "x"}}}, true},
		{"GET", "/api/feedback/forms/" + form, nil, false},
		{"PUT", "/api/feedback/forms/" + form, map[string]any{"title": "x"}, false},
		{"PATCH", "/api/feedback/forms/" + form, map[string]any{"title": "x"}, false},
		{"POST", "/api/feedback/forms/send", map[string]any{"form_id": form, "recipients": []string{"z@example.com"}}, false},
		{"GET", "/api/feedback", nil, true},
		{"GET", "/api/feedback?form_id=" + form, nil, true},
		{"POST", "/api/feedback", map[string]any{"form_id": form, "responses": map[string]any{"q1": 1}}, false},
		{"GET", "/api/feedback/analyze?form_id=" + form, nil, false},
	}
	for _, c := range calls {
		if r := e.Do(c.method, c.path, emp, c.body); r.Status != 403 {
			t.Errorf("user without the modules %s %s: %d", c.method, c.path, r.Status)
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret")
		ok := r.Status == 404 || r.Status == 422
		if c.list {
			ok = r.Status == 200 || r.Status == 201
		}
		if leaked || !ok {
			t.Errorf("beta %s %s: %d leaked=%v %s", c.method, c.path, r.Status, leaked, r.Raw)
		}
	}
	if l := e.Do("GET", "/api/feedback?form_id="+form, b, nil).Want(t, 200).List(); len(l) != 0 {
		t.Errorf("beta lists alpha's responses: %v", l)
	}
	// A link names its tenant: rewritten for beta, it opens nothing.
	forged := "beta" + tok[strings.IndexByte(tok, '.'):]
	e.Do("GET", "/api/feedback/form/"+forged, "", nil).Want(t, 404)
	// Alpha's form is untouched.
	d := e.Do("GET", "/api/feedback/forms/"+form, a, nil).Want(t, 200).Data()
	if d["form"].(map[string]any)["title"] != "Alpha Secret Survey" || len(d["submissions"].([]any)) != 1 {
		t.Fatalf("form changed: %v", d)
	}
}
