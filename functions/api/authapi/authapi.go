// Package authapi is the auth route group: logins of the three realms,
// refresh with rotation, logout, me and verify.
package authapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// Deps are what the auth routes use.
type Deps struct {
	Control *tenancy.ControlPlane
	Tokens  *auth.Tokens
	Refresh *auth.RefreshTokens
	Resets  *auth.ResetTokens
	Mail    mail.Sender
	Limiter httpapi.Limiter // login and forgot-password limits (always on)
	Origins []string        // origins trusted besides the API's own host
	AppURL  string          // the SPA, for links in emails
	// Background runs work after the answer (the reset email); nil where
	// the process may freeze after responding (Lambda).
	Background func(func(ctx context.Context))
}

// RefreshCookie carries the refresh token; scoped to the auth paths.
const RefreshCookie = "refresh_token"

// UserView is a tenant user as login, me and verify show it.
type UserView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Email        string       `json:"email"`
	Phone        string       `json:"phone"`
	Role         string       `json:"role"`
	Status       string       `json:"status"`
	Avatar       *string      `json:"avatar"`
	Locale       string       `json:"locale"`
	Timezone     string       `json:"timezone"`
	TenantKey    string       `json:"tenant_key"`
	Organization Organization `json:"organization"`
	Modules      []string     `json:"modules"`
	Permissions  []string     `json:"permissions"`
}

// Organization is the tenant as a user sees it.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Key  string `json:"tenant_key"`
}

// AdminView is a SaaS admin.
type AdminView struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     string `json:"role"`
}

func userView(u *users.User, t *tenancy.Tenant) UserView {
	return UserView{ID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Role: u.Role, Status: u.Status,
		Locale: u.Locale, Timezone: u.Timezone, TenantKey: t.Key,
		Organization: Organization{ID: t.ID, Name: t.CompanyName, Key: t.Key},
		Modules:      u.EffectiveModules(), Permissions: u.Permissions()}
}

// TokenData is IshYar's token block, with the account.
type TokenData[T any] struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	User        *T     `json:"user,omitempty"`
	Admin       *T     `json:"admin,omitempty"`
}

// LoginBody answers both seeds with one copy of each thing: Rabin reads
// the token at the top, IshYar reads data.access_token; the account is
// data.user (or data.admin).
type LoginBody[T any] struct {
	Success bool         `json:"success"`
	Message string       `json:"message"`
	Token   string       `json:"token"`
	Data    TokenData[T] `json:"data"`
}

// LoginOutput sets the cookies with the body, and the login limit's
// headers.
type LoginOutput[T any] struct {
	SetCookie      []http.Cookie `header:"Set-Cookie"`
	RateLimit      string        `header:"X-RateLimit-Limit"`
	RateRemaining  string        `header:"X-RateLimit-Remaining"`
	RateLimitReset string        `header:"X-RateLimit-Reset"`
	Body           LoginBody[T]
}

func (o *LoginOutput[T]) rate(d *httpapi.Decision) *LoginOutput[T] {
	if o != nil && d != nil {
		o.RateLimit, o.RateRemaining, o.RateLimitReset = fmt.Sprint(d.Limit), fmt.Sprint(d.Remaining), fmt.Sprint(d.Reset.Unix())
	}
	return o
}

// clientInfo captures what cookie flags, rate limits and the CSRF check
// depend on.
type clientInfo struct {
	host    string
	secure  bool
	ip      string
	origin  string
	referer string
}

func (c *clientInfo) Resolve(ctx huma.Context) []error {
	c.host = ctx.Host()
	c.origin, c.referer = ctx.Header("Origin"), ctx.Header("Referer")
	c.ip = httpapi.ClientIP(ctx)
	h, _, err := net.SplitHostPort(c.host)
	if err != nil {
		h = c.host
	}
	local := h == "localhost" || h == "127.0.0.1" || h == "::1"
	// Secure everywhere except plain-http development on the loopback.
	c.secure = !(local && ctx.Header("X-Forwarded-Proto") != "https" && ctx.TLS() == nil)
	return nil
}

