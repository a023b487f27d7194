package mail_test

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestTemplatesInBothLanguages(t *testing.T) {
	data := map[string]any{"Name": "Sara", "Organization": "Rabin", "Token": "tok-123", "Link": "https://x/reset?t=tok-123", "ValidMinutes": 60}
	s, txt, html, err := mail.Render("reset-password", "fa", data)
	if err != nil || s != "بازنشانی رمز عبور پیوند" || !strings.Contains(txt, "tok-123") || !strings.Contains(html, `dir="rtl"`) {
		t.Fatalf("fa: %q %q %v", s, txt, err)
	}
	s, txt, _, err = mail.Render("reset-password", "de", data)
	if err != nil || s != "Reset your Payvand password" || !strings.Contains(txt, "Hello Sara") {
		t.Fatalf("fallback en: %q %q %v", s, txt, err)
	}
	_, _, html, _ = mail.Render("invitation", "en", map[string]any{"Name": "<script>", "Organization": "O", "Inviter": "I", "TenantKey": "k", "Email": "e", "Link": "l"})
	if strings.Contains(html, "<script>") {
		t.Fatal("HTML template does not escape")
	}
}

// An invitation carries a set-password link, never a password, even when
// a caller hands one to the template.
func TestInvitationHasALinkAndNoPassword(t *testing.T) {
	link := "https://app.test/accept-invitation?token=tok-1&tenant=alpha"
	for _, lang := range []string{"fa", "en"} {
		data := map[string]any{"Name": "Sara", "Organization": "Rabin", "Inviter": "Ali", "TenantKey": "alpha", "Email": "sara@x.test",
			"Link": link, "ValidHours": 72, "Password": "Leaked-pass-1"}
		_, txt, html, err := mail.Render("invitation", lang, data)
		if err != nil {
			t.Fatal(err)
		}
		for body, want := range map[string]string{txt: link, html: strings.ReplaceAll(link, "&", "&amp;")} {
			if !strings.Contains(body, want) || !strings.Contains(body, "72") || strings.Contains(body, "Leaked-pass-1") {
				t.Fatalf("%s invitation: %s", lang, body)
			}
		}
	}
}

func TestOutboxKeepsMessages(t *testing.T) {
	ctx := context.Background()
	o := &mail.Outbox{Table: testkit.EmbeddedTable(t, "control")}
	for _, to := range []string{"a@x.test", "b@x.test", "c@x.test"} {
		if _, err := o.Send(ctx, mail.Message{To: []string{to}, Subject: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	got, next, err := o.List(ctx, 2, "")
	if err != nil || len(got) != 2 || got[0].To[0] != "c@x.test" || next == "" {
		t.Fatalf("first page %v %q %v", got, next, err)
	}
	got, _, _ = o.List(ctx, 2, next)
	if len(got) != 1 || got[0].To[0] != "a@x.test" {
		t.Fatalf("second page %v", got)
	}
}

func TestSESAgainstMoto(t *testing.T) {
	ep := moto.Endpoint(t)
	cfg := moto.AWS(t)
	client := sesv2.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("no-reply@payvand.test")}); err != nil {
		t.Fatal(err)
	}
	s := sesmail.New(cfg, "no-reply@payvand.test")
	id, err := s.Send(ctx, mail.Message{To: []string{"user@example.com"}, Subject: "بازنشانی", Text: "کد: 123", HTML: "<p>کد</p>"})
	if err != nil || id == "" {
		t.Fatalf("send: %q %v", id, err)
	}
	resp, err := http.Get(ep + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data map[string]any
	json.NewDecoder(resp.Body).Decode(&data)
	// SES received a raw RFC 5322 message whose Persian subject decodes
	// back exactly, tagged with nothing it was not given.
	var ses struct {
		SESv2 struct {
			RawMessage []struct {
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			}
		} `json:"sesv2"`
		SES struct {
			RawMessage []struct {
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			}
		} `json:"ses"`
	}
	b, _ := json.Marshal(data)
	json.Unmarshal(b, &ses)
	raws := append(ses.SES.RawMessage, ses.SESv2.RawMessage...)
	if len(raws) != 1 || !slices.Contains(raws[0].Destinations, "user@example.com") {
		t.Fatalf("moto did not record one raw message: %+v", raws)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(raws[0].RawData))
	if err != nil {
		t.Fatal(err)
	}
	if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || subject != "بازنشانی" {
		t.Fatalf("subject %q %v", subject, err)
	}
}

// SES's answer for sending over the account's rate (429
// TooManyRequestsException, as the SESv2 API documents it) is
// mail.ErrThrottled, which campaigns wait out; other refusals are not.
func TestSESThrottlingIsRecognized(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		throttled bool
	}{
		{429, `{"message":"Maximum sending rate exceeded."}`, true},
		{400, `{"__type":"TooManyRequestsException","message":"Too many requests."}`, true},
		{400, `{"__type":"MessageRejected","message":"Email address is not verified."}`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.status == 429 {
				w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.sesv2/")
			}
			w.WriteHeader(c.status)
			w.Write([]byte(c.body))
		}))
		cfg := aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""), BaseEndpoint: aws.String(srv.URL)}
		_, err := sesmail.New(cfg, "no-reply@payvand.test").Send(context.Background(), mail.Message{To: []string{"a@example.com"}, Subject: "s", Text: "t"})
		srv.Close()
		if err == nil || errors.Is(err, mail.ErrThrottled) != c.throttled {
			t.Errorf("%d %s: %v", c.status, c.body, err)
		}
	}
}
