package emailsettingsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/functions/api/emailsettingsapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/mail/smtpmail/smtptest"
	"payvand.dev/shared/mailsettings"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

func addUser(t testing.TB, e *apitest.Env, tenant, name, role string) string {
	t.Helper()
	_, tok := e.AddUser(tenant, &users.User{Name: name, Email: name + "@" + tenant + ".test", Role: role})
	return tok
}

// smtpServer is a plain SMTP server on loopback (security none is
// allowed there in local mode) that takes user/pass.
func smtpServer(t *testing.T) int {
	serverTLS, _ := smtptest.SelfSigned(t)
	return smtptest.Start(t, &smtptest.Server{TLS: serverTLS, NoTLS: true, User: "crm@alpha.test", Pass: "رمز-درست"})
}

func TestConfigureSMTPAndCheckIt(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		r := e.Do("GET", "/api/settings/email", ceo, nil).Want(t, 200)
		if d := r.Data(); d["provider"] != "ses" || d["configured"] != true || d["custom"] != false || d["delivery"] != "outbox" || r.JSON["provider"] != "ses" {
			t.Fatalf("default settings %s", r.Raw)
		}
		port := smtpServer(t)
		conf := map[string]any{"provider": "SMTP", "credentials": map[string]any{"host": "127.0.0.1", "port": port, "username": "crm@alpha.test",
			"password": "رمز-درست", "from": "شرکت آلفا <crm@alpha.test>", "security": "none"}}
		r = e.Do("POST", "/api/settings/email/configure", ceo, conf).Want(t, 200)
		if strings.Contains(string(r.Raw), "رمز-درست") {
			t.Fatalf("the answer shows the password: %s", r.Raw)
		}
		d := r.Data()
		if d["provider"] != "smtp" || d["configured"] != true || d["username"] != "crm@alpha.test" || d["password_set"] != true || d["port"] != float64(port) ||
			d["delivery"] != "smtp" || d["updated_at_jalali"] == "" {
			t.Fatalf("configured %s", r.Raw)
		}
		r = e.Do("GET", "/api/settings/email", ceo, nil).Want(t, 200)
		if strings.Contains(string(r.Raw), "رمز-درست") || r.Data()["from"] != "شرکت آلفا <crm@alpha.test>" || r.JSON["configured"] != true {
			t.Fatalf("read back %s", r.Raw)
		}
		apitest.WantJalaliTwins(t, r.Raw)
		e.WantDocumented(t, emailsettingsapi.Mount(), "GET", "/api/settings/email", r)
		it, err := e.Deps.Control.TableFor("alpha").Get(context.Background(), mailsettings.Key)
		if err != nil || strings.Contains(store.Str(it, "sealed"), "رمز") || !strings.HasPrefix(store.Str(it, "sealed"), "v1.") {
			t.Fatalf("stored item %v %v", it, err)
		}

		for _, path := range []string{"/api/settings/email/test", "/api/email/test-connection"} {
			r = e.Do("POST", path, ceo, nil).Want(t, 200)
			if r.JSON["success"] != true || !strings.Contains(r.JSON["message"].(string), "signed in as crm@alpha.test") || r.Data()["server"] != "127.0.0.1:"+strconv.Itoa(port) {
				t.Fatalf("%s: %s", path, r.Raw)
			}
		}

		// The SPA sends back what it read, without a password: the stored
		// one is kept.
		back := e.Do("GET", "/api/settings/email", ceo, nil).Data()
		e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": back["provider"], "credentials": back}).Want(t, 200)
		if r = e.Do("POST", "/api/settings/email/test", ceo, nil).Want(t, 200); r.JSON["success"] != true {
			t.Fatalf("after saving without the password: %s", r.Raw)
		}

		conf["credentials"].(map[string]any)["password"] = "wrong"
		e.Do("POST", "/api/settings/email/configure", ceo, conf).Want(t, 200)
		r = e.Do("POST", "/api/email/test-connection", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || r.Data()["stage"] != "auth" || !strings.Contains(r.JSON["message"].(string), "refused the username or password") {
			t.Fatalf("wrong password: %s", r.Raw)
		}
		e.WantDocumented(t, emailsettingsapi.Mount(), "POST", "/api/email/test-connection", r)

		// A server whose certificate is not trusted: the handshake's reason.
		serverTLS, _ := smtptest.SelfSigned(t)
		tlsPort := smtptest.Start(t, &smtptest.Server{TLS: serverTLS, User: "crm@alpha.test", Pass: "رمز-درست"})
		e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "127.0.0.1", "port": tlsPort,
			"username": "crm@alpha.test", "password": "رمز-درست", "from": "crm@alpha.test", "security": "starttls"}}).Want(t, 200)
		r = e.Do("POST", "/api/settings/email/test", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || r.Data()["stage"] != "tls" || !strings.Contains(r.JSON["message"].(string), "certificate") {
			t.Fatalf("untrusted certificate: %s", r.Raw)
		}

		// Nothing listening: the reason, not a problem.
		conf["credentials"].(map[string]any)["port"] = 1
		e.Do("POST", "/api/settings/email/configure", ceo, conf).Want(t, 200)
		r = e.Do("POST", "/api/settings/email/test", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || r.Data()["stage"] != "connect" || !strings.Contains(r.JSON["message"].(string), "could not connect to 127.0.0.1:1") {
			t.Fatalf("closed port: %s", r.Raw)
		}

		// Another organization sees its own (default) settings only, and
		// alpha's sealed item copied into its table does not open.
		beta := e.CEO("beta")
		r = e.Do("GET", "/api/settings/email", beta, nil).Want(t, 200)
		if r.Data()["custom"] != false || strings.Contains(string(r.Raw), "127.0.0.1") {
			t.Fatalf("beta sees %s", r.Raw)
		}
		if r = e.Do("POST", "/api/email/test-connection", beta, nil).Want(t, 200); r.Data()["delivery"] != "outbox" || !strings.Contains(r.JSON["message"].(string), "nothing leaves this machine") {
			t.Fatalf("beta check %s", r.Raw)
		}
		if err := e.Deps.Control.TableFor("beta").Put(context.Background(), it); err != nil {
			t.Fatal(err)
		}
		r = e.Do("GET", "/api/settings/email", beta, nil).Want(t, 200)
		if d := r.Data(); d["readable"] != false || d["configured"] != false || d["host"] != nil && d["host"] != "" {
			t.Fatalf("copied item: %s", r.Raw)
		}
		if r = e.Do("POST", "/api/settings/email/test", beta, nil).Want(t, 200); r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "configure e-mail again") {
			t.Fatalf("copied item check: %s", r.Raw)
		}
	})
}

