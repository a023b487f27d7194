package emailapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"payvand.dev/functions/api/emailapi"
	"payvand.dev/functions/consumers"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/smtpmail/smtptest"
	"payvand.dev/shared/outbox"
)

// live runs the relay and the consumers in-process, as the local runner
// does: campaigns are sent by the worker that takes email.campaign_queued.
func live(t *testing.T, e *apitest.Env) *consumers.Local {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l, err := consumers.Start(ctx, e.Deps, "payvand")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sentMail is every message in the local mail outbox.
func sentMail(t *testing.T, e *apitest.Env) []mail.Message {
	var out []mail.Message
	cursor := ""
	for {
		page, next, err := e.Deps.Outbox.List(context.Background(), 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func waitStatus(t *testing.T, e *apitest.Env, tok, id, status string, within time.Duration) map[string]any {
	t.Helper()
	var c map[string]any
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if c = e.Do("GET", "/api/email/bulk/"+id, tok, nil).Want(t, 200).Data(); c["status"] == status {
			return c
		}
	}
	t.Fatalf("campaign did not become %s: %v", status, c)
	return nil
}

func TestEmailSendPreviewBulkAndSuppression(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		live(t, e)
		ceo := e.CEO("alpha")
		r := e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "subject": "Hi", "html": "<p>Hello</p>"}).Want(t, 200)
		if r.Data()["message_id"] == "" || r.JSON["message_id"] != r.Data()["message_id"] {
			t.Fatalf("send %s", r.Raw)
		}
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "not-an-address", "subject": "Hi", "text": "x"}).Want(t, 422)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "text": "no subject"}).Want(t, 422)
		e.Do("POST", "/api/email/suppressions", ceo, map[string]any{"email": "Gone@Example.com", "reason": "unsubscribed"}).Want(t, 201)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": []string{"gone@example.com"}, "subject": "Hi", "text": "x"}).Want(t, 409)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "ok@example.com", "cc": "gone@example.com", "subject": "Hi", "text": "x"}).Want(t, 409)

		tpls := e.Do("GET", "/api/email/templates", ceo, nil).Want(t, 200)
		if len(tpls.JSON["data"].([]any)) < 3 || len(tpls.JSON["templates"].([]any)) < 3 {
			t.Fatalf("templates %s", tpls.Raw)
		}
		p := e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "welcome", "lang": "fa", "variables": map[string]any{"name": "<سارا>", "company": "آلفا"}}).Want(t, 200)
		d := p.Data()
		if d["subject"] != "به آلفا خوش آمدید" || !strings.Contains(d["html"].(string), "&lt;سارا&gt;") || !strings.Contains(d["text"].(string), "<سارا>") || p.JSON["html"] != d["html"] {
			t.Fatalf("preview %s", p.Raw)
		}
		// Persian mail is a right-to-left document; English stays left to right.
		if !strings.Contains(d["html"].(string), `<html lang="fa" dir="rtl">`) {
			t.Fatalf("Persian preview is not right to left: %s", d["html"])
		}
		en := e.Do("POST", "/api/email/preview", ceo, map[string]any{"subject": "Hi", "html": "<p>Hello</p>"}).Want(t, 200).Data()
		if !strings.Contains(en["html"].(string), `dir="ltr"`) {
			t.Fatalf("English preview %s", en["html"])
		}
		e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "nope"}).Want(t, 422)

		b := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"template": "follow_up", "variables": map[string]any{"sender": "Alpha"},
			"recipients": []any{"a@example.com", map[string]any{"email": "b@example.com", "name": "Bita"}, "gone@example.com", "bad", "A@example.com"}}).Want(t, 202)
		id := b.JSON["campaign_id"].(string)
		if b.Data()["id"] != id {
			t.Fatalf("bulk answer %s", b.Raw)
		}
		e.WantDocumented(t, emailapi.Mount(), "POST", "/api/email/bulk", b)
		e.WantDocumented(t, emailapi.Mount(), "GET", "/api/email/templates", tpls)
		c := waitStatus(t, e, ceo, id, "completed", 10*time.Second)
		if c["sent"] != float64(2) || c["suppressed"] != float64(1) || c["invalid"] != float64(1) || c["duplicate"] != float64(1) || c["total"] != float64(5) || c["progress"] != float64(100) {
			t.Fatalf("campaign %v", c)
		}
		apitest.WantJalaliTwins(t, e.Do("GET", "/api/email/bulk/"+id, ceo, nil).Raw)
		e.Do("GET", "/api/email/bulk/"+id, e.CEO("beta"), nil).Want(t, 404)
		e.Do("GET", "/api/email/bulk/"+id+"/recipients", e.CEO("beta"), nil).Want(t, 404)
		rr := e.Do("GET", "/api/email/bulk/"+id+"/recipients", ceo, nil).Want(t, 200)
		e.WantDocumented(t, emailapi.Mount(), "GET", "/api/email/bulk/{id}/recipients", rr)
		rs := rr.List()
		want := []string{"sent", "sent", "suppressed", "invalid", "duplicate"}
		for i, r := range rs {
			if r["status"] != want[i] {
				t.Fatalf("recipient %d: %v, want %s", i, r, want[i])
			}
		}
		if l := e.Do("GET", "/api/email/bulk", ceo, nil).Want(t, 200).List(); len(l) != 1 || l[0]["id"] != id {
			t.Fatalf("campaigns %v", l)
		}
		bita := 0
		for _, m := range sentMail(t, e) {
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

// A bulk send to 1,000 recipients reports its progress as it goes (the
// events the sender's WebSocket channel gets) and skips the addresses
// that unsubscribed: through a message's own one-click link (RFC 8058)
// and through the suppression list.
func TestBulkToAThousandReportsProgressAndSkipsTheUnsubscribed(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		l := live(t, e)
		var mu sync.Mutex
		var progress []map[string]any
		l.Bus.Subscribe("test-progress", []string{"email.campaign_progress"}, func(_ context.Context, ev outbox.Event) error {
			mu.Lock()
			defer mu.Unlock()
			var d map[string]any
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return err
			}
			d["actor"] = ev.Actor
			progress = append(progress, d)
			return nil
		})
		ceo := e.CEO("alpha")
		// A first campaign to one address gives a real unsubscribe link.
		first := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "News", "text": "hello", "recipients": []string{"r0007@example.com"}}).Want(t, 202)
		waitStatus(t, e, ceo, first.JSON["campaign_id"].(string), "completed", 10*time.Second)
		var link string
		for _, m := range sentMail(t, e) {
			if m.To[0] == "r0007@example.com" {
				if m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
					t.Fatalf("headers %v", m.Headers)
				}
				link = strings.Trim(m.Headers["List-Unsubscribe"], "<>")
			}
		}
		if !strings.Contains(link, "/api/email/unsubscribe?token=") {
			t.Fatalf("link %q", link)
		}
		u, _ := url.Parse(link)
		// Following the link shows a page and unsubscribes nobody; the
		// one-click POST does.
		pg := e.Do("GET", u.RequestURI(), "", nil).Want(t, 200)
		if !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(pg.Raw), "r0007@example.com") {
			t.Fatalf("page %s", pg.Raw)
		}
		if sup := e.Do("GET", "/api/email/suppressions", ceo, nil).Want(t, 200).JSON["data"].([]any); len(sup) != 0 {
			t.Fatalf("a GET unsubscribed: %v", sup)
		}
		e.Do("POST", u.RequestURI(), "", "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded").Want(t, 200)
		e.Do("POST", u.RequestURI()+"x", "", "List-Unsubscribe=One-Click", "Content-Type: application/x-www-form-urlencoded").Want(t, 404)
		// The link names alpha's recipient: beta's list is untouched.
		if sup := e.Do("GET", "/api/email/suppressions", e.CEO("beta"), nil).Want(t, 200).JSON["data"].([]any); len(sup) != 0 {
			t.Fatalf("beta's list %v", sup)
		}
		for i := 0; i < 1000; i += 25 {
			if i != 0 {
				e.Do("POST", "/api/email/suppressions", ceo, map[string]any{"email": fmt.Sprintf("r%04d@example.com", i), "reason": "asked"}).Want(t, 201)
			}
		}
		recipients := make([]any, 1000)
		for i := range recipients {
			recipients[i] = map[string]any{"email": fmt.Sprintf("r%04d@example.com", i), "name": fmt.Sprintf("N%d", i)}
		}
		b := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "Offer for {{.name}}", "text": "Dear {{.name}}", "recipients": recipients}).Want(t, 202)
		id := b.JSON["campaign_id"].(string)
		c := waitStatus(t, e, ceo, id, "completed", 120*time.Second)
		// r0000, r0025, …, r0975 minus r0000 (39) and r0007 unsubscribed.
		if c["sent"] != float64(960) || c["suppressed"] != float64(40) || c["total"] != float64(1000) || c["failed"] != float64(0) {
			t.Fatalf("campaign %v", c)
		}
		mailed := map[string]int{}
		for _, m := range sentMail(t, e) {
			if strings.HasPrefix(m.Subject, "Offer for ") {
				mailed[m.To[0]]++
				if m.Subject != "Offer for N"+strings.TrimLeft(m.To[0][1:5], "0") && !(m.To[0] == "r0000@example.com" && m.Subject == "Offer for N0") {
					t.Fatalf("%s got %q", m.To[0], m.Subject)
				}
			}
		}
		if len(mailed) != 960 || mailed["r0007@example.com"] != 0 || mailed["r0025@example.com"] != 0 {
			t.Fatalf("%d addresses mailed", len(mailed))
		}
		for a, n := range mailed {
			if n != 1 {
				t.Fatalf("%s mailed %d times", a, n)
			}
		}
		// Progress came in steps, never backwards, to the sender, ending
		// at 100 % completed.
		mu.Lock()
		defer mu.Unlock()
		var steps []float64
		for _, p := range progress {
			if p["campaign_id"] == id {
				steps = append(steps, p["progress"].(float64))
				if p["actor"] == "" {
					t.Fatal("a progress event without its sender")
				}
			}
		}
		if len(steps) < 10 || steps[len(steps)-1] != 100 {
			t.Fatalf("progress %v", steps)
		}
		for i := 1; i < len(steps); i++ {
			if steps[i] < steps[i-1] {
				t.Fatalf("progress went back: %v", steps)
			}
		}
		sup := e.Do("GET", "/api/email/bulk/"+id+"/recipients?status=suppressed&limit=100", ceo, nil).Want(t, 200)
		if len(sup.List()) != 40 || sup.JSON["pagination"].(map[string]any)["total"] != float64(40) {
			t.Fatalf("suppressed recipients %s", sup.Raw[:300])
		}
	})
}

