// Package emailsettingsapi is the tenant's mail provider configuration
// and the connection checks of the e-mail route group: GET
// /api/settings/email, POST /api/settings/email/configure and /test,
// POST /api/email/test-connection and /test-oauth, and GET /api/Gmail.
// It is mounted into the email Lambda beside emailapi.
//
// A check that ran answers 200 with {success, message, data}: success
// tells whether the provider accepted, message why not, in words for the
// person configuring mail (Rabin's {success, message}). Problems are kept
// for what is wrong with the request itself (401, 403, 422 …), so a
// client never has to tell "your SMTP password is wrong" from "you may
// not ask".
package emailsettingsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/awssign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/mail/smtpmail"
	"payvand.dev/shared/mailsettings"
	"payvand.dev/shared/store"
)

// Mount is the settings part of the e-mail route group.
func Mount() app.Mount {
	return app.Mount{Name: "email", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

// CheckTimeout bounds one connection check.
const CheckTimeout = 10 * time.Second

// EmailSettings is the tenant's mail configuration as shown: never a secret.
type EmailSettings struct {
	mailsettings.View
	UpdatedAtJalali string `json:"updated_at_jalali,omitempty"`
}

// SettingsBody is the envelope with Rabin's {provider, configured} also
// at the top.
type SettingsBody struct {
	Body struct {
		httpapi.Envelope[EmailSettings]
		Provider   string `json:"provider" doc:"Same as data.provider (Rabin's clients read it here)"`
		Configured bool   `json:"configured" doc:"Same as data.configured"`
	}
}

// Credentials are the provider's settings.
type Credentials struct {
	From     string  `json:"from,omitempty" maxLength:"400" doc:"The From address, e.g. Alpha Co <sales@alpha.example>. ses: on the platform's verified domain (empty: the platform's address)"`
	Host     string  `json:"host,omitempty" maxLength:"253" doc:"smtp: the server's host name"`
	Port     int     `json:"port,omitempty" minimum:"0" maximum:"65535" doc:"smtp: default 587 (465 with security tls)"`
	Username string  `json:"username,omitempty" maxLength:"320" doc:"smtp: the AUTH PLAIN user (empty: no authentication)"`
	Password *string `json:"password,omitempty" maxLength:"1024" doc:"smtp: stored encrypted, never shown. Left out, the stored password is kept while host and username stay the same"`
	Security string  `json:"security,omitempty" doc:"smtp: starttls (default), tls (implicit, port 465) or none (only a server on this machine, locally)"`
	// Encryption is another name of security (ssl = tls).
	Encryption string `json:"encryption,omitempty" doc:"Another name of security; ssl means tls"`
}

// ConfigureInput is Rabin's {provider, credentials}.
type ConfigureInput struct {
	Body struct {
		Provider    string      `json:"provider" maxLength:"20" doc:"ses (the platform's sender) or smtp (your own server); any case"`
		Credentials Credentials `json:"credentials,omitempty"`
	}
}

// ConnectionCheck is the outcome of a connection check.
type ConnectionCheck struct {
	Provider  string      `json:"provider" doc:"ses, smtp or sms provider name"`
	Delivery  string      `json:"delivery" doc:"Where messages go: ses, smtp, or outbox (local mode: nothing leaves the machine)"`
	Server    string      `json:"server,omitempty" doc:"smtp: host:port checked"`
	Stage     string      `json:"stage,omitempty" doc:"smtp: the step that failed (connect, tls, starttls, ehlo, auth …)"`
	SES       *SESAccount `json:"ses,omitempty" doc:"ses on AWS: what GetAccount reports of the platform's sending account"`
	CheckedAt time.Time   `json:"checked_at"`
	// CheckedAtJalali is the twin of checked_at.
	CheckedAtJalali string `json:"checked_at_jalali"`
}

// SESAccount is the sending account's state.
type SESAccount struct {
	SendingEnabled    bool    `json:"sending_enabled"`
	ProductionAccess  bool    `json:"production_access" doc:"false: the SES sandbox (only verified recipients)"`
	EnforcementStatus string  `json:"enforcement_status,omitempty"`
	Max24HourSend     float64 `json:"max_24_hour_send"`
	MaxSendRate       float64 `json:"max_send_rate" doc:"Messages a second"`
	SentLast24Hours   float64 `json:"sent_last_24_hours"`
}

// ConnectionCheckAnswer is Rabin's {success, message} with the details in data.
type ConnectionCheckAnswer struct {
	Success bool            `json:"success" doc:"Whether the provider accepted the check (false: message says why)"`
	Message string          `json:"message"`
	Data    ConnectionCheck `json:"data"`
}

// TransformSchema: success is true or false here (a check that ran and
// failed is an answer, not a problem).
func (ConnectionCheckAnswer) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if p := s.Properties["success"]; p != nil {
		p.Enum = []any{true, false}
		p.PrecomputeMessages()
	}
	return s
}

// ConnectionCheckBody is the huma output of a check.
type ConnectionCheckBody struct{ Body ConnectionCheckAnswer }

// GmailStatus is the Google (Gmail) integration's state.
type GmailStatus struct {
	Success    bool   `json:"success" doc:"test-oauth: whether OAuth is usable (configured and authorized); GET /api/Gmail: always true (the state was read)"`
	Configured bool   `json:"configured" doc:"Whether the platform has Google OAuth client settings"`
	Authorized bool   `json:"authorized" doc:"Whether this organization has authorized Payvand to send through its Gmail account"`
	Message    string `json:"message"`
}

// TransformSchema: success may be false on a 200.
func (GmailStatus) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if p := s.Properties["success"]; p != nil {
		p.Enum = []any{true, false}
		p.PrecomputeMessages()
	}
	return s
}

