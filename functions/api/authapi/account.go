package authapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	mailer "payvand.dev/shared/mail"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// TrialDays is the subscription of a self-registered organization.
const TrialDays = 14

// RegisterInput is IshYar's registration: a new organization and its
// first user.
type RegisterInput struct {
	clientInfo
	Body struct {
		Name                 string `json:"name" minLength:"1" maxLength:"200"`
		Email                string `json:"email" maxLength:"254"`
		Password             string `json:"password" maxLength:"256"`
		PasswordConfirmation string `json:"password_confirmation" maxLength:"256"`
		OrganizationName     string `json:"organization_name,omitempty" maxLength:"200" doc:"Required, under this name or Rabin's company_name"`
		CompanyName          string `json:"company_name,omitempty" maxLength:"200" doc:"Rabin's name of organization_name"`
		Locale               string `json:"locale,omitempty" enum:"fa,en"`
		TenantKey            string `json:"tenant_key,omitempty" maxLength:"40" doc:"Chosen from the organization name when absent."`
	}
}

// ForgotInput asks for a reset email.
type ForgotInput struct {
	clientInfo
	TenantHeader string `header:"X-Tenant-Key"`
	Body         struct {
		Email     string `json:"email" maxLength:"254"`
		TenantKey string `json:"tenant_key,omitempty" maxLength:"40"`
	}
}

// ResetInput sets a new password with a token.
type ResetInput struct {
	Body struct {
		Email                string `json:"email" maxLength:"254"`
		Token                string `json:"token" minLength:"1" maxLength:"200" doc:"From the reset email, or from an invitation link"`
		Password             string `json:"password" maxLength:"256"`
		PasswordConfirmation string `json:"password_confirmation" maxLength:"256"`
	}
}

// AcceptInput chooses the first password of an invited user.
type AcceptInput struct {
	Body struct {
		Token                string `json:"token" minLength:"1" maxLength:"200" doc:"The token query parameter of the invitation link ${AppURL}/accept-invitation?token=…&tenant=<key>&email=…"`
		Password             string `json:"password" maxLength:"256"`
		PasswordConfirmation string `json:"password_confirmation" maxLength:"256"`
		Email                string `json:"email,omitempty" maxLength:"254" doc:"Optional; when sent, it must be the invited email"`
	}
}

// PermissionsBody is GET /api/auth/permissions.
type PermissionsBody struct {
	Body struct {
		Success     bool     `json:"success"`
		Permissions []string `json:"permissions"`
		Data        struct {
			Role        string   `json:"role"`
			Modules     []string `json:"modules"`
			Permissions []string `json:"permissions"`
		} `json:"data"`
	}
}

func registerAccount(s *httpapi.Server, d Deps) {
	tags := []string{"Auth"}
	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/auth/register", ID: "register", Tags: tags, Realm: httpapi.Public,
		Status: http.StatusCreated, RateClass: "login", Summary: "Create an organization (tenant) and its first user, and log in"},
		func(ctx context.Context, in *RegisterInput) (*LoginOutput[UserView], error) {
			return d.register(ctx, in)
		})

	generic := "if the email belongs to an account, a reset link is on its way"
	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/auth/forgot-password", ID: "forgot-password", Tags: tags,
		Realm: httpapi.Public, RateClass: "forgot", Summary: "Email a password-reset token (the answer never tells whether the email exists)"},
		func(ctx context.Context, in *ForgotInput) (*httpapi.Body[any], error) {
			email := users.NormalizeEmail(in.Body.Email)
			if err := d.limit(ctx, "forgot", in.ip+"|"+email, ForgotPerMinute); err != nil {
				return nil, err
			}
			key := strings.TrimSpace(in.Body.TenantKey)
			if key == "" {
				key = strings.TrimSpace(in.TenantHeader)
			}
			d.forgot(ctx, key, email)
			return httpapi.OK[any](nil, generic), nil
		})

	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/auth/reset-password", ID: "reset-password", Tags: tags,
		Realm: httpapi.Public, RateClass: "forgot", Summary: "Set a new password with the emailed token; ends every session of the account"},
		func(ctx context.Context, in *ResetInput) (*httpapi.Body[any], error) {
			b := in.Body
			if err := d.setPassword(ctx, b.Token, users.NormalizeEmail(b.Email), b.Password, b.PasswordConfirmation); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "password changed; log in with the new password"), nil
		})

	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/auth/accept-invitation", ID: "accept-invitation", Tags: tags,
		Realm: httpapi.Public, RateClass: "forgot",
		Summary: "Choose the first password with the token of an invitation link",
		Description: "An invitation email (new user, new organization's CEO, re-sent invitation) links to " +
			"`${AppURL}/accept-invitation?token=…&tenant=<key>&email=…`; the SPA posts that token here with the chosen password. " +
			"The link works once, for 72 hours, and a re-sent invitation replaces it; afterwards log in with the password. " +
			"The same as reset-password, without the email."},
		func(ctx context.Context, in *AcceptInput) (*httpapi.Body[any], error) {
			b := in.Body
			email := users.NormalizeEmail(b.Email)
			if err := d.setPassword(ctx, b.Token, email, b.Password, b.PasswordConfirmation); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "password set; log in with it"), nil
		})

	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/auth/permissions", ID: "permissions", Tags: tags,
		Realm: httpapi.TenantUsers, Ungated: true, Summary: "The current user's permissions (module.action strings)"},
		func(ctx context.Context, _ *struct{}) (*PermissionsBody, error) {
			u, _, err := d.currentUser(ctx)
			if err != nil {
				return nil, err
			}
			out := &PermissionsBody{}
			out.Body.Success, out.Body.Permissions = true, u.Permissions()
			out.Body.Data.Role, out.Body.Data.Modules, out.Body.Data.Permissions = u.Role, u.EffectiveModules(), u.Permissions()
			return out, nil
		})
}

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e
}

