package smsapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"payvand.dev/functions/api/smsapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// kavenegar mimics Kavenegar's documented answers.
type kavenegar struct {
	mu      sync.Mutex
	forms   []url.Values
	send    string // answer to sms/send.json
	status  int
	account string // answer to account/info.json
}

func (k *kavenegar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	k.mu.Lock()
	defer k.mu.Unlock()
	if !strings.HasPrefix(r.URL.Path, "/test-api-key/") {
		w.WriteHeader(403)
		w.Write([]byte(`{"return":{"status":403,"message":"کد شناسائی API-Key معتبر نمی‌باشد"},"entries":null}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if strings.HasSuffix(r.URL.Path, "/account/info.json") {
		w.Write([]byte(k.account))
		return
	}
	k.forms = append(k.forms, form)
	if k.status != 0 {
		w.WriteHeader(k.status)
	}
	w.Write([]byte(k.send))
}

func TestKavenegarThroughTheAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		k := &kavenegar{send: `{"return":{"status":200,"message":"تایید شد"},"entries":[{"messageid":8792343,"status":1,"statustext":"در صف ارسال","receptor":"09121234567","cost":360}]}`,
			account: `{"return":{"status":200,"message":"تایید شد"},"entries":{"remaincredit":25000,"expiredate":4102444800,"type":"master"}}`}
		srv := httptest.NewServer(k)
		defer srv.Close()
		t.Setenv("PAYVAND_SMS_PROVIDER", "kavenegar")
		t.Setenv("PAYVAND_KAVENEGAR_API_KEY", "test-api-key")
		t.Setenv("PAYVAND_KAVENEGAR_SENDER", "10004346")
		t.Setenv("PAYVAND_KAVENEGAR_URL", srv.URL)
		ceo := e.CEO("alpha")
		text := "مشتری گرامی، سفارش شماره ۱۴۰۴-۲۳ ثبت شد. پیوند پیگیری: https://x.test/t?a=1&b=۲"
		r := e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": text}).Want(t, 200)
		if r.JSON["message_id"] != "8792343" || r.Data()["segments"] != float64(2) {
			t.Fatalf("send %s", r.Raw)
		}
		if got := k.forms[0]; got.Get("message") != text || got.Get("receptor") != "09121234567" || got.Get("sender") != "10004346" {
			t.Fatalf("Kavenegar got %v", got)
		}
		r = e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200)
		if r.JSON["success"] != true || r.Data()["provider"] != "kavenegar" || strings.Contains(string(r.Raw), "25000") {
			t.Fatalf("check %s", r.Raw)
		}
		e.WantDocumented(t, smsapi.Mount(), "POST", "/api/sms/test-connection", r)

		// Refusals: a clear problem, never a 500.
		k.mu.Lock()
		k.send, k.status = `{"return":{"status":418,"message":"اعتبار حساب شما کافی نیست"},"entries":null}`, 418
		k.mu.Unlock()
		r = e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": "سلام"}).Want(t, 409)
		e.WantDocumented(t, smsapi.Mount(), "POST", "/api/sms/send", r)
		if !strings.Contains(r.JSON["detail"].(string), "اعتبار حساب شما کافی نیست") || !strings.Contains(r.JSON["detail"].(string), "credit") {
			t.Fatalf("no credit: %s", r.Raw)
		}
		k.mu.Lock()
		k.send, k.status = `{"return":{"status":411,"message":"دریافت کننده نامعتبر است"},"entries":null}`, 411
		k.mu.Unlock()
		r = e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": "سلام"}).Want(t, 422)
		if r.JSON["errors"].(map[string]any)["to"] == nil {
			t.Fatalf("bad receptor: %s", r.Raw)
		}

		t.Setenv("PAYVAND_KAVENEGAR_API_KEY", "wrong-key")
		r = e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "API key is not valid") || strings.Contains(string(r.Raw), "wrong-key") {
			t.Fatalf("bad key check: %s", r.Raw)
		}
		e.WantDocumented(t, smsapi.Mount(), "POST", "/api/sms/test-connection", r)
		t.Setenv("PAYVAND_KAVENEGAR_API_KEY", "")
		e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": "x"}).Want(t, 409)
		r = e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200)
		if r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "PAYVAND_KAVENEGAR_API_KEY") {
			t.Fatalf("no key check: %s", r.Raw)
		}
		t.Setenv("PAYVAND_SMS_PROVIDER", "carrier-pigeon")
		if r = e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200); r.JSON["success"] != false || !strings.Contains(r.JSON["message"].(string), "sns, kavenegar or outbox") {
			t.Fatalf("unknown provider: %s", r.Raw)
		}
	})
}

func TestSNSThroughTheAPIOnMoto(t *testing.T) {
	e := apitest.NewDynamoDB(t) // its AWS configuration is moto's
	t.Setenv("PAYVAND_SMS_PROVIDER", "sns")
	ceo := e.CEO("alpha")
	r := e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200)
	if r.JSON["success"] != true || r.Data()["provider"] != "sns" || !strings.Contains(r.JSON["message"].(string), "Amazon SNS answered") {
		t.Fatalf("sns check %s", r.Raw)
	}
	r = e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": "سلام"}).Want(t, 200)
	if r.JSON["message_id"] == "" {
		t.Fatalf("sns send %s", r.Raw)
	}
}

func TestOnlyManagersCheckTheProvider(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		_, sara := e.AddUser("alpha", &users.User{Name: "Sara", Email: "sara@alpha.test", Role: "employee"})
		e.Do("POST", "/api/sms/test-connection", sara, "{not json").Want(t, 403)
		e.Do("POST", "/api/sms/test-connection", "", nil).Want(t, 401)
	})
}