// GmailStatusBody is the huma output of the OAuth routes.
type GmailStatusBody struct{ Body GmailStatus }

type deps struct{ d *app.Deps }

func (h deps) platform() mailsettings.Platform {
	return mailsettings.Platform{From: h.d.Config.MailFrom, Identity: h.d.Config.SESIdentity, Local: mailsettings.IsLocal()}
}

func (h deps) key() ([]byte, error) { return h.d.Tokens.Derive(mailsettings.KeyPurpose) }

func (h deps) load(ctx context.Context) (store.Table, []byte, *mailsettings.Settings, bool, error) {
	t, err := h.d.Control.TenantTable(ctx)
	if err != nil {
		return nil, nil, nil, false, err
	}
	k, err := h.key()
	if err != nil {
		return nil, nil, nil, false, err
	}
	s, err := mailsettings.Load(ctx, t, k)
	if errors.Is(err, mailsettings.ErrUnreadable) {
		return t, k, s, false, nil
	}
	return t, k, s, err == nil, err
}

func settingsBody(ctx context.Context, v mailsettings.View, message string) *SettingsBody {
	out := &SettingsBody{}
	s := EmailSettings{View: v}
	if v.UpdatedAt != nil {
		s.UpdatedAtJalali = jalali.Format(*v.UpdatedAt, httpapi.LocationFrom(ctx))
	}
	out.Body.Envelope = httpapi.Envelope[EmailSettings]{Success: true, Data: s, Message: message}
	out.Body.Provider, out.Body.Configured = v.Provider, v.Configured
	return out
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
	h := deps{d}
	route := func(method, path, id, summary, description string, manage bool) httpapi.Route {
		r := httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Description: description, Tags: []string{"Email settings"},
			Realm: httpapi.TenantUsers, Module: "email", Feature: "email"}
		if manage {
			// Managers and top roles (and holders of the settings module):
			// checked before the body is read.
			r.Capability = auth.ManageUsers
		}
		return r
	}

	httpapi.Register(s, route(http.MethodGet, "/api/settings/email", "email-settings", "The organization's mail provider (never a secret)",
		"Which provider sends the organization's mail: `ses` (the platform's sender, with the organization's from-address when it set one) or `smtp` (its own server: host, port, username, security, and `password_set` — the password is never shown). `configured` is false when the stored settings no longer open (the platform secret changed): configure again.", false),
		func(ctx context.Context, _ *struct{}) (*SettingsBody, error) {
			_, _, st, readable, err := h.load(ctx)
			if err != nil {
				return nil, err
			}
			return settingsBody(ctx, mailsettings.ViewOf(st, readable, h.platform()), ""), nil
		})

	httpapi.Register(s, route(http.MethodPost, "/api/settings/email/configure", "email-settings-configure", "Choose the mail provider and store its credentials",
		"`provider: ses` takes only `credentials.from`, which must be on the platform's verified sending domain. `provider: smtp` takes `host`, `port`, `username`, `password`, `from` and `security` (`starttls`, `tls`, or `none` — only for a server on this machine in local mode); on AWS the host may not be a loopback, private or link-local address. Credentials are stored encrypted (AES-256-GCM). Nothing is sent or dialled: `POST /api/settings/email/test` checks the connection. A 422 names each invalid field (`credentials.host` …).", true),
		func(ctx context.Context, in *ConfigureInput) (*SettingsBody, error) {
			t, k, old, readable, err := h.load(ctx)
			if err != nil {
				return nil, err
			}
			c := in.Body.Credentials
			security := c.Security
			if security == "" {
				security = c.Encryption
			}
			if strings.EqualFold(security, "ssl") {
				security = smtpmail.TLS
			}
			creds := mailsettings.Credentials{From: c.From, Host: c.Host, Port: c.Port, Username: c.Username, Security: security}
			if c.Password != nil {
				creds.Password = *c.Password
			} else if old != nil && readable && old.Provider == mailsettings.SMTP &&
				strings.EqualFold(strings.TrimSpace(c.Host), old.Credentials.Host) && strings.TrimSpace(c.Username) == old.Credentials.Username {
				creds.Password = old.Credentials.Password // the SPA sends back what it read, without the password
			}
			clean, err := mailsettings.Validate(in.Body.Provider, creds, h.platform())
			if err != nil {
				return nil, err
			}
			st := mailsettings.Settings{Provider: strings.ToLower(strings.TrimSpace(in.Body.Provider)), Credentials: clean,
				UpdatedAt: time.Now().UTC().Truncate(time.Second), UpdatedBy: auth.PrincipalFrom(ctx).Subject}
			if err := mailsettings.Save(ctx, t, k, st); err != nil {
				return nil, err
			}
			return settingsBody(ctx, mailsettings.ViewOf(&st, true, h.platform()), "e-mail settings saved; POST /api/settings/email/test checks them"), nil
		})

	check := func(ctx context.Context, _ *struct{}) (*ConnectionCheckBody, error) {
		a, err := h.check(ctx)
		if err != nil {
			return nil, err
		}
		a.Data.CheckedAt = time.Now().UTC()
		a.Data.CheckedAtJalali = jalali.Format(a.Data.CheckedAt, httpapi.LocationFrom(ctx))
		return &ConnectionCheckBody{Body: a}, nil
	}
	const checkDescription = "A real check of what is configured, answered with 200 and `{success, message, data}`; `success: false` with the reason in `message` when the provider refuses or cannot be reached. **smtp:** connects (10 s at most), EHLO, STARTTLS or TLS (the certificate is verified), AUTH PLAIN, QUIT — no message is sent; `data.stage` names the step that failed. **ses on AWS:** SES v2 GetAccount: whether sending is enabled, production access (or the sandbox) and the daily quota. **Locally** (no SES identity) mail goes to the local outbox (`GET /api/admin/outbox`) and nothing leaves the machine: the answer says so."
	httpapi.Register(s, route(http.MethodPost, "/api/settings/email/test", "email-settings-test", "Check the mail provider's connection (no message is sent)", checkDescription, true), check)
	httpapi.Register(s, route(http.MethodPost, "/api/email/test-connection", "email-test-connection", "Check the mail provider's connection (no message is sent)", checkDescription+" The same check as `POST /api/settings/email/test`.", true), check)

	const oauthDescription = "Google (Gmail) sending is not built yet: until the platform has Google OAuth client settings (`PAYVAND_GOOGLE_CLIENT_ID` and `PAYVAND_GOOGLE_CLIENT_SECRET`) the answer is 200 with `configured: false` and a message saying so. With them, `authorized` tells whether this organization has authorized its Gmail account."
	httpapi.Register(s, route(http.MethodPost, "/api/email/test-oauth", "email-test-oauth", "Check the Google OAuth (Gmail) configuration", oauthDescription+" `success` is true only when both hold.", true),
		func(ctx context.Context, _ *struct{}) (*GmailStatusBody, error) {
			a, err := h.oauth(ctx)
			if err != nil {
				return nil, err
			}
			a.Success = a.Configured && a.Authorized
			return &GmailStatusBody{Body: a}, nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/Gmail", "gmail", "Whether the organization's Gmail account is authorized", oauthDescription, false),
		func(ctx context.Context, _ *struct{}) (*GmailStatusBody, error) {
			a, err := h.oauth(ctx)
			if err != nil {
				return nil, err
			}
			a.Success = true
			return &GmailStatusBody{Body: a}, nil
		})
}

