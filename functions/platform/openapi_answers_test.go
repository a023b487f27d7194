package main

import (
	"encoding/json"
	"mime"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/internal/apitest"
)

// TestAnswersMatchTheDocument sends requests that fail in each way a
// client meets (and two that succeed) to the API running in-process, and
// validates every answer against the schema the document gives for its
// operation, status and content type.
func TestAnswersMatchTheDocument(t *testing.T) {
	oapi := wholeAPI(t).API.OpenAPI()
	e := apitest.New(t)
	ceo := e.CEO("alpha")

	created := e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Rabin", "city": "Tehran"}).Want(t, 201)
	id, _ := created.Data()["id"].(string)
	if id == "" {
		t.Fatalf("no id: %s", created.Raw)
	}
	e.Do("PUT", "/api/customers/"+id, ceo, map[string]any{"city": "Shiraz", "version": 1}).Want(t, 200)
	// A second organization of the same email makes the login ambiguous.
	e.Do("POST", "/api/auth/register", "", map[string]any{"name": "Alpha CEO", "email": "ceo@alpha.test",
		"password": apitest.Password, "password_confirmation": apitest.Password, "organization_name": "Alpha Two"}).Want(t, 201)

	cases := []struct {
		name, method, pattern string
		status                int
		send                  func() *apitest.Response
	}{
		{"created", "POST", "/api/customers", 201, func() *apitest.Response { return created }},
		{"list", "GET", "/api/customers", 200, func() *apitest.Response { return e.Do("GET", "/api/customers?limit=1", ceo, nil) }},
		{"bad time zone", "GET", "/api/customers", 400, func() *apitest.Response {
			return e.Do("GET", "/api/customers", ceo, nil, "X-Timezone: Mars/Olympus")
		}},
		{"no token", "GET", "/api/customers", 401, func() *apitest.Response { return e.Do("GET", "/api/customers", "", nil) }},
		{"wrong realm", "GET", "/api/admin/tenants", 403, func() *apitest.Response { return e.Do("GET", "/api/admin/tenants", ceo, nil) }},
		{"unknown id", "GET", "/api/customers/{id}", 404, func() *apitest.Response { return e.Do("GET", "/api/customers/no-such-customer", ceo, nil) }},
		{"stale version", "PUT", "/api/customers/{id}", 409, func() *apitest.Response {
			return e.Do("PUT", "/api/customers/"+id, ceo, map[string]any{"city": "Tabriz", "version": 1})
		}},
		{"several organizations", "POST", "/api/auth/login", 409, func() *apitest.Response {
			return e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password})
		}},
		{"invalid body", "POST", "/api/customers", 422, func() *apitest.Response {
			return e.Do("POST", "/api/customers", ceo, map[string]any{"name": "", "email": 42})
		}},
		{"persian", "POST", "/api/customers", 422, func() *apitest.Response {
			return e.Do("POST", "/api/customers", ceo, map[string]any{}, "Accept-Language: fa")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.send().Want(t, c.status)
			checkAnswer(t, oapi, c.method, c.pattern, r)
		})
	}

	// The problem schema is strict: huma's old ErrorModel shape (errors
	// as a list) and undocumented members do not pass.
	problem := oapi.Components.Schemas.SchemaFromRef("#/components/schemas/Problem")
	for name, p := range map[string]map[string]any{
		"errors as a list": {"errors": []any{map[string]any{"location": "body.name", "message": "required"}}},
		"unknown member":   {"code": 422},
		"success true":     {"success": true},
		"unknown code":     {"error": "oops"},
	} {
		v := map[string]any{"type": "https://payvand.dev/problems/validation-error", "title": "Validation Error", "status": 422.0,
			"success": false, "error": "validation-error", "message": "invalid"}
		for k, x := range p {
			v[k] = x
		}
		res := &huma.ValidateResult{}
		huma.Validate(oapi.Components.Schemas, problem, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, res)
		if len(res.Errors) == 0 {
			t.Errorf("a problem with %s passes the schema", name)
		}
	}
}

// checkAnswer validates an answer against the document.
func checkAnswer(t *testing.T, oapi *huma.OpenAPI, method, pattern string, r *apitest.Response) {
	t.Helper()
	item := oapi.Paths[pattern]
	if item == nil {
		t.Fatalf("%s is not in the document", pattern)
	}
	op := map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete}[method]
	if op == nil {
		t.Fatalf("%s %s is not in the document", method, pattern)
	}
	resp := op.Responses[strconv.Itoa(r.Status)]
	if resp == nil {
		t.Fatalf("%s %s: status %d is not documented", method, pattern, r.Status)
	}
	if ref, ok := strings.CutPrefix(resp.Ref, "#/components/responses/"); ok {
		resp = oapi.Components.Responses[ref]
		if resp == nil {
			t.Fatalf("dangling response %s", ref)
		}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mt := resp.Content[ct]
	if mt == nil || mt.Schema == nil {
		t.Fatalf("%s %s %d: content type %q is not documented", method, pattern, r.Status, ct)
	}
	var v any
	if err := json.Unmarshal(r.Raw, &v); err != nil {
		t.Fatalf("not JSON: %s", r.Raw)
	}
	res := &huma.ValidateResult{}
	huma.Validate(oapi.Components.Schemas, mt.Schema, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, res)
	for _, err := range res.Errors {
		t.Errorf("%s %s %d: %v", method, pattern, r.Status, err)
	}
	if len(res.Errors) > 0 {
		t.Logf("answer: %s", r.Raw)
	}
	for name := range resp.Headers {
		if name == "X-Request-ID" && r.Header.Get(name) == "" {
			t.Errorf("%s %s %d: documented header %s is missing", method, pattern, r.Status, name)
		}
	}
}
