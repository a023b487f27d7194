// Package invitation mails a new tenant user a single-use link to choose
// their password. An invitation never carries a password: accounts are
// created with an unusable one and cannot log in until the link is used.
package invitation

import (
	"context"
	"net/url"
	"strings"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// Mailer issues invitation tokens and sends them.
type Mailer struct {
	Resets *auth.ResetTokens
	Mail   mail.Sender
	AppURL string // the SPA
}

// Link is the SPA page where an invited user chooses a password; the SPA
// posts the token to /api/auth/accept-invitation.
func Link(appURL, token, tenant, email string) string {
	return strings.TrimRight(appURL, "/") + "/accept-invitation?token=" + url.QueryEscape(token) +
		"&tenant=" + url.QueryEscape(tenant) + "&email=" + url.QueryEscape(email)
}

// UnusablePasswordHash is the password of an account created by
// invitation: the hash of a secret nobody knows, so that a login attempt
// costs as long as with a real password and never succeeds.
func UnusablePasswordHash() (string, error) { return auth.HashPassword(auth.RandomSecret(32)) }

// Send issues a new invitation token for u, which ends any earlier
// invitation of u, and emails the link.
func (m Mailer) Send(ctx context.Context, t *tenancy.Tenant, u *users.User, inviter string) error {
	token, err := m.Resets.Issue(ctx, auth.Invitation, auth.RealmTenant, t.Key, u.ID)
	if err != nil {
		return err
	}
	subject, text, html, err := mail.Render("invitation", u.Locale, map[string]any{"Name": u.Name, "Organization": t.CompanyName,
		"Inviter": inviter, "TenantKey": t.Key, "Email": u.Email, "Link": Link(m.AppURL, token, t.Key, u.Email),
		"ValidHours": int(auth.InvitationTTL.Hours())})
	if err != nil {
		return err
	}
	_, err = m.Mail.Send(ctx, mail.Message{To: []string{u.Email}, Subject: subject, Text: text, HTML: html, Template: "invitation", Tenant: t.Key})
	return err
}
