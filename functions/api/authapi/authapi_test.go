package authapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/users"
)

func cookieOf(r *apitest.Response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginShapesOfBothSeeds(t *testing.T) {
	e := apitest.New(t)
	pw := apitest.Password
	for _, c := range []struct {
		name, path string
		body       map[string]string
		headers    []string
	}{
		{"tenant login", "/api/tenant/auth/login", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": pw}, nil},
		{"X-Tenant-Key", "/api/auth/login", map[string]string{"email": "CEO@alpha.test", "password": pw}, []string{"X-Tenant-Key: alpha"}},
		{"tenant_key field", "/api/auth/login", map[string]string{"email": "ceo@alpha.test", "password": pw, "tenant_key": "alpha"}, nil},
		{"email only (login index)", "/api/auth/login", map[string]string{"email": "ceo@alpha.test", "password": pw}, nil},
	} {
		r := e.Do("POST", c.path, "", c.body, c.headers...).Want(t, 200)
		d := r.Data()
		if r.JSON["token"] == "" || d["access_token"] != r.JSON["token"] || d["token_type"] != "bearer" || d["expires_in"] != float64(900) {
			t.Fatalf("%s: token fields: %s", c.name, r.Raw)
		}
		// One copy of each: the token once per seed, the user once.
		if n := strings.Count(string(r.Raw), r.JSON["token"].(string)); n != 2 || r.JSON["user"] != nil || d["token"] != nil {
			t.Fatalf("%s: the token appears %d times, or the user twice: %s", c.name, n, r.Raw)
		}
		u := d["user"].(map[string]any)
		if u["email"] != "ceo@alpha.test" || u["role"] != "ceo" || u["organization"].(map[string]any)["name"] != "ALPHA Co" {
			t.Fatalf("%s: user: %v", c.name, u)
		}
		if !strings.Contains(strings.Join(toStrings(u["permissions"]), ","), "customers.view") {
			t.Fatalf("%s: IshYar permissions missing: %v", c.name, u["permissions"])
		}
		rc := cookieOf(r, "refresh_token")
		if rc == nil || !rc.HttpOnly || rc.SameSite != http.SameSiteLaxMode || rc.MaxAge != 7*24*3600 {
			t.Fatalf("%s: refresh cookie %+v", c.name, rc)
		}
		if cookieOf(r, "tenant_token") == nil || cookieOf(r, "auth-token") == nil {
			t.Fatalf("%s: Rabin access cookies missing", c.name)
		}
	}
	for _, bad := range []map[string]string{
		{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": "wrong-password"},
		{"tenant_key": "alpha", "email": "nobody@alpha.test", "password": pw},
		{"tenant_key": "nope", "email": "ceo@alpha.test", "password": pw},
		{"tenant_key": "beta", "email": "ceo@alpha.test", "password": pw},
	} {
		r := e.Do("POST", "/api/tenant/auth/login", "", bad).Want(t, 401)
		if r.JSON["detail"] != "the email or password is incorrect" {
			t.Fatalf("login failure reveals more than it should: %s", r.Raw)
		}
	}
	e.Do("POST", "/api/tenant/auth/login", "", `{"tenant_key":"alpha"}`).Want(t, 422)
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestEmailInSeveralTenantsMustChoose(t *testing.T) {
	e := apitest.New(t)
	h, _ := auth.HashPassword(apitest.Password)
	if err := (users.Repo{}).Create(context.Background(), e.Deps.Control.TableFor("beta"), &users.User{Name: "Alpha CEO too", Email: "ceo@alpha.test", Role: "sales", PasswordHash: h}, 0); err != nil {
		t.Fatal(err)
	}
	e.Deps.Control.IndexLogin(context.Background(), "ceo@alpha.test", "beta", "x")
	r := e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 409)
	if !strings.Contains(string(r.Raw), `"tenant_key":"alpha"`) || !strings.Contains(string(r.Raw), `"tenant_key":"beta"`) {
		t.Fatalf("409 does not list both organizations: %s", r.Raw)
	}
	e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password}, "X-Tenant-Key: beta").Want(t, 200)
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	e := apitest.New(t)
	login := e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
	first := cookieOf(login, "refresh_token").Value

	r1 := e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+first).Want(t, 200)
	second := cookieOf(r1, "refresh_token").Value
	if second == "" || second == first {
		t.Fatal("refresh did not rotate the token")
	}
	tok := r1.JSON["token"].(string)
	e.Do("GET", "/api/auth/me", tok, nil).Want(t, 200)
	// Non-browser clients may send the token in the body.
	r2 := e.Do("POST", "/api/auth/refresh", "", map[string]string{"refresh_token": second}).Want(t, 200)
	third := cookieOf(r2, "refresh_token").Value

	// Replaying a rotated token revokes the family: even the newest dies.
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+first).Want(t, 401)
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+third).Want(t, 401)

	// Logout ends a fresh session.
	login = e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
	rt := cookieOf(login, "refresh_token").Value
	out := e.Do("POST", "/api/auth/logout", "", nil, "Cookie: refresh_token="+rt).Want(t, 200)
	if c := cookieOf(out, "refresh_token"); c == nil || c.MaxAge >= 0 {
		t.Fatal("logout did not clear the refresh cookie")
	}
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+rt).Want(t, 401)
	e.Do("POST", "/api/auth/refresh", "", nil).Want(t, 401)
}

