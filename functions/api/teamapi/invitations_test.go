package teamapi_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/mail"
)

// invitationTo returns the newest invitation to email and the token of
// its set-password link.
func invitationTo(t *testing.T, e *apitest.Env, email string) (mail.Message, string) {
	t.Helper()
	msgs, _, err := e.Deps.Outbox.List(context.Background(), 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template != "invitation" || m.To[0] != email {
			continue
		}
		link := regexp.MustCompile(`\S*/accept-invitation\?\S+`).FindString(m.Text)
		u, err := url.Parse(link)
		if link == "" || err != nil || u.Query().Get("token") == "" || u.Query().Get("tenant") != "alpha" || u.Query().Get("email") != email {
			t.Fatalf("invitation without a set-password link: %q", m.Text)
		}
		return m, u.Query().Get("token")
	}
	t.Fatalf("no invitation to %s in %+v", email, msgs)
	return mail.Message{}, ""
}

func TestInvitationLinkSetsThePasswordOnce(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	e.Do("POST", "/api/users", ceo, map[string]any{"name": "Nima Rad", "email": "nima@alpha.test", "role": "sales", "locale": "en"}).Want(t, 201)
	m, token := invitationTo(t, e, "nima@alpha.test")
	if strings.Contains(strings.ToLower(m.Text+m.HTML), "password:") || strings.Contains(m.Text, "رمز عبور موقت") {
		t.Fatalf("the invitation carries a password: %s", m.Text)
	}
	// No password works before the link is used.
	login := map[string]string{"tenant_key": "alpha", "email": "nima@alpha.test", "password": "Chosen-pass-77"}
	e.Do("POST", "/api/tenant/auth/login", "", login).Want(t, 401)

	accept := map[string]string{"token": token, "password": "Chosen-pass-77", "password_confirmation": "Chosen-pass-77"}
	mismatch := map[string]string{"token": token, "password": "Chosen-pass-77", "password_confirmation": "something-else-1"}
	e.Do("POST", "/api/auth/accept-invitation", "", mismatch).Want(t, 422) // a refused password does not use the link
	e.Do("POST", "/api/auth/accept-invitation", "", accept).Want(t, 200)
	e.Do("POST", "/api/auth/accept-invitation", "", accept).Want(t, 422) // once
	e.Do("POST", "/api/tenant/auth/login", "", login).Want(t, 200)
}

func TestInvitationLinkExpiresAfter72Hours(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	ctx := context.Background()
	issued := func(id string, age time.Duration) string {
		r := &auth.ResetTokens{Table: e.Deps.Resets.Table, Now: func() time.Time { return time.Now().Add(-age) }}
		token, err := r.Issue(ctx, auth.Invitation, auth.RealmTenant, "alpha", id)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	for _, c := range []struct {
		email  string
		age    time.Duration
		status int
	}{
		{"late@alpha.test", 73 * time.Hour, 422},
		{"inTime@alpha.test", 71 * time.Hour, 200},
	} {
		id := e.Do("POST", "/api/users", ceo, map[string]any{"name": "Guest", "email": c.email}).Want(t, 201).Data()["id"].(string)
		token := issued(id, c.age)
		// reset-password redeems invitation tokens too (with the email).
		e.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": c.email, "token": token,
			"password": "Chosen-pass-77", "password_confirmation": "Chosen-pass-77"}).Want(t, c.status)
	}
}

func TestResendInvitationReplacesTheLink(t *testing.T) {
	e := apitest.New(t)
	tokens, _ := seedRoles(t, e, "alpha")
	ceo := tokens["ceo"]
	id := e.Do("POST", "/api/users", ceo, map[string]any{"name": "Nima Rad", "email": "nima@alpha.test", "role": "sales"}).Want(t, 201).Data()["id"].(string)
	_, first := invitationTo(t, e, "nima@alpha.test")

	// A re-send needs the right to add users; each one replaces the link.
	e.Do("POST", "/api/users/"+id+"/resend-invitation", tokens["employee"], nil).Want(t, 403)
	e.Do("POST", "/api/users/"+id+"/resend-invitation", tokens["manager"], nil).Want(t, 200)
	_, second := invitationTo(t, e, "nima@alpha.test")
	e.Do("POST", "/api/tenant/users/"+id+"/resend-invitation", ceo, nil).Want(t, 200)
	m, third := invitationTo(t, e, "nima@alpha.test")
	if first == second || second == third {
		t.Fatal("a re-sent invitation reuses the token")
	}
	if strings.Contains(strings.ToLower(m.Text), "password:") {
		t.Fatalf("the re-sent invitation carries a password: %s", m.Text)
	}
	accept := func(token string) map[string]string {
		return map[string]string{"token": token, "password": "Chosen-pass-77", "password_confirmation": "Chosen-pass-77"}
	}
	e.Do("POST", "/api/auth/accept-invitation", "", accept(first)).Want(t, 422)
	e.Do("POST", "/api/auth/accept-invitation", "", accept(second)).Want(t, 422)
	e.Do("POST", "/api/auth/accept-invitation", "", accept(third)).Want(t, 200)
	e.Do("POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": "nima@alpha.test", "password": "Chosen-pass-77"}).Want(t, 200)
	e.Do("POST", "/api/users/does-not-exist/resend-invitation", ceo, nil).Want(t, 404)
}