// A scheduled campaign leaves nothing in the mail outbox before its time
// and everything after — also when the process restarted in between
// (its timer is gone; the sweep finds it).
func TestScheduledCampaignSendsNothingBeforeItsTime(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx, stop := context.WithCancel(context.Background())
		if _, err := consumers.Start(ctx, e.Deps, "payvand"); err != nil {
			t.Fatal(err)
		}
		ceo := e.CEO("alpha")
		at := time.Now().Add(3 * time.Second).UTC()
		b := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "Later", "text": "x", "recipients": []string{"s1@example.com", "s2@example.com"},
			"schedule_at": at.Format(time.RFC3339Nano)}).Want(t, 202).Data()
		id := b["id"].(string)
		if b["status"] != "scheduled" || b["scheduled_at_jalali"] == nil {
			t.Fatalf("bulk %v", b)
		}
		// Another one is cancelled: it never sends.
		cancelled := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "Never", "text": "x", "recipients": []string{"n1@example.com"},
			"schedule_at": at.Format(time.RFC3339Nano)}).Want(t, 202).Data()["id"].(string)
		e.Do("POST", "/api/email/bulk/"+cancelled+"/cancel", ceo, nil).Want(t, 200)
		e.Do("POST", "/api/email/bulk/"+cancelled+"/cancel", ceo, nil).Want(t, 409)
		// A restart: the first process's timers die with it.
		stop()
		time.Sleep(100 * time.Millisecond)
		ctx2, stop2 := context.WithCancel(context.Background())
		t.Cleanup(stop2)
		if _, err := consumers.Start(ctx2, e.Deps, "payvand"); err != nil {
			t.Fatal(err)
		}
		for time.Until(at) > 300*time.Millisecond {
			for _, m := range sentMail(t, e) {
				if m.Subject == "Later" {
					t.Fatalf("sent at %s, before its time %s", m.SentAt, at)
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		c := waitStatus(t, e, ceo, id, "completed", 20*time.Second)
		if c["sent"] != float64(2) {
			t.Fatalf("campaign %v", c)
		}
		n := 0
		for _, m := range sentMail(t, e) {
			switch m.Subject {
			case "Later":
				n++
				if m.SentAt.Before(at) {
					t.Fatalf("sent at %s, before %s", m.SentAt, at)
				}
			case "Never":
				t.Fatal("a cancelled campaign sent")
			}
		}
		if n != 2 {
			t.Fatalf("%d scheduled messages", n)
		}
		e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "x", "text": "x", "recipients": []string{"a@example.com"},
			"schedule_at": time.Now().Add(400 * 24 * time.Hour).Format(time.RFC3339)}).Want(t, 422)
	})
}