func TestMeVerifyAndRealms(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	me := e.Do("GET", "/api/auth/me", tok, nil).Want(t, 200)
	if me.JSON["user"].(map[string]any)["tenant_key"] != "alpha" || me.Data()["email"] != "ceo@alpha.test" {
		t.Fatalf("me = %s", me.Raw)
	}
	v := e.Do("GET", "/api/tenant/auth/verify", tok, nil).Want(t, 200)
	if v.JSON["valid"] != true {
		t.Fatalf("verify = %s", v.Raw)
	}
	e.Do("GET", "/api/tenant/auth/verify", "", nil).Want(t, 401)
	e.Do("GET", "/api/admin/auth/verify", tok, nil).Want(t, 403)

	a := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200)
	if a.Data()["admin"].(map[string]any)["username"] != "admin" || cookieOf(a, "admin_token") == nil {
		t.Fatalf("admin login = %s", a.Raw)
	}
	at := a.JSON["token"].(string)
	if e.Do("GET", "/api/admin/auth/verify", at, nil).Want(t, 200).JSON["valid"] != true {
		t.Fatal("admin verify")
	}
	e.Do("GET", "/api/auth/me", at, nil).Want(t, 403)
	e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": "nope-nope"}).Want(t, 401)
	// The Rabin cookies authenticate too.
	e.Do("GET", "/api/admin/auth/verify", "", nil, "Cookie: admin_token="+at).Want(t, 200)
	e.Do("GET", "/api/auth/me", "", nil, "Cookie: tenant_token="+tok).Want(t, 200)
}

// Refresh accepts the token in the body, so logout must revoke a token
// sent that way too, not only the cookie.
func TestLogoutRevokesTheTokenItWasGiven(t *testing.T) {
	e := apitest.New(t)
	login := func() string {
		r := e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 200)
		return cookieOf(r, "refresh_token").Value
	}
	body := login()
	e.Do("POST", "/api/auth/logout", "", map[string]string{"refresh_token": body}).Want(t, 200)
	e.Do("POST", "/api/auth/refresh", "", map[string]string{"refresh_token": body}).Want(t, 401)

	// Both forms at once, of two sessions: both end.
	cookie, body := login(), login()
	e.Do("POST", "/api/tenant/auth/logout", "", map[string]string{"refresh_token": body}, "Cookie: refresh_token="+cookie).Want(t, 200)
	e.Do("POST", "/api/auth/refresh", "", nil, "Cookie: refresh_token="+cookie).Want(t, 401)
	e.Do("POST", "/api/auth/refresh", "", map[string]string{"refresh_token": body}).Want(t, 401)
}
