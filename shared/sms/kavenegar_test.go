package sms_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/sms"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

const apiKey = "4A6B-test-key"

// kavenegar mimics Kavenegar's documented answers: the status of return
// is also the HTTP status.
type kavenegar struct {
	mu       sync.Mutex
	forms    []url.Values
	raw      []string
	paths    []string
	answer   string // the body to answer with
	httpCode int
}

func (k *kavenegar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	k.mu.Lock()
	k.forms, k.raw, k.paths = append(k.forms, form), append(k.raw, string(body)), append(k.paths, r.URL.Path)
	answer, code := k.answer, k.httpCode
	k.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if code != 0 {
		w.WriteHeader(code)
	}
	w.Write([]byte(answer))
}

func start(t *testing.T, answer string, code int) (*kavenegar, *sms.Kavenegar) {
	k := &kavenegar{answer: answer, httpCode: code}
	srv := httptest.NewServer(k)
	t.Cleanup(srv.Close)
	return k, &sms.Kavenegar{APIKey: apiKey, Sender: "10004346", BaseURL: srv.URL}
}

const sent = `{"return":{"status":200,"message":"تایید شد"},"entries":[{"messageid":8792343,"message":"x","status":1,"statustext":"در صف ارسال","sender":"10004346","receptor":"09121234567","date":1356619709,"cost":120}]}`

func TestKavenegarSendsPersianByteExact(t *testing.T) {
	k, p := start(t, sent, 0)
	body := "سلام رضا، سفارش ۱۲۳ ارسال شد.\nپیوند‌ها: https://x.test/?a=1&b=2 ✓ 👋"
	m, err := sms.Prepare("۰۹۱۲۱۲۳۴۵۶۷", body)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Send(context.Background(), m)
	if err != nil || id != "8792343" {
		t.Fatalf("send: %q %v", id, err)
	}
	f := k.forms[0]
	if k.paths[0] != "/"+apiKey+"/sms/send.json" || f.Get("receptor") != "09121234567" || f.Get("sender") != "10004346" {
		t.Fatalf("request %s %v", k.paths[0], f)
	}
	if f.Get("message") != body {
		t.Fatalf("message arrived as %q, want %q", f.Get("message"), body)
	}
	if !strings.Contains(k.raw[0], url.QueryEscape(body)) {
		t.Fatalf("the form does not carry the UTF-8 bytes: %s", k.raw[0])
	}

	m, _ = sms.Prepare("+1 415 555 0100", "hi")
	p.Send(context.Background(), m)
	if got := k.forms[1].Get("receptor"); got != "0014155550100" {
		t.Errorf("international receptor %q", got)
	}
}

func TestKavenegarRefusalsAreClearProblems(t *testing.T) {
	cases := []struct {
		name, answer string
		code         int
		errCode      string
		field        string
		detail       string
	}{
		{"no credit", `{"return":{"status":418,"message":"اعتبار حساب شما کافی نیست"},"entries":null}`, 418, crm.ECONFLICT, "", "418 the account's credit is not enough — اعتبار حساب شما کافی نیست"},
		{"bad key", `{"return":{"status":403,"message":"کد شناسائی API-Key معتبر نمی‌باشد"},"entries":null}`, 403, crm.ECONFLICT, "", "403 the API key is not valid"},
		{"bad receptor", `{"return":{"status":411,"message":"دریافت کننده نامعتبر است"},"entries":null}`, 411, crm.EVALIDATION, "to", "411 the recipient is not valid"},
		{"bad characters", `{"return":{"status":422,"message":"داده ها به دلیل وجود کاراکتر نامناسب قابل پردازش نیست"},"entries":null}`, 422, crm.EVALIDATION, "message", "422"},
		{"status in the body only", `{"return":{"status":412,"message":"ارسال کننده نامعتبر است"},"entries":null}`, 200, crm.ECONFLICT, "", "412 the sender line is not valid"},
		{"a proxy's page", `<html>bad gateway</html>`, 502, crm.ECONFLICT, "", "could not be reached"},
		{"no entries", `{"return":{"status":200,"message":"تایید شد"},"entries":[]}`, 200, crm.ECONFLICT, "", "no message id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, p := start(t, c.answer, c.code)
			m, _ := sms.Prepare("09121234567", "سلام")
			_, err := p.Send(context.Background(), m)
			e, ok := err.(*crm.Error)
			if !ok || e.Code != c.errCode || !strings.Contains(e.Message, c.detail) {
				t.Fatalf("error %#v, want %s with %q", err, c.errCode, c.detail)
			}
			if c.field != "" && len(e.Fields[c.field]) == 0 {
				t.Errorf("no message for %s: %v", c.field, e.Fields)
			}
			if strings.Contains(err.Error(), apiKey) {
				t.Errorf("the error shows the API key: %v", err)
			}
		})
	}
	// Unreachable: the error names no URL (it holds the key).
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	p := &sms.Kavenegar{APIKey: apiKey, BaseURL: "http://" + addr}
	m, _ := sms.Prepare("09121234567", "x")
	_, err := p.Send(context.Background(), m)
	if crm.ErrorCode(err) != crm.ECONFLICT || strings.Contains(err.Error(), apiKey) {
		t.Fatalf("unreachable: %v", err)
	}
	if _, err := (&sms.Kavenegar{}).Send(context.Background(), m); crm.ErrorCode(err) != crm.ECONFLICT || !strings.Contains(err.Error(), "PAYVAND_KAVENEGAR_API_KEY") {
		t.Fatalf("no key: %v", err)
	}
}

