package mailsettings_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/mail/smtpmail"
	"payvand.dev/shared/mailsettings"
	"payvand.dev/shared/store"
	"payvand.dev/shared/testkit"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpensOnlyWithItsKeyAndPlace(t *testing.T) {
	sealed, err := mailsettings.Seal(key(1), "payvand/mail-settings/tenant-alpha", []byte(`{"password":"رمز"}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "رمز") || !strings.HasPrefix(sealed, "v1.") {
		t.Fatalf("sealed %q", sealed)
	}
	if p, err := mailsettings.Open(key(1), "payvand/mail-settings/tenant-alpha", sealed); err != nil || string(p) != `{"password":"رمز"}` {
		t.Fatalf("open: %q %v", p, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"another key":   func() ([]byte, error) { return mailsettings.Open(key(2), "payvand/mail-settings/tenant-alpha", sealed) },
		"another table": func() ([]byte, error) { return mailsettings.Open(key(1), "payvand/mail-settings/tenant-beta", sealed) },
		"tampered": func() ([]byte, error) {
			return mailsettings.Open(key(1), "payvand/mail-settings/tenant-alpha", sealed[:20]+"A"+sealed[21:])
		},
		"not sealed": func() ([]byte, error) {
			return mailsettings.Open(key(1), "payvand/mail-settings/tenant-alpha", "plain")
		},
	} {
		if _, err := open(); err == nil {
			t.Errorf("%s opened", name)
		}
	}
	again, _ := mailsettings.Seal(key(1), "payvand/mail-settings/tenant-alpha", []byte(`{"password":"رمز"}`))
	if again == sealed {
		t.Error("two seals of the same text are equal (nonce reused)")
	}
}

func TestValidate(t *testing.T) {
	aws := mailsettings.Platform{From: "Payvand <no-reply@payvand.ir>", Identity: "payvand.ir"}
	local := mailsettings.Platform{From: "Payvand <no-reply@payvand.local>", Local: true}
	smtp := func(f func(c *mailsettings.Credentials)) mailsettings.Credentials {
		c := mailsettings.Credentials{Host: "smtp.example.com", Port: 587, Username: "crm@example.com", Password: "secret", From: "Alpha <crm@example.com>", Security: "starttls"}
		f(&c)
		return c
	}
	cases := []struct {
		name     string
		provider string
		creds    mailsettings.Credentials
		platform mailsettings.Platform
		field    string // "" = valid
	}{
		{"smtp", "smtp", smtp(func(*mailsettings.Credentials) {}), aws, ""},
		{"smtp upper case", "SMTP", smtp(func(c *mailsettings.Credentials) { c.Security = "TLS" }), aws, ""},
		{"no provider", "", mailsettings.Credentials{}, aws, "provider"},
		{"unknown provider", "sendgrid", mailsettings.Credentials{}, aws, "provider"},
		{"no host", "smtp", smtp(func(c *mailsettings.Credentials) { c.Host = "" }), aws, "credentials.host"},
		{"host with a path", "smtp", smtp(func(c *mailsettings.Credentials) { c.Host = "smtp.example.com/x" }), aws, "credentials.host"},
		{"port out of range", "smtp", smtp(func(c *mailsettings.Credentials) { c.Port = 70000 }), aws, "credentials.port"},
		{"port 25 on AWS", "smtp", smtp(func(c *mailsettings.Credentials) { c.Port = 25 }), aws, "credentials.port"},
		{"port 25 locally", "smtp", smtp(func(c *mailsettings.Credentials) { c.Port = 25 }), local, ""},
		{"unknown security", "smtp", smtp(func(c *mailsettings.Credentials) { c.Security = "ssl3" }), aws, "credentials.security"},
		{"none on AWS", "smtp", smtp(func(c *mailsettings.Credentials) { c.Security = "none"; c.Host = "127.0.0.1" }), aws, "credentials.security"},
		{"none to a remote host locally", "smtp", smtp(func(c *mailsettings.Credentials) { c.Security = "none" }), local, "credentials.security"},
		{"none on loopback locally", "smtp", smtp(func(c *mailsettings.Credentials) { c.Security = "none"; c.Host = "localhost" }), local, ""},
		{"private address on AWS", "smtp", smtp(func(c *mailsettings.Credentials) { c.Host = "10.0.0.5" }), aws, "credentials.host"},
		{"metadata address on AWS", "smtp", smtp(func(c *mailsettings.Credentials) { c.Host = "169.254.169.254" }), aws, "credentials.host"},
		{"private address locally", "smtp", smtp(func(c *mailsettings.Credentials) { c.Host = "10.0.0.5" }), local, ""},
		{"username without password", "smtp", smtp(func(c *mailsettings.Credentials) { c.Password = "" }), aws, "credentials.password"},
		{"no from", "smtp", smtp(func(c *mailsettings.Credentials) { c.From = "" }), aws, "credentials.from"},
		{"bad from", "smtp", smtp(func(c *mailsettings.Credentials) { c.From = "not an address" }), aws, "credentials.from"},
		{"ses on the verified domain", "ses", mailsettings.Credentials{From: "شرکت آلفا <alpha@payvand.ir>"}, aws, ""},
		{"ses without from", "ses", mailsettings.Credentials{}, aws, ""},
		{"ses on another domain", "ses", mailsettings.Credentials{From: "alpha@gmail.com"}, aws, "credentials.from"},
		{"ses on a subdomain", "ses", mailsettings.Credentials{From: "alpha@mail.payvand.ir"}, aws, "credentials.from"},
		{"ses with an address identity", "ses", mailsettings.Credentials{From: "other@payvand.ir"}, mailsettings.Platform{Identity: "crm@payvand.ir"}, "credentials.from"},
		{"ses locally on the outbox domain", "ses", mailsettings.Credentials{From: "alpha@payvand.local"}, local, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mailsettings.Validate(c.provider, c.creds, c.platform)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *crm.Error
			if !asErr(err, &e) || e.Code != crm.EVALIDATION || len(e.Fields[c.field]) == 0 {
				t.Fatalf("error %#v, want a validation error of %s", err, c.field)
			}
		})
	}
	got, _ := mailsettings.Validate("smtp", mailsettings.Credentials{Host: "SMTP.Example.com.", Security: "tls", From: "a@example.com"}, aws)
	if got.Host != "smtp.example.com" || got.Port != 465 {
		t.Errorf("cleaned %+v", got)
	}
	got, _ = mailsettings.Validate("ses", mailsettings.Credentials{From: "a@payvand.ir", Host: "smtp.example.com", Password: "x"}, aws)
	if got.Host != "" || got.Password != "" {
		t.Errorf("ses keeps SMTP members: %+v", got)
	}
}

func asErr(err error, e **crm.Error) bool {
	x, ok := err.(*crm.Error)
	*e = x
	return ok
}

func table(t *testing.T, name string) store.Table { return testkit.EmbeddedTable(t, name) }

func TestSenderFor(t *testing.T) {
	ctx := context.Background()
	alpha := table(t, "tenant-alpha")
	outbox := &mail.Outbox{Table: alpha}
	ses := sesmail.New(aws.Config{Region: "eu-central-1"}, "Payvand <no-reply@payvand.ir>")

	if s, err := mailsettings.SenderFor(ctx, alpha, ses, key(1)); err != nil || s != ses {
		t.Fatalf("nothing chosen: %v %v", s, err)
	}
	save := func(provider string, c mailsettings.Credentials) {
		t.Helper()
		if err := mailsettings.Save(ctx, alpha, key(1), mailsettings.Settings{Provider: provider, Credentials: c, UpdatedAt: time.Now(), UpdatedBy: "u1"}); err != nil {
			t.Fatal(err)
		}
	}
	save("ses", mailsettings.Credentials{From: "آلفا <alpha@payvand.ir>"})
	s, err := mailsettings.SenderFor(ctx, alpha, ses, key(1))
	if got, ok := s.(*sesmail.SES); err != nil || !ok || got.From != "آلفا <alpha@payvand.ir>" || ses.(*sesmail.SES).From != "Payvand <no-reply@payvand.ir>" {
		t.Fatalf("ses with a from-address: %#v %v", s, err)
	}
	if s, _ := mailsettings.SenderFor(ctx, alpha, outbox, key(1)); s != outbox {
		t.Fatalf("locally ses is the outbox, got %#v", s)
	}

	save("smtp", mailsettings.Credentials{Host: "smtp.example.com", Port: 587, Username: "u", Password: "p@ss", From: "crm@example.com", Security: "starttls"})
	it, _ := alpha.Get(ctx, mailsettings.Key)
	if strings.Contains(store.Str(it, "sealed"), "p@ss") || store.Str(it, "password") != "" {
		t.Fatalf("the password is stored in the clear: %v", it)
	}
	s, err = mailsettings.SenderFor(ctx, alpha, ses, key(1))
	sm, ok := s.(*smtpmail.Sender)
	if err != nil || !ok || sm.Config.Host != "smtp.example.com" || sm.Config.Password != "p@ss" || sm.Config.Refuse != nil {
		t.Fatalf("smtp: %#v %v", s, err)
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "payvand-test-email") // on AWS internal addresses are refused at connect
	if s, _ := mailsettings.SenderFor(ctx, alpha, ses, key(1)); s.(*smtpmail.Sender).Config.Refuse == nil {
		t.Fatal("on AWS the sender may connect to internal addresses")
	}

	// Another key (the platform secret changed) never falls back to
	// another sender silently.
	if _, err := mailsettings.SenderFor(ctx, alpha, ses, key(2)); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("another key: %v", err)
	}
	// The item copied into another tenant's table does not open there.
	beta := table(t, "tenant-beta")
	if err := beta.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := mailsettings.SenderFor(ctx, beta, ses, key(1)); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("copied item: %v", err)
	}
}

func TestGetSESAccount(t *testing.T) {
	var auth, method, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, method, path = r.Header.Get("Authorization"), r.Method, r.URL.Path
		if r.Header.Get("X-Fail") != "" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"DedicatedIpAutoWarmupEnabled":false,"EnforcementStatus":"HEALTHY","ProductionAccessEnabled":false,
			"SendQuota":{"Max24HourSend":200.0,"MaxSendRate":1.0,"SentLast24Hours":3.0},"SendingEnabled":true}`))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(srv.URL)}
	a, err := mailsettings.GetSESAccount(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if method != "GET" || path != "/v2/email/account" || !strings.Contains(auth, "/eu-central-1/ses/aws4_request") {
		t.Errorf("request %s %s %s", method, path, auth)
	}
	if !a.SendingEnabled || a.ProductionAccessEnabled || a.SendQuota.Max24HourSend != 200 || a.SendQuota.SentLast24Hours != 3 {
		t.Errorf("account %+v", a)
	}
	if d := a.Describe(); !strings.Contains(d, "sandbox") || !strings.Contains(d, "quota 200 messages a day (3 sent") {
		t.Errorf("describe %q", d)
	}

	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Errortype", "AccessDeniedException:http://internal.amazon.com/")
		w.WriteHeader(403)
		w.Write([]byte(`{"message":"User is not authorized to perform: ses:GetAccount"}`))
	}))
	defer denied.Close()
	cfg.BaseEndpoint = aws.String(denied.URL)
	_, err = mailsettings.GetSESAccount(context.Background(), cfg)
	e, ok := err.(*awssign.Error)
	if !ok || e.Status != 403 || e.Code != "AccessDeniedException" || !strings.Contains(e.Message, "ses:GetAccount") {
		t.Fatalf("denied: %#v", err)
	}
}