func TestConfigureValidation(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		e.Deps.Config.MailFrom = "Payvand <no-reply@payvand.local>" // the local default
		ceo := e.CEO("alpha")
		cases := []struct {
			name  string
			body  any
			field string
		}{
			{"no provider", map[string]any{"credentials": map[string]any{"from": "a@payvand.local"}}, "provider"},
			{"unknown provider", map[string]any{"provider": "mailgun"}, "provider"},
			{"smtp without host", map[string]any{"provider": "smtp", "credentials": map[string]any{"from": "a@alpha.test"}}, "credentials.host"},
			{"unknown security", map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "smtp.alpha.test", "from": "a@alpha.test", "security": "ssl3"}}, "credentials.security"},
			{"none to a remote server", map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "smtp.alpha.test", "from": "a@alpha.test", "security": "none"}}, "credentials.security"},
			{"username without password", map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "smtp.alpha.test", "from": "a@alpha.test", "username": "u"}}, "credentials.password"},
			{"ses from another domain", map[string]any{"provider": "ses", "credentials": map[string]any{"from": "alpha@gmail.com"}}, "credentials.from"},
			{"port out of range", map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "smtp.alpha.test", "from": "a@alpha.test", "port": 70000}}, "credentials.port"},
		}
		for _, c := range cases {
			r := e.Do("POST", "/api/settings/email/configure", ceo, c.body).Want(t, 422)
			errs, _ := r.JSON["errors"].(map[string]any)
			if errs[c.field] == nil {
				t.Errorf("%s: %s", c.name, r.Raw)
			}
			e.WantDocumented(t, emailsettingsapi.Mount(), "POST", "/api/settings/email/configure", r)
		}
		e.Do("POST", "/api/settings/email/configure", ceo, "{not json").Want(t, 400)
		// SES with a from-address on the outbox's domain (locally).
		r := e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": "ses", "credentials": map[string]any{"from": "آلفا <alpha@payvand.local>", "password": "ignored"}}).Want(t, 200)
		if d := r.Data(); d["provider"] != "ses" || d["from"] != "آلفا <alpha@payvand.local>" || d["password_set"] != false || d["custom"] != true {
			t.Fatalf("ses %s", r.Raw)
		}
	})
}

