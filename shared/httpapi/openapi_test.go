package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"payvand.dev/shared/httpapi"
)

type CustomerView struct {
	ID     string `json:"id"`
	Status string `json:"status" enum:"active,inactive"`
}

type Pair[A, B any] struct {
	First  A `json:"first"`
	Second B `json:"second"`
}

type meBody struct {
	Body struct {
		Success bool `json:"success"`
		Data    struct {
			Role string `json:"role"`
		} `json:"data"`
	}
}

func registerOut1(s *httpapi.Server) {
	type out struct {
		A string `json:"a"`
	}
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/one", ID: "profile-avatar", Realm: httpapi.TenantUsers},
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[out], error) { return nil, nil })
}

func registerOut2(s *httpapi.Server) {
	type out struct {
		B string `json:"b"`
	}
	// Another function's `out`, registered by an operation of the same
	// name: the names must still differ.
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/two", ID: "profile-avatar-2", Realm: httpapi.TenantUsers},
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[out], error) { return nil, nil })
}

// documentServer registers operations that use every kind of type the
// route groups use and returns the document.
func documentServer(t *testing.T) map[string]any {
	t.Helper()
	s := httpapi.New(httpapi.Config{Title: "t", Version: "1", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/customers/{id}", ID: "customers-get", Realm: httpapi.TenantUsers, Module: "customers"},
		func(ctx context.Context, _ *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[CustomerView], error) {
			return nil, nil
		})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/customers", ID: "customers-list", Realm: httpapi.TenantUsers},
		func(ctx context.Context, _ *struct{ httpapi.ListParams }) (*httpapi.ListBody[CustomerView], error) {
			return nil, nil
		})
	httpapi.Register(s, httpapi.Route{Method: "POST", Path: "/api/tenant-products", ID: "tenant-products-create", Realm: httpapi.TenantUsers},
		func(ctx context.Context, _ *struct {
			Body struct {
				Name string `json:"name"`
			}
		}) (*httpapi.Body[map[string]any], error) {
			return nil, nil
		})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/me", ID: "me", Realm: httpapi.AnyUser},
		func(ctx context.Context, _ *struct{}) (*meBody, error) { return nil, nil })
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/strings", ID: "strings", Realm: httpapi.Public,
		Description: "Every string there is."},
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]string], error) { return nil, nil })
	httpapi.Register(s, httpapi.Route{Method: "POST", Path: "/api/logout", ID: "logout", Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[any], error) { return nil, nil })
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/pair", ID: "pair", Realm: httpapi.AdminOnly},
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[Pair[CustomerView, *CustomerView]], error) {
			return nil, nil
		})
	registerOut1(s)
	registerOut2(s)
	raw, err := s.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func obj(v any, path ...string) map[string]any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	m, _ := v.(map[string]any)
	return m
}

func TestSchemaNamesSayWhatTheSchemasAre(t *testing.T) {
	doc := documentServer(t)
	schemas := obj(doc, "components", "schemas")
	names := slices.Sorted(maps.Keys(schemas))
	want := []string{
		"CustomerEnvelope", "CustomerList", "CustomerView", // Envelope[CustomerView], Collection[CustomerView]
		"CustomerCustomerPair", "CustomerCustomerPairEnvelope", // a generic type of a route group
		"Envelope", // Envelope[any]
		"Links", "ListMeta", "Pagination",
		"MeData", "MeResponse", // anonymous bodies, named from the operation
		"ObjectEnvelope", // Envelope[map[string]any]
		"Problem",
		"ProfileAvatarResult", "ProfileAvatarResultEnvelope", // an unexported `out` of a route's function
		"StringArrayEnvelope",         // Envelope[[]string]
		"TenantProductsCreateRequest", // an anonymous request body
	}
	valid := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	for _, n := range names {
		if !valid.MatchString(n) {
			t.Errorf("invalid component name %q", n)
		}
	}
	for _, n := range want {
		if !slices.Contains(names, n) {
			t.Errorf("no schema %q", n)
		}
	}
	// The second `out` is another type: it gets a name of its own.
	var outs int
	for _, n := range names {
		if strings.HasPrefix(n, "ProfileAvatar") && !strings.HasSuffix(n, "Envelope") {
			outs++
		}
	}
	if outs != 2 {
		t.Errorf("the two unexported out types share a name: %v", names)
	}
	if t.Failed() {
		t.Logf("names: %v", names)
	}
	// Every $ref points at a schema that exists.
	raw, _ := json.Marshal(doc)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]*)"`).FindAllStringSubmatch(string(raw), -1) {
		if schemas[m[1]] == nil {
			t.Errorf("dangling $ref %s", m[0])
		}
	}
}