// TenantLoginInput is Rabin's tenant login.
type TenantLoginInput struct {
	clientInfo
	Body struct {
		TenantKey string `json:"tenant_key" minLength:"1" maxLength:"40"`
		Email     string `json:"email" format:"email" maxLength:"254"`
		Password  string `json:"password" minLength:"1" maxLength:"256"`
	}
}

// LoginInput is the common login: the tenant from the body, X-Tenant-Key,
// or the login index.
type LoginInput struct {
	clientInfo
	TenantHeader string `header:"X-Tenant-Key"`
	Body         struct {
		Email     string `json:"email" format:"email" maxLength:"254"`
		Password  string `json:"password" minLength:"1" maxLength:"256"`
		TenantKey string `json:"tenant_key,omitempty" maxLength:"40"`
		Remember  bool   `json:"remember,omitempty"`
	}
}

// AdminLoginInput is the SaaS admin login.
type AdminLoginInput struct {
	clientInfo
	Body struct {
		Username string `json:"username" minLength:"1" maxLength:"100"`
		Password string `json:"password" minLength:"1" maxLength:"256"`
	}
}

// RefreshInput takes the refresh token from the cookie, or from the body
// for clients that are not browsers.
type RefreshInput struct {
	clientInfo
	Cookie string `cookie:"refresh_token"`
	Body   *struct {
		RefreshToken string `json:"refresh_token,omitempty"`
	}
}

// LogoutOutput clears the cookies.
type LogoutOutput struct {
	SetCookie []http.Cookie `header:"Set-Cookie"`
	Body      httpapi.Envelope[any]
}

// VerifyBody is Rabin's verify answer.
type VerifyBody[T any] struct {
	Body struct {
		Success bool `json:"success"`
		Valid   bool `json:"valid"`
		User    *T   `json:"user,omitempty"`
		Admin   *T   `json:"admin,omitempty"`
		Data    *T   `json:"data"`
	}
}

// MeBody is GET /api/auth/me.
type MeBody struct {
	Body struct {
		Success bool     `json:"success"`
		User    UserView `json:"user"`
		Data    UserView `json:"data"`
	}
}

func badCredentials() error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the email or password is incorrect", Key: "bad-credentials"}
}