func TestTemplatesOfTheTenant(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		live(t, e)
		ceo := e.CEO("alpha")
		tpl := map[string]any{"name": "Invoice due", "subject": map[string]string{"fa": "فاکتور {{.number}}", "en": "Invoice {{.number}}"},
			"html": map[string]string{"fa": "<p>{{.name}} عزیز، فاکتور {{.number}}</p>", "en": "<p>Dear {{.name}}, invoice {{.number}}</p>"}}
		created := e.Do("POST", "/api/email/templates", ceo, tpl).Want(t, 201).Data()
		id := created["id"].(string)
		if fmt.Sprint(created["variables"]) != "[name number]" {
			t.Fatalf("variables %v", created["variables"])
		}
		e.Do("POST", "/api/email/templates", ceo, map[string]any{"name": "INVOICE DUE", "subject": map[string]string{"en": "x"}, "text": map[string]string{"en": "y"}}).Want(t, 409)
		e.Do("POST", "/api/email/templates", ceo, map[string]any{"name": "welcome", "subject": map[string]string{"en": "x"}, "text": map[string]string{"en": "y"}}).Want(t, 409)
		e.Do("POST", "/api/email/templates", ceo, map[string]any{"name": "no body", "subject": map[string]string{"en": "x"}}).Want(t, 422)
		e.Do("POST", "/api/email/templates", ceo, map[string]any{"name": "bad lang", "subject": map[string]string{"de": "x"}, "text": map[string]string{"de": "y"}}).Want(t, 422)
		e.Do("PUT", "/api/email/templates/welcome", ceo, tpl).Want(t, 409)
		p := e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "Invoice due", "lang": "fa", "variables": map[string]any{"name": "سارا", "number": 12}}).Want(t, 200).Data()
		if p["subject"] != "فاکتور 12" || !strings.Contains(p["html"].(string), "سارا عزیز") {
			t.Fatalf("preview %v", p)
		}
		tpl["name"] = "Invoice reminder"
		e.Do("PUT", "/api/email/templates/"+id, ceo, tpl).Want(t, 200)
		e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": "Invoice due"}).Want(t, 422)
		e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": id, "variables": map[string]any{"number": 7}}).Want(t, 200)
		// Another tenant neither sees nor changes it.
		if l := e.Do("GET", "/api/email/templates", e.CEO("beta"), nil).Want(t, 200).JSON["data"].([]any); len(l) != 3 {
			t.Fatalf("beta sees %d templates", len(l))
		}
		e.Do("PUT", "/api/email/templates/"+id, e.CEO("beta"), tpl).Want(t, 404)
		e.Do("DELETE", "/api/email/templates/"+id, e.CEO("beta"), nil).Want(t, 404)
		apitest.WantJalaliTwins(t, e.Do("GET", "/api/email/templates", ceo, nil).Raw)
		e.Do("DELETE", "/api/email/templates/"+id, ceo, nil).Want(t, 200)
		e.Do("POST", "/api/email/preview", ceo, map[string]any{"template": id}).Want(t, 422)
		// Plain strings are the request's language.
		one := e.Do("POST", "/api/email/templates", ceo, map[string]any{"name": "Short", "subject": "سلام {{.name}}", "text": "متن"}, "Accept-Language: fa").Want(t, 201).Data()
		if one["subject"].(map[string]any)["fa"] != "سلام {{.name}}" || one["text"].(map[string]any)["fa"] != "متن" {
			t.Fatalf("template from strings %v", one)
		}
	})
}