// GmailKey is where an organization's Gmail authorization would be kept
// (its sealed refresh token); nothing writes it until the OAuth flow is
// built.
var GmailKey = store.Key{PK: "SETTINGS#GMAIL", SK: "S"}

func (h deps) oauth(ctx context.Context) (GmailStatus, error) {
	t, err := h.d.Control.TenantTable(ctx)
	if err != nil {
		return GmailStatus{}, err
	}
	if os.Getenv("PAYVAND_GOOGLE_CLIENT_ID") == "" || os.Getenv("PAYVAND_GOOGLE_CLIENT_SECRET") == "" {
		return GmailStatus{Message: "Google OAuth is not configured on this platform (PAYVAND_GOOGLE_CLIENT_ID and PAYVAND_GOOGLE_CLIENT_SECRET are not set): Gmail cannot be connected. Mail goes through the provider of GET /api/settings/email."}, nil
	}
	it, err := t.Get(ctx, GmailKey)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return GmailStatus{Configured: true, Message: "Google OAuth is configured; this organization has not authorized a Gmail account."}, nil
	}
	if err != nil {
		return GmailStatus{}, err
	}
	if store.Str(it, "sealed") == "" {
		return GmailStatus{Configured: true, Message: "Google OAuth is configured; this organization's Gmail authorization is incomplete: authorize again."}, nil
	}
	return GmailStatus{Configured: true, Authorized: true, Message: "Gmail is authorized for this organization."}, nil
}

