package smsapi_test

import (
	"context"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/sms"
	"payvand.dev/shared/testkit/moto"
)

func TestSendCountsSegmentsAndRecordsTheMessage(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		r := e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "۰۹۱۲۱۲۳۴۵۶۷", "message": strings.Repeat("سلام ", 20)}).Want(t, 200)
		d := r.Data()
		if r.JSON["message_id"] == "" || d["to"] != "+989121234567" || d["encoding"] != "UCS-2" || d["segments"] != float64(2) {
			t.Fatalf("answer %s", r.Raw)
		}
		e.Do("POST", "/api/sms/send", ceo, map[string]any{"phone": "+14155550100", "body": "Your code is 1234"}).Want(t, 200)
		e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "12", "message": "x"}).Want(t, 422)
		e.Do("POST", "/api/sms/send", ceo, map[string]any{"to": "09121234567", "message": strings.Repeat("س", 700)}).Want(t, 422)
		e.Do("POST", "/api/sms/send", "", map[string]any{"to": "09121234567", "message": "x"}).Want(t, 401)
		r = e.Do("POST", "/api/sms/test-connection", ceo, nil).Want(t, 200)
		if r.JSON["success"] != true || r.Data()["provider"] != "outbox" || !strings.Contains(r.JSON["message"].(string), "nothing leaves this machine") {
			t.Fatalf("outbox check %s", r.Raw)
		}
		msgs, _, err := (&sms.Outbox{Table: e.Deps.Control.Table}).List(context.Background(), 10, "")
		if err != nil || len(msgs) != 2 || msgs[1].Tenant != "alpha" || msgs[1].Segments != 2 {
			t.Fatalf("outbox %+v %v", msgs, err)
		}
		admin := e.Do("POST", "/api/admin/auth/login", "", map[string]string{"username": "admin", "password": apitest.Password}).Want(t, 200).JSON["token"].(string)
		list := e.Do("GET", "/api/sms/outbox?limit=1", admin, nil).Want(t, 200)
		if l := list.List(); len(l) != 1 || l[0]["to"] != "+14155550100" || list.JSON["pagination"].(map[string]any)["next_cursor"] == nil {
			t.Fatalf("sms outbox %s", list.Raw)
		}
		e.Do("GET", "/api/sms/outbox", ceo, nil).Want(t, 403)
	})
}

func TestSNSAdapterPublishesToAPhone(t *testing.T) {
	id, err := (&sms.SNS{AWS: moto.AWS(t)}).Send(context.Background(), sms.Message{To: "+989121234567", Body: "سلام"})
	if err != nil || id == "" {
		t.Fatalf("sns publish: %q %v", id, err)
	}
}