func TestKavenegarCheck(t *testing.T) {
	k, p := start(t, `{"return":{"status":200,"message":"تایید شد"},"entries":{"remaincredit":25000,"expiredate":4102444800,"type":"master"}}`, 0)
	msg, err := p.Check(context.Background())
	if err != nil || !strings.Contains(msg, "active and has credit") || strings.Contains(msg, "25000") || k.paths[0] != "/"+apiKey+"/account/info.json" {
		t.Fatalf("check: %q %v %v", msg, err, k.paths)
	}
	_, p = start(t, `{"return":{"status":200,"message":"تایید شد"},"entries":{"remaincredit":0,"expiredate":4102444800,"type":"master"}}`, 0)
	if _, err := p.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "no credit") {
		t.Fatalf("no credit: %v", err)
	}
	_, p = start(t, `{"return":{"status":403,"message":"کد شناسائی API-Key معتبر نمی‌باشد"},"entries":null}`, 403)
	if _, err := p.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "403 the API key is not valid") {
		t.Fatalf("bad key: %v", err)
	}
}

func TestChoose(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "")
	for _, c := range []struct {
		cfg  sms.Config
		want string
	}{
		{sms.Config{}, "outbox"},
		{sms.Config{Provider: "sns"}, "sns"},
		{sms.Config{Provider: "kavenegar", KavenegarAPIKey: "k"}, "kavenegar"},
		{sms.Config{Provider: "outbox"}, "outbox"},
		{sms.Config{Provider: "kavenegar"}, "error"},
		{sms.Config{Provider: "twilio"}, "error"},
	} {
		p, err := sms.Choose(c.cfg, moto.Config(), nil)
		got := "error"
		if err == nil {
			got = p.Name()
		} else if crm.ErrorCode(err) != crm.ECONFLICT {
			t.Errorf("%+v: %v", c.cfg, err)
		}
		if got != c.want {
			t.Errorf("%+v: %s, want %s", c.cfg, got, c.want)
		}
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "payvand-sms")
	if p, _ := sms.Choose(sms.Config{}, moto.Config(), nil); p.Name() != "sns" {
		t.Errorf("in a Lambda the default is %s", p.Name())
	}
}

func TestSNSCheckOnMoto(t *testing.T) {
	msg, err := (&sms.SNS{AWS: moto.AWS(t)}).Check(context.Background())
	if err != nil || !strings.Contains(msg, "Amazon SNS answered") {
		t.Fatalf("check: %q %v", msg, err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := "http://" + l.Addr().String()
	l.Close()
	bad := moto.Config()
	bad.BaseEndpoint = &addr
	if _, err := (&sms.SNS{AWS: bad}).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "could not be reached") {
		t.Fatalf("unreachable: %v", err)
	}
}

// On AWS the key lives in Secrets Manager: the provider reads it from the
// secret named by PAYVAND_KAVENEGAR_API_KEY_SECRET (moto here) and sends
// with it.
func TestKavenegarKeyFromSecretsManager(t *testing.T) {
	cfg := moto.AWS(t)
	var out struct{ ARN string }
	if err := awssign.Do(context.Background(), cfg, awssign.Request{Service: "secretsmanager", Host: "secretsmanager",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.CreateSecret"},
		Body:    map[string]string{"Name": "kavenegar-" + t.Name(), "SecretString": apiKey + "\n"}, Response: &out}); err != nil {
		t.Fatal(err)
	}
	k, direct := start(t, sent, 0)
	p, err := sms.Choose(sms.Config{Provider: "kavenegar", KavenegarSecret: out.ARN, KavenegarURL: direct.BaseURL, KavenegarSender: "10004346"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sms.Prepare("09121234567", "سلام")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if len(k.paths) != 1 || !strings.Contains(k.paths[0], "/"+apiKey+"/sms/send.json") {
		t.Fatalf("paths %v", k.paths)
	}
}
