package emailapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

func TestEmailSendPreviewBulkAndSuppression(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		r := e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "subject": "Hi", "html": "<p>Hello</p>"}).Want(t, 200)
		if r.Data()["message_id"] == "" {
			t.Fatalf("send %s", r.Raw)
		}
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "not-an-address", "subject": "Hi", "text": "x"}).Want(t, 422)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "text": "no subject"}).Want(t, 422)
		e.Do("POST", "/api/email/suppressions", ceo, map[string]any{"email": "Gone@Example.com", "reason": "unsubscribed"}).Want(t, 201)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": []string{"gone@example.com"}, "subject": "Hi", "text": "x"}).Want(t, 409)

		tpls := e.Do("GET", "/api/email/templates", ceo, nil).Want(t, 200)
		if len(tpls.JSON["data"].([]any)) < 3 {
			t.Fatalf("templates %s", tpls.Raw)
		}
		p := e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "welcome", "lang": "fa", "variables": map[string]any{"name": "<سارا>", "company": "آلفا"}}).Want(t, 200).Data()
		if p["subject"] != "به آلفا خوش آمدید" || !strings.Contains(p["html"].(string), "&lt;سارا&gt;") || !strings.Contains(p["text"].(string), "<سارا>") {
			t.Fatalf("preview %v", p)
		}
		e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "nope"}).Want(t, 422)

		b := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"template": "follow_up", "variables": map[string]any{"sender": "Alpha"},
			"recipients": []any{"a@example.com", map[string]any{"email": "b@example.com", "name": "Bita"}, "gone@example.com", "bad", "A@example.com"}}).Want(t, 202).Data()
		id := b["id"].(string)
		var c map[string]any
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if c = e.Do("GET", "/api/email/bulk/"+id, ceo, nil).Want(t, 200).Data(); c["status"] == "completed" {
				break
			}
		}
		if c["status"] != "completed" || c["sent"] != float64(2) || c["suppressed"] != float64(1) || c["invalid"] != float64(1) || c["total"] != float64(5) {
			t.Fatalf("campaign %v", c)
		}
		e.Do("GET", "/api/email/bulk/"+id, e.CEO("beta"), nil).Want(t, 404)
		msgs, _, err := e.Deps.Outbox.List(context.Background(), 20, "")
		if err != nil {
			t.Fatal(err)
		}
		bita := 0
		for _, m := range msgs {
			if m.To[0] == "b@example.com" && strings.Contains(m.Text, "Hello Bita") && strings.Contains(m.Text, "Alpha") {
				bita++
			}
			if m.To[0] == "gone@example.com" {
				t.Fatal("a suppressed address was mailed")
			}
		}
		if bita != 1 {
			t.Fatalf("Bita's message %d times", bita)
		}
		e.Do("DELETE", "/api/email/suppressions/gone@example.com", ceo, nil).Want(t, 200)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "gone@example.com", "subject": "Back", "text": "x"}).Want(t, 200)
		e.Do("POST", "/api/email/send", "", map[string]any{"to": "x@example.com", "subject": "Hi", "text": "x"}).Want(t, 401)
	})
}