func TestOnlyManagersConfigureAndCheck(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		employee := addUser(t, e, "alpha", "sara", "employee")
		salesManager := addUser(t, e, "alpha", "reza", "sales_manager") // has the email module, not the capability
		manager := addUser(t, e, "alpha", "mina", "manager")
		valid := map[string]any{"provider": "ses"}
		for _, who := range []string{employee, salesManager} {
			// 403 before the body is read: an invalid body still gets 403.
			e.Do("POST", "/api/settings/email/configure", who, "{not json").Want(t, 403)
			e.Do("POST", "/api/settings/email/configure", who, map[string]any{"provider": "nope"}).Want(t, 403)
			e.Do("POST", "/api/settings/email/configure", who, valid).Want(t, 403)
			e.Do("POST", "/api/settings/email/test", who, nil).Want(t, 403)
			e.Do("POST", "/api/email/test-connection", who, nil).Want(t, 403)
			e.Do("POST", "/api/email/test-oauth", who, nil).Want(t, 403)
		}
		e.Do("GET", "/api/settings/email", employee, nil).Want(t, 403) // no email module
		e.Do("GET", "/api/settings/email", salesManager, nil).Want(t, 200)
		e.Do("POST", "/api/settings/email/configure", manager, valid).Want(t, 200)
		e.Do("POST", "/api/email/test-connection", manager, nil).Want(t, 200)
		e.Do("GET", "/api/settings/email", "", nil).Want(t, 401)
		e.Do("POST", "/api/settings/email/configure", "", valid).Want(t, 401)
	})
}

func TestSESAccountCheck(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		answer := `{"EnforcementStatus":"HEALTHY","ProductionAccessEnabled":true,"SendQuota":{"Max24HourSend":50000.0,"MaxSendRate":14.0,"SentLast24Hours":120.0},"SendingEnabled":true}`
		status := 200
		ses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "GET" || r.URL.Path != "/v2/email/account" || !strings.Contains(r.Header.Get("Authorization"), "/ses/aws4_request") {
				t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Authorization"))
			}
			if status != 200 {
				w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
				w.WriteHeader(status)
				w.Write([]byte(`{"message":"User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: ses:GetAccount"}`))
				return
			}
			w.Write([]byte(answer))
		}))
		defer ses.Close()
		// The platform sends through SES (as on AWS).
		e.Deps.Config.SESIdentity = "payvand.test"
		e.Deps.AWS = aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(ses.URL)}
		ceo := e.CEO("alpha")
		e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": "ses", "credentials": map[string]any{"from": "a@payvand.local"}}).Want(t, 422)
		e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": "ses", "credentials": map[string]any{"from": "Alpha <alpha@payvand.test>"}}).Want(t, 200)
		r := e.Do("POST", "/api/email/test-connection", ceo, nil).Want(t, 200)
		s, _ := r.Data()["ses"].(map[string]any)
		if r.JSON["success"] != true || s["production_access"] != true || s["max_24_hour_send"] != float64(50000) || s["sent_last_24_hours"] != float64(120) ||
			!strings.Contains(r.JSON["message"].(string), "with production access; quota 50000 messages a day") {
			t.Fatalf("ses check %s", r.Raw)
		}
		answer = strings.Replace(answer, `"SendingEnabled":true`, `"SendingEnabled":false`, 1)
		if r = e.Do("POST", "/api/email/test-connection", ceo, nil).Want(t, 200); r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "paused") {
			t.Fatalf("paused %s", r.Raw)
		}
		status = 403
		r = e.Do("POST", "/api/settings/email/test", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "may not call ses:GetAccount") || strings.Contains(string(r.Raw), "123456789012") {
			t.Fatalf("denied %s", r.Raw)
		}
	})
}

func TestGmailIsNotConfigured(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		t.Setenv("PAYVAND_GOOGLE_CLIENT_ID", "")
		r := e.Do("GET", "/api/Gmail", ceo, nil).Want(t, 200)
		if r.JSON["authorized"] != false || r.JSON["configured"] != false || !strings.Contains(r.JSON["message"].(string), "PAYVAND_GOOGLE_CLIENT_ID") {
			t.Fatalf("gmail %s", r.Raw)
		}
		r = e.Do("POST", "/api/email/test-oauth", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || r.JSON["configured"] != false {
			t.Fatalf("test-oauth %s", r.Raw)
		}
		e.WantDocumented(t, emailsettingsapi.Mount(), "POST", "/api/email/test-oauth", r)
		t.Setenv("PAYVAND_GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
		t.Setenv("PAYVAND_GOOGLE_CLIENT_SECRET", "secret")
		if r = e.Do("GET", "/api/Gmail", ceo, nil).Want(t, 200); r.JSON["configured"] != true || r.JSON["authorized"] != false {
			t.Fatalf("configured, not authorized: %s", r.Raw)
		}
		it := store.KeyItem(emailsettingsapi.GmailKey)
		it["sealed"] = store.AV("v1.x")
		if err := e.Deps.Control.TableFor("alpha").Put(context.Background(), it); err != nil {
			t.Fatal(err)
		}
		if r = e.Do("POST", "/api/email/test-oauth", ceo, nil).Want(t, 200); r.JSON["success"] != true || r.JSON["authorized"] != true {
			t.Fatalf("authorized: %s", r.Raw)
		}
		if r = e.Do("GET", "/api/Gmail", e.CEO("beta"), nil).Want(t, 200); r.JSON["authorized"] != false {
			t.Fatalf("beta: %s", r.Raw)
		}
	})
}