func (d Deps) register(ctx context.Context, in *RegisterInput) (*LoginOutput[UserView], error) {
	b := in.Body
	email := users.NormalizeEmail(b.Email)
	if err := d.limit(ctx, "register", in.ip, LoginPerMinute); err != nil {
		return nil, err
	}
	f := crm.FieldErrors{}
	if !validEmail(email) {
		f.Add("email", "must be a valid email address")
	}
	if strings.TrimSpace(b.OrganizationName) == "" {
		b.OrganizationName = b.CompanyName
	}
	if strings.TrimSpace(b.OrganizationName) == "" {
		f.Add("organization_name", "required")
	}
	if b.TenantKey != "" && !tenancy.ValidTenantKey(b.TenantKey) {
		f.Add("tenant_key", "use 3-40 lowercase letters, digits or dashes")
	}
	if err := auth.CheckPasswordPolicy(b.Password, b.PasswordConfirmation, email, b.Name); err != nil {
		for k, v := range err.(*crm.Error).Fields {
			f[k] = append(f[k], v...)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// An email may belong to users of several organizations (the login
	// index lists them all), so a known email is no reason to refuse, and
	// the answer must not tell whether it has an account: only a taken
	// tenant key is a conflict.
	hash, err := auth.HashPassword(b.Password)
	if err != nil {
		return nil, err
	}
	end := time.Now().UTC().AddDate(0, 0, TrialDays)
	n := tenancy.NewTenant{CompanyName: strings.TrimSpace(b.OrganizationName), Plan: "trial", AdminName: strings.TrimSpace(b.Name),
		AdminEmail: email, AdminPasswordHash: hash, AdminLocale: b.Locale, SubscriptionEnd: &end}
	var t *tenancy.Tenant
	var u *users.User
	// A chosen key that is taken is the caller's conflict; a derived one
	// gets a suffix and another try.
	for attempt := 0; attempt < 4; attempt++ {
		n.Key = b.TenantKey
		if n.Key == "" {
			n.Key = deriveKey(b.OrganizationName, attempt)
		}
		t, u, err = d.Control.Provision(ctx, n)
		if crm.ErrorCode(err) != crm.ECONFLICT || b.TenantKey != "" {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	refresh, sess, err := d.Refresh.Start(ctx, auth.Session{Realm: auth.RealmTenant, Subject: u.ID, TenantKey: t.Key})
	if err != nil {
		return nil, err
	}
	return session(&in.clientInfo, d.Tokens, principalOf(u, t, sess.Family), refresh, userView(u, t), "organization created")
}

// deriveKey makes a tenant key from an organization name: its Latin
// letters and digits, or "org" for names without any, plus a random
// suffix after the first attempt.
func deriveKey(name string, attempt int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	key := strings.Trim(b.String(), "-")
	if len(key) > 30 {
		key = strings.Trim(key[:30], "-")
	}
	if len(key) < 3 {
		key = "org"
		attempt = max(attempt, 1)
	}
	if attempt > 0 {
		key += "-" + strings.ToLower(strings.Map(func(r rune) rune {
			if r == '-' || r == '_' {
				return 'x'
			}
			return r
		}, auth.RandomSecret(4)[:5]))
	}
	return key
}

// resetMailTimeout bounds the reset email sent after the answer.
const resetMailTimeout = 30 * time.Second

// forgot sends the reset email, if the account exists, so that the answer
// takes as long either way. Where the process outlives its answers
// (Background is set: the local runner), the mail goes off the request
// path with a detached context and its own timeout. On Lambda (Background
// is nil) the process may freeze right after responding, so the mail is
// sent inline, and an unknown account spends the time of a password hash
// instead (about what the token write and the mail provider call cost).
func (d Deps) forgot(ctx context.Context, key, email string) {
	if d.Background != nil {
		job := store.WithoutStats(context.WithoutCancel(ctx))
		d.Background(func(context.Context) {
			defer func() {
				if v := recover(); v != nil {
					slog.ErrorContext(job, "password reset email panicked", "panic", v)
				}
			}()
			ctx, cancel := context.WithTimeout(job, resetMailTimeout)
			defer cancel()
			if _, err := d.sendReset(ctx, key, email); err != nil {
				slog.ErrorContext(ctx, "password reset email", "err", err)
			}
		})
		return
	}
	sent, err := d.sendReset(ctx, key, email)
	if err != nil {
		// Logged, never shown: the answer must not depend on the account.
		slog.ErrorContext(ctx, "password reset email", "err", err)
	}
	if sent == 0 {
		auth.EqualizeTiming(email)
	}
}

// sendReset emails a reset token to each account of the email (in the
// tenant of key, or in every tenant of the login index) and returns how
// many it sent; an unknown account is silently skipped.
func (d Deps) sendReset(ctx context.Context, key, email string) (int, error) {
	keys := []string{key}
	if key == "" {
		var err error
		if keys, err = d.Control.TenantsForEmail(ctx, email); err != nil {
			return 0, err
		}
	}
	sent := 0
	for _, k := range keys {
		t, err := d.Control.Tenant(ctx, k)
		if err != nil {
			continue
		}
		u, err := (users.Repo{}).ByEmail(ctx, d.Control.TableFor(k), email)
		if err != nil {
			continue
		}
		token, err := d.Resets.Issue(ctx, auth.PasswordReset, auth.RealmTenant, k, u.ID)
		if err != nil {
			return sent, err
		}
		link := strings.TrimRight(d.AppURL, "/") + "/reset-password?" + url.Values{"token": {token}, "email": {email}}.Encode()
		subject, text, html, err := mailer.Render("reset-password", u.Locale, map[string]any{
			"Name": u.Name, "Organization": t.CompanyName, "Token": token, "Link": link, "ValidMinutes": int(auth.ResetTTL.Minutes())})
		if err != nil {
			return sent, err
		}
		if _, err := d.Mail.Send(ctx, mailer.Message{To: []string{email}, Subject: subject, Text: text, HTML: html, Template: "reset-password", Tenant: k}); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// setPassword redeems a reset or invitation token: the account's password
// becomes password, every session of the account ends and no earlier link
// works any more. email, when not empty, must be the account's.
//
// There is no email-verified flag on users; if one is added, a redeemed
// invitation (which proves the mailbox) is where to set it.
func (d Deps) setPassword(ctx context.Context, token, email, password, confirmation string) error {
	sess, err := d.Resets.Peek(ctx, token)
	if err != nil {
		return err
	}
	table := d.Control.TableFor(sess.TenantKey)
	u, err := (users.Repo{}).Get(ctx, table, sess.Subject)
	if err != nil || (email != "" && u.Email != email) || u.Status == users.StatusDeleted {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the reset token is invalid or has expired",
			Fields: map[string][]string{"token": {"the reset token is invalid or has expired"}}}
	}
	if err := auth.CheckPasswordPolicy(password, confirmation, u.Email, u.Name); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	// Consume first: of two concurrent resets with one token, one wins.
	if err := d.Resets.Consume(ctx, token); err != nil {
		return err
	}
	if err := (users.Repo{}).SetPassword(ctx, table, u.ID, hash); err != nil {
		return err
	}
	if err := d.Resets.Forget(ctx, auth.RealmTenant, sess.TenantKey, u.ID); err != nil {
		return err
	}
	return d.Refresh.RevokeAll(ctx, auth.RealmTenant, sess.TenantKey, u.ID)
}