// Register mounts the auth routes.
func Register(s *httpapi.Server, d Deps) {
	tags := []string{"Auth"}
	login := httpapi.Route{Method: http.MethodPost, Realm: httpapi.Public, Tags: tags, RateClass: "login"}

	r := login
	r.Path, r.ID, r.Summary = "/api/auth/login", "login", "Log in a tenant user (tenant from tenant_key, X-Tenant-Key or the email)"
	httpapi.Register(s, r, func(ctx context.Context, in *LoginInput) (*LoginOutput[UserView], error) {
		key := strings.TrimSpace(in.Body.TenantKey)
		if key == "" {
			key = strings.TrimSpace(in.TenantHeader)
		}
		return d.tenantLogin(ctx, &in.clientInfo, key, in.Body.Email, in.Body.Password)
	})

	r = login
	r.Path, r.ID, r.Summary = "/api/tenant/auth/login", "tenant-login", "Log in a tenant user with tenant key, email and password"
	httpapi.Register(s, r, func(ctx context.Context, in *TenantLoginInput) (*LoginOutput[UserView], error) {
		return d.tenantLogin(ctx, &in.clientInfo, strings.TrimSpace(in.Body.TenantKey), in.Body.Email, in.Body.Password)
	})

	r = login
	r.Path, r.ID, r.Summary = "/api/admin/auth/login", "admin-login", "Log in a SaaS admin"
	httpapi.Register(s, r, func(ctx context.Context, in *AdminLoginInput) (*LoginOutput[AdminView], error) {
		return d.adminLogin(ctx, &in.clientInfo, in.Body.Username, in.Body.Password)
	})

	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/auth/refresh", ID: "refresh", Tags: tags, Realm: httpapi.Public,
		Summary: "Exchange the refresh token (cookie) for a new access token; the refresh token rotates"},
		func(ctx context.Context, in *RefreshInput) (*LoginOutput[UserView], error) {
			if err := d.checkOrigin(&in.clientInfo); err != nil {
				return nil, err
			}
			token := in.Cookie
			if token == "" && in.Body != nil {
				token = in.Body.RefreshToken
			}
			return d.refresh(ctx, &in.clientInfo, token)
		})

	for _, p := range []struct{ path, id string }{
		{"/api/auth/logout", "logout"}, {"/api/tenant/auth/logout", "tenant-logout"}, {"/api/admin/auth/logout", "admin-logout"},
	} {
		httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: p.path, ID: p.id, Tags: tags, Realm: httpapi.Public,
			Summary: "End the session: revoke the refresh token family (of the cookie and/or the body's refresh_token) and clear the cookies"},
			func(ctx context.Context, in *RefreshInput) (*LogoutOutput, error) {
				if err := d.checkOrigin(&in.clientInfo); err != nil {
					return nil, err
				}
				// Revoke whatever the client presented: the cookie, the body
				// form that refresh also accepts, or both.
				if err := d.Refresh.Revoke(ctx, in.Cookie); err != nil {
					return nil, err
				}
				if in.Body != nil && in.Body.RefreshToken != in.Cookie {
					if err := d.Refresh.Revoke(ctx, in.Body.RefreshToken); err != nil {
						return nil, err
					}
				}
				out := &LogoutOutput{Body: httpapi.Envelope[any]{Success: true, Message: "logged out"}}
				for _, c := range []string{RefreshCookie, "auth-token", "tenant_token", "admin_token"} {
					out.SetCookie = append(out.SetCookie, cookie(&in.clientInfo, c, "", -1))
				}
				return out, nil
			})
	}

	registerAccount(s, d)

	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/auth/me", ID: "me", Tags: tags, Realm: httpapi.TenantUsers, Ungated: true,
		Summary: "The current user"},
		func(ctx context.Context, _ *struct{}) (*MeBody, error) {
			u, t, err := d.currentUser(ctx)
			if err != nil {
				return nil, err
			}
			out := &MeBody{}
			out.Body.Success, out.Body.User, out.Body.Data = true, userView(u, t), userView(u, t)
			return out, nil
		})

	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/tenant/auth/verify", ID: "tenant-verify", Tags: tags, Realm: httpapi.TenantUsers, Ungated: true,
		Summary: "Check the tenant token"},
		func(ctx context.Context, _ *struct{}) (*VerifyBody[UserView], error) {
			u, t, err := d.currentUser(ctx)
			if err != nil {
				return nil, err
			}
			v := userView(u, t)
			out := &VerifyBody[UserView]{}
			out.Body.Success, out.Body.Valid, out.Body.User, out.Body.Data = true, true, &v, &v
			return out, nil
		})

	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/admin/auth/verify", ID: "admin-verify", Tags: tags, Realm: httpapi.AdminOnly,
		Summary: "Check the admin token"},
		func(ctx context.Context, _ *struct{}) (*VerifyBody[AdminView], error) {
			p := auth.PrincipalFrom(ctx)
			v := AdminView{ID: p.Subject, Username: p.Name, Name: p.Name, Email: p.Email, Role: "saas_admin"}
			out := &VerifyBody[AdminView]{}
			out.Body.Success, out.Body.Valid, out.Body.Admin, out.Body.Data = true, true, &v, &v
			return out, nil
		})
}

func cookie(ci *clientInfo, name, value string, maxAge int) http.Cookie {
	path := "/"
	if name == RefreshCookie {
		path = "/api"
	}
	return http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: ci.secure, SameSite: http.SameSiteLaxMode}
}