// Attachments: a document by id and an inline file reach the message
// byte for byte; too much is refused before anything is sent.
func TestSendWithAttachments(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		pdf := append([]byte("%PDF-1.4\n"), make([]byte, 5000)...)
		doc := uploadDocument(t, e, ceo, "قرارداد.pdf", pdf)
		inline := []byte("name,amount\nسارا,1200\n")
		r := e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "subject": "قرارداد", "text": "پیوست",
			"attachments": []any{map[string]any{"document_id": doc}, map[string]any{"filename": "../../list.csv", "content": base64.StdEncoding.EncodeToString(inline), "content_type": "text/csv"}}}).Want(t, 200)
		id := r.Data()["message_id"]
		var got *mail.Message
		for _, m := range sentMail(t, e) {
			if m.ID == id {
				got = &m
			}
		}
		if got == nil || len(got.Attachments) != 2 {
			t.Fatalf("message %+v", got)
		}
		if a := got.Attachments[0]; a.Name != "قرارداد.pdf" || a.Size != len(pdf) || a.SHA256 != mail.Attach("", "", pdf).SHA256 {
			t.Fatalf("document attachment %+v", a)
		}
		if a := got.Attachments[1]; a.Name != "list.csv" || a.ContentType != "text/csv" || a.SHA256 != mail.Attach("", "", inline).SHA256 {
			t.Fatalf("inline attachment %+v", a)
		}
		big := base64.StdEncoding.EncodeToString(make([]byte, 3<<20+1))
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "subject": "x", "text": "x",
			"attachments": []any{map[string]any{"filename": "big.bin", "content": big}}}).Want(t, 422)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "sara@example.com", "subject": "x", "text": "x",
			"attachments": []any{map[string]any{"document_id": "0190e5a4-0000-7000-8000-000000000000"}}}).Want(t, 404)
		// Beta cannot attach alpha's document.
		e.Do("POST", "/api/email/send", e.CEO("beta"), map[string]any{"to": "sara@example.com", "subject": "x", "text": "x",
			"attachments": []any{map[string]any{"document_id": doc}}}).Want(t, 404)
	})
}