func (h deps) check(ctx context.Context) (ConnectionCheckAnswer, error) {
	_, _, st, readable, err := h.load(ctx)
	if err != nil {
		return ConnectionCheckAnswer{}, err
	}
	if st != nil && !readable {
		return ConnectionCheckAnswer{Message: "the stored e-mail credentials cannot be read (the platform's secret changed): configure e-mail again",
			Data: ConnectionCheck{Provider: st.Provider, Delivery: st.Provider}}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout+time.Second)
	defer cancel()
	if st != nil && st.Provider == mailsettings.SMTP {
		cfg := mailsettings.SMTPConfig(st.Credentials, mailsettings.IsLocal())
		cfg.Timeout = CheckTimeout
		out := ConnectionCheckAnswer{Data: ConnectionCheck{Provider: mailsettings.SMTP, Delivery: mailsettings.SMTP, Server: mailsettings.Addr(st.Credentials)}}
		if err := smtpmail.New(cfg).Check(ctx); err != nil {
			var e *smtpmail.Error
			if !errors.As(err, &e) {
				return ConnectionCheckAnswer{}, err
			}
			out.Data.Stage, out.Message = e.Stage, e.Reason(cfg)
			return out, nil
		}
		how := map[string]string{smtpmail.StartTLS: "STARTTLS", smtpmail.TLS: "TLS", smtpmail.None: "no encryption"}[cfg.Security]
		out.Success = true
		out.Message = fmt.Sprintf("connected to %s with %s", out.Data.Server, how)
		if cfg.Username != "" {
			out.Message += " and signed in as " + cfg.Username
		}
		out.Message += "; no message was sent"
		return out, nil
	}
	out := ConnectionCheckAnswer{Data: ConnectionCheck{Provider: mailsettings.SES, Delivery: "ses"}}
	if h.d.Config.SESIdentity == "" {
		out.Data.Delivery = "outbox"
		out.Success = true
		out.Message = "Local mode: mail is kept in the local outbox (GET /api/admin/outbox) and nothing leaves this machine."
		return out, nil
	}
	acct, err := mailsettings.GetSESAccount(ctx, h.d.AWS)
	if err != nil {
		slog.WarnContext(ctx, "ses GetAccount", "err", err)
		var se *awssign.Error
		switch {
		case errors.As(err, &se) && se.Status == http.StatusForbidden:
			out.Message = fmt.Sprintf("Amazon SES refused the account check (%d %s): the platform's function may not call ses:GetAccount", se.Status, se.Code)
		case errors.As(err, &se):
			out.Message = fmt.Sprintf("Amazon SES refused the account check (%d %s)", se.Status, se.Code)
		default:
			out.Message = "Amazon SES could not be reached"
		}
		return out, nil
	}
	out.Data.SES = &SESAccount{SendingEnabled: acct.SendingEnabled, ProductionAccess: acct.ProductionAccessEnabled, EnforcementStatus: acct.EnforcementStatus,
		Max24HourSend: acct.SendQuota.Max24HourSend, MaxSendRate: acct.SendQuota.MaxSendRate, SentLast24Hours: acct.SendQuota.SentLast24Hours}
	out.Success = acct.SendingEnabled
	out.Message = acct.Describe()
	return out, nil
}
