package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/testkit"
)

type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, bearer string, _ []*http.Cookie) (*auth.Principal, error) {
	if bearer == "" {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "authentication is required", Key: "auth-required"}
	}
	return &auth.Principal{Realm: auth.RealmTenant, Subject: bearer, TenantKey: "t1", Role: "sales", Modules: []string{"customers"}}, nil
}

type tzOut struct {
	Body struct {
		Zone string `json:"zone"`
		ID   string `json:"id"`
	}
}

func newServer(t *testing.T, limit int) *httptest.Server { return newServerWith(t, limit, false) }

func newServerWith(t *testing.T, limit int, lazy bool) *httptest.Server {
	s := httpapi.New(httpapi.Config{Title: "t", Version: "1", Auth: fakeAuth{}, CursorKey: auth.StaticKey([]byte("k")),
		Limiter: &httpapi.StoreLimiter{Table: testkit.EmbeddedTable(t, "control")}, Limits: map[string]int{"general": limit},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), LazyRoutes: lazy})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/panic", ID: "panic", Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) { panic("boom") })
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/tz", ID: "tz", Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) {
			o := &tzOut{}
			o.Body.Zone, o.Body.ID = httpapi.LocationFrom(ctx).String(), httpapi.MetaFrom(ctx).ID
			return o, nil
		})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/private", ID: "private", Realm: httpapi.TenantUsers, Module: "reports"},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) { return &tzOut{}, nil })
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/mine", ID: "mine", Realm: httpapi.TenantUsers, Module: "customers"},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) { return &tzOut{}, nil })
	httpapi.Register(s, httpapi.Route{Method: "POST", Path: "/api/mine", ID: "mine-post", Realm: httpapi.TenantUsers, Module: "customers"},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) { return &tzOut{}, nil })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, headers ...string) (*http.Response, map[string]any) {
	req, _ := http.NewRequest("GET", url, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

func TestPanicIsA500Problem(t *testing.T) {
	srv := newServer(t, 0)
	resp, m := get(t, srv.URL+"/api/panic", "X-Request-ID: abc-123")
	if resp.StatusCode != 500 || m["error"] != "server-error" || m["request_id"] != "abc-123" {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	if strings.Contains(m["detail"].(string), "boom") {
		t.Fatal("panic value leaked to the client")
	}
	// The server still answers.
	if resp, _ := get(t, srv.URL+"/api/tz"); resp.StatusCode != 200 {
		t.Fatal("server down after a panic")
	}
}

func TestRequestIDAndTimezone(t *testing.T) {
	srv := newServer(t, 0)
	resp, m := get(t, srv.URL+"/api/tz", "X-Request-ID: my-id", "X-Timezone: Asia/Tehran")
	if resp.Header.Get("X-Request-ID") != "my-id" || m["id"] != "my-id" || m["zone"] != "Asia/Tehran" {
		t.Fatalf("%v %v", resp.Header, m)
	}
	resp, _ = get(t, srv.URL+"/api/tz")
	if len(resp.Header.Get("X-Request-ID")) != 36 {
		t.Fatal("no generated request id")
	}
	resp, m = get(t, srv.URL+"/api/tz", "X-Timezone: Mars/Olympus")
	if resp.StatusCode != 400 || m["errors"].(map[string]any)["X-Timezone"] == nil {
		t.Fatalf("bad time zone: %d %v", resp.StatusCode, m)
	}
}

func TestUnknownRouteAndMethodAreProblems(t *testing.T) {
	srv := newServer(t, 0)
	resp, m := get(t, srv.URL+"/api/nothing-here", "Accept-Language: fa")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || m["title"] != "یافت نشد" {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+"/api/tz", nil)
	r2, _ := http.DefaultClient.Do(req)
	if r2.StatusCode != 405 || r2.Header.Get("Allow") == "" {
		t.Fatalf("405: %d %v", r2.StatusCode, r2.Header)
	}
}

func TestModulePermission(t *testing.T) {
	srv := newServer(t, 0)
	if resp, _ := get(t, srv.URL+"/api/mine"); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/mine", "Authorization: Bearer u1"); resp.StatusCode != 200 {
		t.Fatalf("granted module: %d", resp.StatusCode)
	}
	resp, m := get(t, srv.URL+"/api/private", "Authorization: Bearer u1", "Accept-Language: fa")
	if resp.StatusCode != 403 || !strings.Contains(m["detail"].(string), "reports") {
		t.Fatalf("missing module: %d %v", resp.StatusCode, m)
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	srv := newServer(t, 3)
	for i := 1; i <= 3; i++ {
		resp, _ := get(t, srv.URL+"/api/mine", "Authorization: Bearer u1")
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "3" || resp.Header.Get("X-RateLimit-Remaining") != string(rune('0'+3-i)) {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, resp.Header)
		}
	}
	resp, m := get(t, srv.URL+"/api/mine", "Authorization: Bearer u1")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || m["error"] != "rate-limit" {
		t.Fatalf("4th request: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil || reset <= time.Now().Unix() || reset > time.Now().Add(time.Minute).Unix() {
		t.Fatalf("reset header %q is not the end of the current window", resp.Header.Get("X-RateLimit-Reset"))
	}
	// Another user has its own window.
	if resp, _ := get(t, srv.URL+"/api/mine", "Authorization: Bearer u2"); resp.StatusCode != 200 {
		t.Fatalf("other user limited: %d", resp.StatusCode)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	srv := newServer(t, 0)
	resp, m := get(t, srv.URL+"/api/openapi.json")
	if resp.StatusCode != 200 || !strings.HasPrefix(m["openapi"].(string), "3.1") {
		t.Fatalf("%d %v", resp.StatusCode, m["openapi"])
	}
}

func TestCookieStateChangesNeedATrustedOrigin(t *testing.T) {
	srv := newServer(t, 0)
	post := func(headers ...string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/mine", nil)
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(k, strings.TrimSpace(v))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("Cookie: auth-token=x", "Origin: https://evil.example"); c != 403 {
		t.Fatalf("cross-site cookie request: %d", c)
	}
	// Same origin passes the check (and then meets the usual 401/405).
	if c := post("Cookie: auth-token=x", "Origin: "+srv.URL); c == 403 {
		t.Fatal("same-origin cookie request refused")
	}
	if c := post("Authorization: Bearer u1", "Origin: https://evil.example"); c == 403 {
		t.Fatal("bearer requests need no Origin check")
	}
}

// TestLazyRoutesBehaveTheSame runs the kernel's behaviours with operations
// registered on first use, as the Lambdas do.
func TestLazyRoutesBehaveTheSame(t *testing.T) {
	srv := newServerWith(t, 0, true)
	if resp, m := get(t, srv.URL+"/api/tz", "X-Timezone: Asia/Tehran"); resp.StatusCode != 200 || m["zone"] != "Asia/Tehran" {
		t.Fatalf("tz: %d %v", resp.StatusCode, m)
	}
	if resp, _ := get(t, srv.URL+"/api/mine"); resp.StatusCode != 401 {
		t.Fatalf("auth middleware: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/mine", "Authorization: Bearer u1"); resp.StatusCode != 200 {
		t.Fatalf("authorized: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/api/nothing"); resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+"/api/tz", nil)
	if r, _ := http.DefaultClient.Do(req); r.StatusCode != 405 {
		t.Fatalf("wrong method: %d", r.StatusCode)
	}
	if resp, m := get(t, srv.URL+"/api/panic"); resp.StatusCode != 500 || m["error"] != "server-error" {
		t.Fatalf("panic: %d", resp.StatusCode)
	}
	// Concurrent first requests register once.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := get(t, srv.URL+"/api/mine", "Authorization: Bearer u9"); resp.StatusCode != 200 {
				t.Errorf("concurrent: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
}