func uploadDocument(t *testing.T, e *apitest.Env, tok, name string, data []byte) string {
	t.Helper()
	var body strings.Builder
	body.WriteString("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: application/pdf\r\n\r\n")
	body.Write(data)
	body.WriteString("\r\n--B--\r\n")
	r := e.Do(http.MethodPost, "/api/documents", tok, body.String(), "Content-Type: multipart/form-data; boundary=B").Want(t, 201)
	return r.Data()["id"].(string)
}

// An organization that configured its own SMTP server sends its messages
// and campaigns through it (one session for the campaign), not through
// the platform's sender.
func TestTheTenantsOwnSMTPServerSendsItsMail(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		live(t, e)
		serverTLS, _ := smtptest.SelfSigned(t)
		srv := &smtptest.Server{TLS: serverTLS, NoTLS: true, User: "crm@alpha.test", Pass: "pw"}
		port := smtptest.Start(t, srv)
		ceo := e.CEO("alpha")
		e.Do("POST", "/api/settings/email/configure", ceo, map[string]any{"provider": "smtp", "credentials": map[string]any{"host": "127.0.0.1", "port": port,
			"username": "crm@alpha.test", "password": "pw", "from": "Alpha <crm@alpha.test>", "security": "none"}}).Want(t, 200)
		e.Do("POST", "/api/email/send", ceo, map[string]any{"to": "one@example.com", "subject": "سلام", "text": "یک"}).Want(t, 200)
		id := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "News", "text": "x", "recipients": []string{"a@example.com", "b@example.com", "c@example.com"}}).Want(t, 202).JSON["campaign_id"].(string)
		waitStatus(t, e, ceo, id, "completed", 20*time.Second)
		var got []string
		campaignSessions := 0
		// The server records a session at its QUIT, which the worker sends
		// once the campaign is done.
		for deadline := time.Now().Add(10 * time.Second); campaignSessions == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			got, campaignSessions = nil, 0
			for _, s := range srv.Sessions() {
				if len(s.Messages) == 3 {
					campaignSessions++
				}
				for _, m := range s.Messages {
					for _, line := range strings.Split(string(m), "\n") {
						if strings.HasPrefix(line, "To: ") {
							got = append(got, strings.TrimPrefix(line, "To: "))
						}
					}
				}
			}
		}
		if strings.Join(got, ",") != "<one@example.com>,<a@example.com>,<b@example.com>,<c@example.com>" || campaignSessions != 1 {
			t.Fatalf("the SMTP server got %v in %d campaign sessions", got, campaignSessions)
		}
		for _, m := range sentMail(t, e) {
			if m.Tenant == "alpha" {
				t.Fatalf("alpha's mail went to the platform's outbox: %v", m.To)
			}
		}
		// Beta, which chose nothing, still sends through the platform.
		e.Do("POST", "/api/email/send", e.CEO("beta"), map[string]any{"to": "x@example.com", "subject": "Hi", "text": "x"}).Want(t, 200)
		if n := len(sentMail(t, e)); n != 1 {
			t.Fatalf("%d messages in the platform outbox", n)
		}
	})
}
