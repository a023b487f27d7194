// Package apitest runs the whole API in-process over a fresh store for
// HTTP-level tests, with two provisioned tenants.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"payvand.dev/functions/app"
	"payvand.dev/functions/localplatform"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/config"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/tenancy"
)

// Password of every seeded account.
const Password = "correct-horse-42"

// Env is a running API.
type Env struct {
	T      testing.TB
	Deps   *app.Deps
	Server *httptest.Server
	logs   *logBuffer
}

// logBuffer keeps the JSON log lines of the server.
type logBuffer struct {
	mu    sync.Mutex
	lines [][]byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, append([]byte(nil), p...))
	return len(p), nil
}

// LastRequestLog returns the log line of the latest finished request.
func (e *Env) LastRequestLog() map[string]any {
	e.logs.mu.Lock()
	defer e.logs.mu.Unlock()
	for i := len(e.logs.lines) - 1; i >= 0; i-- {
		var m map[string]any
		if json.Unmarshal(e.logs.lines[i], &m) == nil && m["msg"] == "request" {
			return m
		}
	}
	return nil
}

// Option adjusts the environment.
type Option func(*config.Config, *settings)

type settings struct{ loginLimits, lazy, noSync bool }

// WithoutSync skips fsync in the embedded store (benchmarks that load a
// lot of data).
func WithoutSync() Option { return func(_ *config.Config, s *settings) { s.noSync = true } }

// WithLazyRoutes registers operations on first use, as the Lambdas do.
func WithLazyRoutes() Option { return func(_ *config.Config, s *settings) { s.lazy = true } }

// WithConfig changes the configuration.
func WithConfig(f func(*config.Config)) Option { return func(c *config.Config, _ *settings) { f(c) } }

// WithLoginLimits keeps the login and forgot-password limits, which other
// tests drop because they log in many times from one address.
func WithLoginLimits() Option { return func(_ *config.Config, s *settings) { s.loginLimits = true } }

// New starts the API on the embedded store with tenants "alpha" and "beta"
// (CEOs ceo@alpha.test and ceo@beta.test) and the admin "admin".
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := config.Config{DataDir: t.TempDir(), Store: "embedded", ControlTable: "payvand-control", TablePrefix: "payvand-tenant-",
		AdminPassword: Password, DemoPassword: Password, Version: "test", Bucket: "payvand-test"}
	var set settings
	for _, o := range opts {
		o(&cfg, &set)
	}
	ctx := context.Background()
	pf := localplatform.Platform
	if set.noSync {
		pf.Embedded = func(dir string) (store.DB, error) { return embedded.Open(dir, embedded.WithNoSync()) }
	}
	d, err := app.Open(ctx, cfg, pf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if !set.loginLimits {
		d.LoginLimiter = nil
	}
	d.LazyRoutes = set.lazy
	var jobs sync.WaitGroup
	d.Background = func(f func(context.Context)) {
		jobs.Add(1)
		go func() { defer jobs.Done(); f(context.Background()) }()
	}
	t.Cleanup(jobs.Wait) // before the store closes (cleanups run last-first)
	if err := d.SeedLocal(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"alpha", "beta"} {
		if _, _, err := d.Control.Provision(ctx, tenancy.NewTenant{Key: k, CompanyName: strings.ToUpper(k) + " Co", AdminName: k + " CEO", AdminEmail: "ceo@" + k + ".test", AdminPassword: Password}); err != nil {
			t.Fatal(err)
		}
	}
	logs := &logBuffer{}
	h, err := d.Handler(slog.New(slog.NewJSONHandler(logs, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Env{T: t, Deps: d, Server: srv, logs: logs}
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// Data returns the "data" member as an object.
func (r *Response) Data() map[string]any {
	m, _ := r.JSON["data"].(map[string]any)
	return m
}

// List returns the "data" member as a list of objects.
func (r *Response) List() []map[string]any {
	l, _ := r.JSON["data"].([]any)
	out := make([]map[string]any, len(l))
	for i, v := range l {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// Do sends a request; body may be a string (sent as is) or any value
// (sent as JSON). Headers are "Name: value" strings.
func (e *Env) Do(method, path, token string, body any, headers ...string) *Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	json.Unmarshal(raw, &r.JSON)
	return r
}

// Login returns an access token for a tenant user.
func (e *Env) Login(tenant, email string) string {
	e.T.Helper()
	r := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": tenant, "email": email, "password": Password})
	if r.Status != 200 {
		e.T.Fatalf("login %s/%s: %d %s", tenant, email, r.Status, r.Raw)
	}
	return r.JSON["token"].(string)
}

// CEO logs in the CEO of tenant.
func (e *Env) CEO(tenant string) string { return e.Login(tenant, "ceo@"+tenant+".test") }

// Want fails unless the response has the status.
func (r *Response) Want(t testing.TB, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// Logs returns every log line of the server so far (for failure messages).
func (e *Env) Logs() string {
	e.logs.mu.Lock()
	defer e.logs.mu.Unlock()
	return string(bytes.Join(e.logs.lines, nil))
}

// WantJalaliTwins fails unless every date member of an answer (a non-empty
// string under a name ending in _at, or one of dateKeys) has its _jalali
// twin beside it (DESIGN §5), at any depth.
func WantJalaliTwins(t testing.TB, raw []byte, dateKeys ...string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && s != "" && (strings.HasSuffix(k, "_at") || slices.Contains(dateKeys, k)) {
					if tw, _ := x[k+"_jalali"].(string); tw == "" {
						t.Errorf("%s.%s has no Jalali twin", path, k)
					}
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk("", v)
}