func TestOperationsDocumentSecurityAndProblems(t *testing.T) {
	doc := documentServer(t)
	if servers, _ := doc["servers"].([]any); len(servers) == 0 {
		t.Error("no servers")
	}
	op := func(path, method string) map[string]any { return obj(doc, "paths", path, method) }
	codes := func(o map[string]any) []string { return slices.Sorted(maps.Keys(obj(o, "responses"))) }

	pub := op("/api/strings", "get")
	if sec, ok := pub["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("public operation: security = %v, want []", pub["security"])
	}
	if got := codes(pub); !slices.Equal(got, []string{"200", "400", "429", "500"}) {
		t.Errorf("public GET without input: responses %v", got)
	}
	if d, _ := pub["description"].(string); !strings.HasPrefix(d, "Every string there is.") || !strings.Contains(d, "public") {
		t.Errorf("description = %q", d)
	}
	get := op("/api/customers/{id}", "get")
	if sec, _ := get["security"].([]any); len(sec) != 1 {
		t.Errorf("authenticated operation: security = %v", get["security"])
	}
	if got := codes(get); !slices.Equal(got, []string{"200", "400", "401", "402", "403", "404", "422", "429", "500"}) {
		t.Errorf("tenant GET by id: responses %v", got)
	}
	if d, _ := get["description"].(string); !strings.Contains(d, "`customers` module") {
		t.Errorf("description = %q", d)
	}
	if got := codes(op("/api/tenant-products", "post")); !slices.Equal(got, []string{"200", "400", "401", "402", "403", "404", "409", "413", "422", "429", "500"}) {
		t.Errorf("tenant POST with body: responses %v", got)
	}
	if got := codes(op("/api/pair", "get")); !slices.Equal(got, []string{"200", "400", "401", "403", "429", "500"}) {
		t.Errorf("admin GET: responses %v", got)
	}
	if d, _ := op("/api/customers", "get")["description"].(string); !strings.Contains(d, "cursor") {
		t.Errorf("a list does not say how it pages: %q", d)
	}
	// Problem responses are application/problem+json with the Problem schema.
	for name, r := range obj(doc, "components", "responses") {
		ref, _ := obj(r, "content", "application/problem+json", "schema")["$ref"].(string)
		if ref != "#/components/schemas/Problem" {
			t.Errorf("response %s: schema %v", name, obj(r, "content"))
		}
	}
	if ref, _ := obj(get, "responses", "404")["$ref"].(string); ref != "#/components/responses/NotFound" {
		t.Errorf("404 = %v", obj(get, "responses", "404"))
	}
	// Success bodies say success is true, problems that it is false.
	for _, n := range []string{"CustomerEnvelope", "CustomerList", "MeResponse"} {
		if e := obj(doc, "components", "schemas", n, "properties", "success")["enum"]; !slices.Equal(asSlice(e), []any{true}) {
			t.Errorf("%s.success enum = %v", n, e)
		}
	}
	p := obj(doc, "components", "schemas", "Problem")
	if e := obj(p, "properties", "success")["enum"]; !slices.Equal(asSlice(e), []any{false}) {
		t.Errorf("Problem.success enum = %v", e)
	}
	if typ := obj(p, "properties", "errors")["type"]; typ != "object" {
		t.Errorf("Problem.errors is %v, want an object of field → messages", typ)
	}
	for _, m := range []string{"success", "error", "message", "request_id", "errors", "type", "title", "status", "detail", "instance"} {
		if obj(p, "properties", m) == nil {
			t.Errorf("Problem has no member %s", m)
		}
	}
	if e := asSlice(obj(p, "properties", "error")["enum"]); !slices.Contains(e, any("validation-error")) || !slices.Contains(e, any("rate-limit")) {
		t.Errorf("Problem.error enum = %v", e)
	}
	// The route's own enums reach the response schemas.
	if e := asSlice(obj(doc, "components", "schemas", "CustomerView", "properties", "status")["enum"]); len(e) != 2 {
		t.Errorf("CustomerView.status enum = %v", e)
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// Registering operations on first use builds the same document.
func TestLazyRoutesNameSchemasTheSame(t *testing.T) {
	s := httpapi.New(httpapi.Config{Title: "t", Version: "1", LazyRoutes: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/me", ID: "me", Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*meBody, error) {
			o := &meBody{}
			o.Body.Success = true
			return o, nil
		})
	req, _ := http.NewRequest("GET", "/api/me", nil)
	w := &recorder{h: http.Header{}}
	s.Handler().ServeHTTP(w, req)
	if w.status != 0 && w.status != 200 {
		t.Fatalf("status %d", w.status)
	}
	raw, _ := s.OpenAPIJSON()
	if !strings.Contains(string(raw), `"MeResponse"`) {
		t.Fatalf("lazy registration: %s", raw)
	}
}

type recorder struct {
	h      http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(c int)           { r.status = c }