// session issues the access token and the cookies for a principal.
func session[T any](ci *clientInfo, tokens *auth.Tokens, p *auth.Principal, refresh string, view T, msg string) (*LoginOutput[T], error) {
	access, _, err := tokens.Issue(p)
	if err != nil {
		return nil, err
	}
	out := &LoginOutput[T]{}
	out.Body = LoginBody[T]{Success: true, Message: msg, Token: access,
		Data: TokenData[T]{AccessToken: access, TokenType: "bearer", ExpiresIn: int(auth.AccessTTL / time.Second)}}
	accessCookies := auth.AccessCookies[p.Realm]
	if p.Realm == auth.RealmAdmin {
		out.Body.Data.Admin = &view
	} else {
		out.Body.Data.User = &view
	}
	out.SetCookie = append(out.SetCookie, cookie(ci, RefreshCookie, refresh, int(auth.RefreshTTL/time.Second)))
	for _, name := range accessCookies {
		out.SetCookie = append(out.SetCookie, cookie(ci, name, access, int(auth.AccessTTL/time.Second)))
	}
	return out, nil
}

func principalOf(u *users.User, t *tenancy.Tenant, family string) *auth.Principal {
	return &auth.Principal{Realm: auth.RealmTenant, Subject: u.ID, Name: u.Name, Email: u.Email, TenantKey: t.Key,
		TenantID: t.ID, Role: u.Role, Modules: u.EffectiveModules(), SessionID: family}
}

func (d Deps) tenantLogin(ctx context.Context, ci *clientInfo, key, email, password string) (*LoginOutput[UserView], error) {
	dec, err := d.take(ctx, "login", ci.ip+"|"+strings.ToLower(strings.TrimSpace(email)), LoginPerMinute)
	if err != nil {
		return nil, err
	}
	out, err := d.tenantLoginChecked(ctx, ci, key, email, password)
	return out.rate(dec), err
}

func (d Deps) tenantLoginChecked(ctx context.Context, ci *clientInfo, key, email, password string) (*LoginOutput[UserView], error) {
	if key == "" {
		keys, err := d.Control.TenantsForEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		switch len(keys) {
		case 0:
			auth.EqualizeTiming(password)
			return nil, badCredentials()
		case 1:
			key = keys[0]
		default:
			return nil, chooseOrganization(ctx, d.Control, keys, email, password)
		}
	}
	t, u, err := d.checkUser(ctx, key, email, password)
	if err != nil {
		return nil, err
	}
	refresh, sess, err := d.Refresh.Start(ctx, auth.Session{Realm: auth.RealmTenant, Subject: u.ID, TenantKey: t.Key})
	if err != nil {
		return nil, err
	}
	return session(ci, d.Tokens, principalOf(u, t, sess.Family), refresh, userView(u, t), "login successful")
}

// checkUser verifies a tenant user's password; every failure looks the same.
func (d Deps) checkUser(ctx context.Context, key, email, password string) (*tenancy.Tenant, *users.User, error) {
	t, err := d.Control.Tenant(ctx, key)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			auth.EqualizeTiming(password)
			return nil, nil, badCredentials()
		}
		return nil, nil, err
	}
	u, err := (users.Repo{}).ByEmail(ctx, d.Control.TableFor(key), email)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			auth.EqualizeTiming(password)
			return nil, nil, badCredentials()
		}
		return nil, nil, err
	}
	if !auth.CheckPassword(u.PasswordHash, password) || u.Status != "active" {
		return nil, nil, badCredentials()
	}
	// A suspended or expired organization's users may still log in (to
	// see billing information); every other route answers 402/403.
	if t.Status != tenancy.StatusActive && t.Status != tenancy.StatusSuspended {
		return nil, nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization is not active", Key: "tenant-unknown"}
	}
	return t, u, nil
}