func TestViewShowsNoSecret(t *testing.T) {
	p := mailsettings.Platform{From: "Payvand <no-reply@payvand.ir>", Identity: "payvand.ir"}
	for _, c := range []struct {
		name     string
		s        *mailsettings.Settings
		readable bool
		want     mailsettings.View
	}{
		{"platform default", nil, true, mailsettings.View{Provider: "ses", Configured: true, Readable: true, From: "Payvand <no-reply@payvand.ir>", Delivery: "ses"}},
		{"ses with a from", &mailsettings.Settings{Provider: "ses", Credentials: mailsettings.Credentials{From: "a@payvand.ir"}}, true,
			mailsettings.View{Provider: "ses", Configured: true, Custom: true, Readable: true, From: "a@payvand.ir", Delivery: "ses"}},
		{"smtp", &mailsettings.Settings{Provider: "smtp", Credentials: mailsettings.Credentials{From: "a@x.test", Host: "smtp.x.test", Port: 587, Username: "u", Password: "secret", Security: "starttls"}}, true,
			mailsettings.View{Provider: "smtp", Configured: true, Custom: true, Readable: true, From: "a@x.test", Delivery: "smtp", Host: "smtp.x.test", Port: 587, Username: "u", Security: "starttls", PasswordSet: true}},
		{"unreadable ses", &mailsettings.Settings{Provider: "ses"}, false, mailsettings.View{Provider: "ses", Custom: true, Delivery: "ses"}},
		{"unreadable smtp", &mailsettings.Settings{Provider: "smtp"}, false, mailsettings.View{Provider: "smtp", Custom: true, Delivery: "smtp"}},
	} {
		if got := mailsettings.ViewOf(c.s, c.readable, p); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
