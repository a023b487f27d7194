package authapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/functions/routes"
)

// TestRegisterRefreshReuseForgotReset is the account story end to end over
// HTTP: a new organization, rotation, a replayed token, a reset through the
// outbox, and a login with the new password.
func TestRegisterRefreshReuseForgotReset(t *testing.T) {
	e := apitest.New(t)
	reg := map[string]any{"name": "Sara Ahmadi", "email": "Sara@Example.ir", "password": "Tehran-1404!", "password_confirmation": "Tehran-1404!",
		"organization_name": "Rabin Soft / رابین", "locale": "fa"}
	r := e.Do("POST", "/api/auth/register", "", reg).Want(t, 201)
	u := r.Data()["user"].(map[string]any)
	if u["role"] != "ceo" || u["email"] != "sara@example.ir" || u["tenant_key"] != "rabin-soft" || u["locale"] != "fa" {
		t.Fatalf("registered user = %v", u)
	}
	first := cookieOf(r, "refresh_token").Value
	// The same email cannot register again; a chosen taken key is a conflict.
	e.Do("POST", "/api/auth/register", "", reg).Want(t, 409)
	reg2 := map[string]any{"name": "B", "email": "b@example.ir", "password": "Tehran-1404!", "password_confirmation": "Tehran-1404!",
		"organization_name": "Other", "tenant_key": "rabin-soft"}
	e.Do("POST", "/api/auth/register", "", reg2).Want(t, 409)
	weak := map[string]any{"name": "C", "email": "c@example.ir", "password": "password123", "password_confirmation": "password12", "organization_name": "C Co"}
	pr := e.Do("POST", "/api/auth/register", "", weak).Want(t, 422)
	errs := pr.JSON["errors"].(map[string]any)
	if errs["password"] == nil || errs["password_confirmation"] == nil {
		t.Fatalf("policy errors = %v", errs)
	}

	r1 := e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+first).Want(t, 200)
	second := cookieOf(r1, "refresh_token").Value
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+first).Want(t, 401)  // replay
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+second).Want(t, 401) // family revoked

	// Forgot: the same answer for a known and an unknown email.
	known := e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "sara@example.ir"}).Want(t, 200)
	unknown := e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "nobody@example.ir"}).Want(t, 200)
	if known.JSON["message"] != unknown.JSON["message"] {
		t.Fatal("forgot-password answers reveal whether the email exists")
	}
	msgs, _, err := e.Deps.Outbox.List(context.Background(), 10, "")
	if err != nil || len(msgs) != 1 || msgs[0].To[0] != "sara@example.ir" || !strings.Contains(msgs[0].Subject, "بازنشانی") {
		t.Fatalf("outbox = %+v, %v", msgs, err)
	}
	token := regexp.MustCompile(`(?m)^\s+(\S+)$`).FindStringSubmatch(msgs[0].Text)[1]

	bad := map[string]string{"email": "sara@example.ir", "token": "forged", "password": "New-pass-1405", "password_confirmation": "New-pass-1405"}
	e.Do("POST", "/api/auth/reset-password", "", bad).Want(t, 422)
	good := map[string]string{"email": "sara@example.ir", "token": token, "password": "New-pass-1405", "password_confirmation": "New-pass-1405"}
	e.Do("POST", "/api/auth/reset-password", "", good).Want(t, 200)
	e.Do("POST", "/api/auth/reset-password", "", good).Want(t, 422) // single use

	e.Do("POST", "/api/auth/login", "", map[string]string{"email": "sara@example.ir", "password": "Tehran-1404!"}).Want(t, 401)
	l := e.Do("POST", "/api/auth/login", "", map[string]string{"email": "sara@example.ir", "password": "New-pass-1405"}).Want(t, 200)
	p := e.Do("GET", "/api/auth/permissions", l.JSON["token"].(string), nil).Want(t, 200)
	if !strings.Contains(strings.Join(toStrings(p.JSON["permissions"]), ","), "customers.create") {
		t.Fatalf("permissions = %s", p.Raw)
	}
}

func TestResetEndsEverySession(t *testing.T) {
	e := apitest.New(t)
	login := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
	rt := cookieOf(login, "refresh_token").Value
	e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "ceo@alpha.test"}, "X-Tenant-Key: alpha").Want(t, 200)
	msgs, _, _ := e.Deps.Outbox.List(context.Background(), 1, "")
	token := regexp.MustCompile(`(?m)^\s+(\S+)$`).FindStringSubmatch(msgs[0].Text)[1]
	e.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": "ceo@alpha.test", "token": token, "password": "Brand-new-42", "password_confirmation": "Brand-new-42"}).Want(t, 200)
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+rt).Want(t, 401)
}

func TestCrossSiteCookieRequestsAreRefused(t *testing.T) {
	e := apitest.New(t)
	login := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
	rt := cookieOf(login, "refresh_token").Value
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+rt, "Origin: https://evil.example").Want(t, 403)
	e.Do("POST", "/api/auth/logout", "", nil, "Cookie: refresh_token="+rt, "Referer: https://evil.example/page").Want(t, 403)
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+rt, "Origin: "+e.Server.URL).Want(t, 200)
}

func TestLoginRateLimitIsSharedAcrossInstances(t *testing.T) {
	e := apitest.New(t, apitest.WithLoginLimits())
	// A second server over the same store, as a second Lambda instance.
	h, err := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	other := httptest.NewServer(h)
	defer other.Close()
	body := map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": "wrong-password"}
	ok := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "beta", "email": "ceo@beta.test", "password": apitest.Password}).Want(t, 200)
	if ok.Header.Get("X-RateLimit-Limit") != "5" || ok.Header.Get("X-RateLimit-Remaining") != "4" {
		t.Fatalf("login rate headers: %v", ok.Header)
	}
	for i := 0; i < 5; i++ {
		srv := e
		if i%2 == 1 {
			srv = &apitest.Env{T: t, Deps: e.Deps, Server: other}
		}
		srv.Do("POST", "/api/tenant/auth/login", "", body).Want(t, 401)
	}
	r := (&apitest.Env{T: t, Deps: e.Deps, Server: other}).Do("POST", "/api/tenant/auth/login", "", body).Want(t, 429)
	if r.Header.Get("Retry-After") == "" || r.JSON["error"] != "rate-limit" || r.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("429 without Retry-After: %v %s", r.Header, r.Raw)
	}
	// The right password is limited too (the window is per IP+account) but
	// another account from the same address is not.
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 429)
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "beta", "email": "ceo@beta.test", "password": apitest.Password}).Want(t, 200)
	// Forgot-password: 3 a minute.
	for i := 0; i < 3; i++ {
		e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "x@y.test"}).Want(t, 200)
	}
	e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "x@y.test"}).Want(t, 429)
}