// chooseOrganization answers a login whose email is in several tenants:
// 409 with the organizations where the password is right.
func chooseOrganization(ctx context.Context, c *tenancy.ControlPlane, keys []string, email, password string) error {
	var orgs []map[string]string
	for _, k := range keys {
		t, err := c.Tenant(ctx, k)
		if err != nil {
			continue
		}
		u, err := (users.Repo{}).ByEmail(ctx, c.TableFor(k), email)
		if err != nil || !auth.CheckPassword(u.PasswordHash, password) {
			continue
		}
		orgs = append(orgs, map[string]string{"tenant_key": t.Key, "name": t.CompanyName})
	}
	if len(orgs) == 0 {
		return badCredentials()
	}
	p := httpapi.NewProblem(ctx, http.StatusConflict, "this email belongs to several organizations; log in again with one of their tenant_key values")
	p.Extra = map[string]any{"organizations": orgs}
	return p
}

func (d Deps) adminLogin(ctx context.Context, ci *clientInfo, username, password string) (*LoginOutput[AdminView], error) {
	dec, err := d.take(ctx, "admin-login", ci.ip+"|"+strings.ToLower(username), LoginPerMinute)
	if err != nil {
		return nil, err
	}
	out, err := d.adminLoginChecked(ctx, ci, username, password)
	return out.rate(dec), err
}

func (d Deps) adminLoginChecked(ctx context.Context, ci *clientInfo, username, password string) (*LoginOutput[AdminView], error) {
	a, err := d.Control.Admin(ctx, username)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			auth.EqualizeTiming(password)
			return nil, badCredentials()
		}
		return nil, err
	}
	if !auth.CheckPassword(a.PasswordHash, password) {
		return nil, badCredentials()
	}
	refresh, sess, err := d.Refresh.Start(ctx, auth.Session{Realm: auth.RealmAdmin, Subject: a.Username})
	if err != nil {
		return nil, err
	}
	p := &auth.Principal{Realm: auth.RealmAdmin, Subject: a.Username, Name: a.Name, Email: a.Email, Role: "saas_admin", SessionID: sess.Family}
	return session(ci, d.Tokens, p, refresh, AdminView{ID: a.ID, Username: a.Username, Name: a.Name, Email: a.Email, Role: "saas_admin"}, "login successful")
}

// refresh rotates the token and re-reads the account, so a changed role or
// a disabled account takes effect at the next refresh.
func (d Deps) refresh(ctx context.Context, ci *clientInfo, token string) (*LoginOutput[UserView], error) {
	next, sess, err := d.Refresh.Rotate(ctx, token)
	if err != nil {
		return nil, err
	}
	if sess.Realm == auth.RealmAdmin {
		a, err := d.Control.Admin(ctx, sess.Subject)
		if err != nil {
			return nil, badCredentials()
		}
		p := &auth.Principal{Realm: auth.RealmAdmin, Subject: a.Username, Name: a.Name, Email: a.Email, Role: "saas_admin", SessionID: sess.Family}
		return session(ci, d.Tokens, p, next, UserView{ID: a.ID, Name: a.Name, Email: a.Email, Role: "saas_admin"}, "token refreshed")
	}
	t, err := d.Control.Tenant(ctx, sess.TenantKey)
	if err != nil || (t.Status != tenancy.StatusActive && t.Status != tenancy.StatusSuspended) {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the organization is not active", Key: "tenant-unknown"}
	}
	u, err := (users.Repo{}).Get(ctx, d.Control.TableFor(t.Key), sess.Subject)
	if err != nil || u.Status != "active" {
		return nil, badCredentials()
	}
	return session(ci, d.Tokens, principalOf(u, t, sess.Family), next, userView(u, t), "token refreshed")
}

func (d Deps) currentUser(ctx context.Context) (*users.User, *tenancy.Tenant, error) {
	p := auth.PrincipalFrom(ctx)
	t, err := d.Control.Tenant(ctx, p.TenantKey)
	if err != nil {
		return nil, nil, err
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	u, err := (users.Repo{}).Get(ctx, table, p.Subject)
	return u, t, err
}
