package authapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/mail"
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
	// A chosen taken key is a conflict.
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
	msgs := waitOutbox(t, e, 1)
	if len(msgs) != 1 || msgs[0].To[0] != "sara@example.ir" || !strings.Contains(msgs[0].Subject, "بازنشانی") {
		t.Fatalf("outbox = %+v", msgs)
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
	msgs := waitOutbox(t, e, 1)
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

// waitOutbox returns the outbox (newest first) once it holds n messages:
// reset emails are sent after the answer.
func waitOutbox(t *testing.T, e *apitest.Env, n int) []mail.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _, err := e.Deps.Outbox.List(context.Background(), 100, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox has %d messages, want %d", len(msgs), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Register must not tell whether an email has an account: an email of
// another organization's user registers a new organization, and the only
// conflict it can meet is a taken tenant key.
func TestRegisterDoesNotRevealAccounts(t *testing.T) {
	e := apitest.New(t)
	reg := map[string]any{"name": "Alpha CEO", "email": "ceo@alpha.test", "password": apitest.Password, "password_confirmation": apitest.Password,
		"organization_name": "Alpha Two"}
	r := e.Do("POST", "/api/auth/register", "", reg).Want(t, 201)
	u := r.Data()["user"].(map[string]any)
	if u["tenant_key"] != "alpha-two" || u["role"] != "ceo" || u["email"] != "ceo@alpha.test" {
		t.Fatalf("registered user = %v", u)
	}
	// The login index now lists both organizations of the email.
	l := e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password}).Want(t, 409)
	if !strings.Contains(string(l.Raw), `"tenant_key":"alpha"`) || !strings.Contains(string(l.Raw), `"tenant_key":"alpha-two"`) {
		t.Fatalf("login does not list both organizations: %s", l.Raw)
	}
	e.Do("POST", "/api/auth/login", "", map[string]string{"email": "ceo@alpha.test", "password": apitest.Password, "tenant_key": "alpha-two"}).Want(t, 200)

	// A taken key is named, and the answer is the same for a known and an
	// unknown email.
	var answers []map[string]any
	for _, email := range []string{"ceo@beta.test", "nobody@example.ir"} {
		taken := map[string]any{"name": "Someone", "email": email, "password": "Tehran-1404!", "password_confirmation": "Tehran-1404!",
			"organization_name": "Beta again", "tenant_key": "beta"}
		p := e.Do("POST", "/api/auth/register", "", taken).Want(t, 409)
		errs, _ := p.JSON["errors"].(map[string]any)
		if errs["tenant_key"] == nil || errs["email"] != nil {
			t.Fatalf("409 for %s = %s", email, p.Raw)
		}
		delete(p.JSON, "instance")
		delete(p.JSON, "request_id")
		answers = append(answers, p.JSON)
	}
	if fmt.Sprint(answers[0]) != fmt.Sprint(answers[1]) {
		t.Fatalf("register answers differ for a known and an unknown email:\n%v\n%v", answers[0], answers[1])
	}
}

// blockingSender holds every message until released.
type blockingSender struct {
	release chan struct{}
	sent    chan mail.Message
}

func (b *blockingSender) Send(ctx context.Context, m mail.Message) (string, error) {
	select {
	case <-b.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	b.sent <- m
	return "id", nil
}

// Forgot-password answers alike for existing and unknown accounts, and
// sends the mail after answering, so the answer's time does not tell
// either.
func TestForgotPasswordAnswersAlikeAndMailsAfterAnswering(t *testing.T) {
	e := apitest.New(t)
	known := e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "ceo@alpha.test"})
	unknown := e.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "nobody@alpha.test"})
	if known.Status != 200 || unknown.Status != known.Status || string(known.Raw) != string(unknown.Raw) {
		t.Fatalf("answers differ: %d %s / %d %s", known.Status, known.Raw, unknown.Status, unknown.Raw)
	}
	if msgs := waitOutbox(t, e, 1); msgs[0].To[0] != "ceo@alpha.test" {
		t.Fatalf("outbox = %+v", msgs)
	}

	// With a mail provider that does not return until released, the
	// answer still comes: the mail is sent off the request path.
	b := &blockingSender{release: make(chan struct{}), sent: make(chan mail.Message, 1)}
	e.Deps.Mail = b
	h, err := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(b.release) // before the environment waits for background work
	other := &apitest.Env{T: t, Deps: e.Deps, Server: srv}
	done := make(chan *apitest.Response, 1)
	go func() {
		done <- other.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "ceo@beta.test"}, "X-Tenant-Key: beta")
	}()
	select {
	case r := <-done:
		if r.Status != 200 || string(r.Raw) != string(known.Raw) {
			t.Fatalf("answer = %d %s", r.Status, r.Raw)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("forgot-password waited for the mail provider")
	}
	select {
	case m := <-b.sent:
		t.Fatalf("mail sent before release: %+v", m)
	default:
	}
	b.release <- struct{}{}
	select {
	case m := <-b.sent:
		if m.To[0] != "ceo@beta.test" || !strings.Contains(m.Text, "reset-password?") {
			t.Fatalf("mail = %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reset mail was never sent")
	}
}

// Where the process may freeze after answering (Lambda: no Background),
// the mail is sent before the answer, which stays the same.
func TestForgotPasswordWithoutBackgroundSendsInline(t *testing.T) {
	e := apitest.New(t)
	e.Deps.Background = nil
	h, err := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	other := &apitest.Env{T: t, Deps: e.Deps, Server: srv}
	known := other.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "ceo@alpha.test"}).Want(t, 200)
	msgs, _, _ := e.Deps.Outbox.List(context.Background(), 10, "")
	if len(msgs) != 1 || msgs[0].To[0] != "ceo@alpha.test" {
		t.Fatalf("outbox right after the answer = %+v", msgs)
	}
	unknown := other.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "nobody@alpha.test"}).Want(t, 200)
	if string(known.Raw) != string(unknown.Raw) {
		t.Fatalf("answers differ: %s / %s", known.Raw, unknown.Raw)
	}
}
