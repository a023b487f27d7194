package webhooksapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
	"payvand.dev/shared/webhooks"
)

// receiver is an integrator's endpoint that answers what the test says.
type receiver struct {
	*httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	posts  []map[string]any // body, with the webhook-id as "webhook_id"
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.status.Store(200)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]any
		json.Unmarshal(must(io.ReadAll(req.Body)), &m)
		m["webhook_id"] = req.Header.Get("webhook-id")
		r.mu.Lock()
		r.posts = append(r.posts, m)
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
		io.WriteString(w, strings.Repeat("busy ", 400)) // 2 KB: the log keeps 1 KB
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.posts...)
}

// clock is the deliveries' clock: real time moves it, and so does the test.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time           { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(by time.Duration) { c.off.Add(int64(by)) }

func event(kind string) outbox.Event {
	return outbox.Event{ID: ids.New(), Type: kind, Version: 1, Tenant: "alpha", OccurredAt: time.Now().UTC(), Data: json.RawMessage(`{"customer":{"name":"Acme"}}`)}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func at(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("not a time: %v", v)
	}
	return tm
}

func within(t *testing.T, what string, got, from time.Time, lo, hi time.Duration) {
	t.Helper()
	if d := got.Sub(from); d < lo || d > hi {
		t.Fatalf("%s %s after, want between %s and %s", what, d, lo, hi)
	}
}

func TestDeliveryLogRetriesRedeliveryAndPings(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		rc := newReceiver(t)
		ceo := e.CEO("alpha")
		id := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": rc.URL, "events": []string{"customer.created"}}).Want(t, 201).Data()["id"].(string)
		log := "/api/webhooks/" + id + "/deliveries"
		tb := e.Deps.Control.TableFor("alpha")
		clk := &clock{}
		d := &webhooks.Deliverer{AllowPrivate: true, Now: clk.now}
		ev := event("customer.created")

		// The first attempt fails: the consumer succeeds, the log says
		// when the next attempt is due.
		rc.status.Store(503)
		if err := d.Handle(ctx, tb, ev); err != nil {
			t.Fatal(err)
		}
		r := e.Do("GET", log, ceo, nil).Want(t, 200)
		l := r.List()
		if len(l) != 1 || l[0]["event_id"] != ev.ID || l[0]["event_type"] != "customer.created" || l[0]["attempt"] != 1.0 || l[0]["trigger"] != "event" ||
			l[0]["status"] != "retrying" || l[0]["status_code"] != 503.0 || l[0]["error"] != "answered 503" || l[0]["at_jalali"] == nil {
			t.Fatalf("log after a failure: %s", r.Raw)
		}
		if resp := l[0]["response"].(string); len(resp) != 1024 || !strings.HasPrefix(resp, "busy busy") {
			t.Fatalf("response excerpt of %d bytes", len(resp))
		}
		within(t, "second attempt", at(t, l[0]["next_attempt_at"]), at(t, l[0]["at"]), 4500*time.Millisecond, 5500*time.Millisecond)
		apitest.WantJalaliTwins(t, r.Raw)

		if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
			t.Fatalf("swept %d before it was due: %v", n, err)
		}
		clk.advance(10 * time.Second)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 1 {
			t.Fatalf("swept %d: %v", n, err)
		}
		l = e.Do("GET", log, ceo, nil).Want(t, 200).List()
		if len(l) != 2 || l[0]["attempt"] != 2.0 || l[0]["trigger"] != "retry" || l[0]["status"] != "retrying" {
			t.Fatalf("log after the second attempt: %v", l)
		}
		within(t, "third attempt", at(t, l[0]["next_attempt_at"]), at(t, l[0]["at"]), 270*time.Second, 330*time.Second)
		if ep := e.Do("GET", "/api/webhooks/"+id, ceo, nil).Want(t, 200).Data(); ep["consecutive_failures"] != 2.0 || ep["failing_since"] == nil || ep["active"] != true {
			t.Fatalf("failing endpoint: %v", ep)
		}

		// The receiver recovers: the third attempt takes the event, once.
		rc.status.Store(200)
		clk.advance(6 * time.Minute)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 1 {
			t.Fatalf("swept %d: %v", n, err)
		}
		if err := d.Handle(ctx, tb, ev); err != nil {
			t.Fatal(err)
		}
		clk.advance(24 * time.Hour)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
			t.Fatalf("swept %d after the success: %v", n, err)
		}
		got := rc.got()
		if len(got) != 3 || got[0]["webhook_id"] != ev.ID || got[2]["webhook_id"] != ev.ID {
			t.Fatalf("posts %v", got)
		}
		ep := e.Do("GET", "/api/webhooks/"+id, ceo, nil).Want(t, 200)
		if m := ep.Data(); m["consecutive_failures"] != 0.0 || m["failing_since"] != nil {
			t.Fatalf("a success did not reset the failures: %s", ep.Raw)
		}
		apitest.WantJalaliTwins(t, ep.Raw)

		// Paged like every list, newest first.
		p1 := e.Do("GET", log+"?limit=2", ceo, nil).Want(t, 200)
		pg := p1.JSON["pagination"].(map[string]any)
		cursor, _ := pg["next_cursor"].(string)
		if l := p1.List(); len(l) != 2 || l[0]["attempt"] != 3.0 || l[0]["status"] != "succeeded" || l[0]["next_attempt_at"] != nil || pg["total"] != 3.0 || cursor == "" {
			t.Fatalf("first page: %s", p1.Raw)
		}
		p2 := e.Do("GET", log+"?limit=2&cursor="+cursor, ceo, nil).Want(t, 200)
		if l := p2.List(); len(l) != 1 || l[0]["attempt"] != 1.0 {
			t.Fatalf("second page: %s", p2.Raw)
		}
		if v, present := p2.JSON["pagination"].(map[string]any)["next_cursor"]; !present || v != nil {
			t.Fatalf("last page's next_cursor: %v %v", v, present)
		}
		if l := e.Do("GET", log+"?page=2&limit=2", ceo, nil).Want(t, 200).List(); len(l) != 1 || l[0]["attempt"] != 1.0 {
			t.Fatalf("page 2: %v", l)
		}
		if l := e.Do("GET", log+"?filter[status]=retrying", ceo, nil).Want(t, 200).List(); len(l) != 2 {
			t.Fatalf("retrying: %v", l)
		}
		if l := e.Do("GET", log+"?event_id="+ids.New(), ceo, nil).Want(t, 200).List(); len(l) != 0 {
			t.Fatalf("another event's: %v", l)
		}
		e.Do("GET", log+"?status=lost", ceo, nil).Want(t, 422)
		e.Do("GET", log+"?cursor="+cursor+"x", ceo, nil).Want(t, 422)

		// Redeliver the first attempt now: the same webhook-id again.
		firstID := p2.List()[0]["id"].(string)
		re := e.Do("POST", log+"/"+firstID+"/retry", ceo, nil).Want(t, 200).Data()
		if re["trigger"] != "manual" || re["status"] != "succeeded" || re["status_code"] != 200.0 || re["event_id"] != ev.ID {
			t.Fatalf("redelivery: %v", re)
		}
		if got := rc.got(); len(got) != 4 || got[3]["webhook_id"] != ev.ID {
			t.Fatalf("posts after the redelivery: %v", got)
		}
		e.Do("POST", log+"/"+ids.New()+"/retry", ceo, nil).Want(t, 404)
		e.Do("POST", log+"/not-an-id/retry", ceo, nil).Want(t, 404)

		// A ping answers the receiver's status, and a failed one counts
		// towards nothing.
		ping := e.Do("POST", "/api/webhooks/"+id+"/test", ceo, nil).Want(t, 200).Data()
		if ping["event_type"] != "webhook.test" || ping["status"] != "succeeded" || ping["status_code"] != 200.0 {
			t.Fatalf("ping: %v", ping)
		}
		if got := rc.got(); got[len(got)-1]["type"] != "webhook.test" || got[len(got)-1]["data"].(map[string]any)["tenant"] != "alpha" {
			t.Fatalf("ping body: %v", got[len(got)-1])
		}
		rc.status.Store(500)
		ping = e.Do("POST", "/api/webhooks/"+id+"/test", ceo, nil).Want(t, 200).Data()
		if ping["status"] != "failed" || ping["status_code"] != 500.0 || ping["next_attempt_at"] != nil {
			t.Fatalf("failed ping: %v", ping)
		}
		if m := e.Do("GET", "/api/webhooks/"+id, ceo, nil).Want(t, 200).Data(); m["consecutive_failures"] != 0.0 {
			t.Fatalf("a ping counted: %v", m)
		}
		clk.advance(time.Hour)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
			t.Fatalf("a ping was retried: %d %v", n, err)
		}

		// Rights first; another tenant's endpoint is not found.
		h, _ := auth.HashPassword(apitest.Password)
		u := &users.User{Name: "Sara", Email: "sara@alpha.test", Role: "employee", PasswordHash: h}
		if err := (users.Repo{}).Create(ctx, tb, u, 0); err != nil {
			t.Fatal(err)
		}
		emp := e.Login("alpha", u.Email)
		e.Do("GET", log, emp, nil).Want(t, 403)
		e.Do("POST", "/api/webhooks/"+id+"/test", emp, nil).Want(t, 403)
		e.Do("POST", log+"/"+firstID+"/retry", emp, nil).Want(t, 403)
		beta := e.CEO("beta")
		e.Do("GET", log, beta, nil).Want(t, 404)
		e.Do("POST", "/api/webhooks/"+id+"/test", beta, nil).Want(t, 404)
		e.Do("POST", log+"/"+firstID+"/retry", beta, nil).Want(t, 404)
	})
}

func TestRetriesEndAfterADayAndFailingEndpointsAreDisabled(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		rc := newReceiver(t)
		rc.status.Store(500)
		ceo := e.CEO("alpha")
		id := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": rc.URL}).Want(t, 201).Data()["id"].(string)
		log := "/api/webhooks/" + id + "/deliveries"
		tb := e.Deps.Control.TableFor("alpha")
		clk := &clock{}
		d := &webhooks.Deliverer{AllowPrivate: true, Now: clk.now}
		endpoint := func() map[string]any { return e.Do("GET", "/api/webhooks/"+id, ceo, nil).Want(t, 200).Data() }

		if err := d.Handle(ctx, tb, event("deal.won")); err != nil {
			t.Fatal(err)
		}
		// Sweep at each due time until the event is given up.
		for range 20 {
			newest := e.Do("GET", log+"?limit=1", ceo, nil).Want(t, 200).List()[0]
			if newest["next_attempt_at"] == nil {
				break
			}
			clk.advance(at(t, newest["next_attempt_at"]).Sub(clk.now()) + time.Second)
			if n, err := d.Sweep(ctx, tb); err != nil || n != 1 {
				t.Fatalf("swept %d: %v", n, err)
			}
		}
		l := e.Do("GET", log, ceo, nil).Want(t, 200).List()
		if len(l) != 8 || l[0]["status"] != "failed" || l[0]["attempt"] != 8.0 || len(rc.got()) != 8 {
			t.Fatalf("%d attempts, newest %v", len(l), l[0])
		}
		within(t, "the last attempt", at(t, l[0]["at"]), at(t, l[7]["at"]), 24*time.Hour, 24*time.Hour+time.Minute)
		if m := endpoint(); m["active"] != true || m["consecutive_failures"] != 8.0 {
			t.Fatalf("after a day of failures: %v", m)
		}

		// Five days after the first failure, the next failed attempt
		// disables the endpoint and says so.
		clk.advance(4 * 24 * time.Hour)
		if err := d.Handle(ctx, tb, event("deal.won")); err != nil {
			t.Fatal(err)
		}
		m := endpoint()
		if m["active"] != false || !strings.HasPrefix(m["disabled_reason"].(string), "every delivery attempt failed since") || m["disabled_at"] == nil {
			t.Fatalf("after five days of failures: %v", m)
		}
		if n := disabledEvents(t, tb, id); n != 1 {
			t.Fatalf("%d webhook.disabled events", n)
		}
		// Its pending retry is dropped and nothing more is sent.
		posts := len(rc.got())
		clk.advance(time.Minute)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
			t.Fatalf("swept %d for a disabled endpoint: %v", n, err)
		}
		if err := d.Handle(ctx, tb, event("deal.won")); err != nil {
			t.Fatal(err)
		}
		if _, pending, err := webhooks.NextDue(ctx, tb); err != nil || pending || len(rc.got()) != posts {
			t.Fatalf("a disabled endpoint: pending %v, %d posts, want %d (%v)", pending, len(rc.got()), posts, err)
		}

		// Turned back on: a fresh start.
		m = e.Do("PUT", "/api/webhooks/"+id, ceo, map[string]any{"active": true}).Want(t, 200).Data()
		if m["active"] != true || m["consecutive_failures"] != 0.0 || m["disabled_reason"] != nil || m["disabled_at"] != nil || m["failing_since"] != nil {
			t.Fatalf("re-enabled: %v", m)
		}
		// Sending back the object it read keeps an active endpoint's count.
		rc.status.Store(503)
		if err := d.Handle(ctx, tb, event("deal.won")); err != nil {
			t.Fatal(err)
		}
		m = endpoint()
		m["description"] = "ERP"
		if m = e.Do("PUT", "/api/webhooks/"+id, ceo, m).Want(t, 200).Data(); m["consecutive_failures"] != 1.0 || m["active"] != true {
			t.Fatalf("an update of an active endpoint: %v", m)
		}

		// 410 Gone disables at once, without retries.
		rc.status.Store(http.StatusGone)
		clk.advance(time.Minute)
		if n, err := d.Sweep(ctx, tb); err != nil || n != 1 {
			t.Fatalf("swept %d: %v", n, err)
		}
		if m := endpoint(); m["active"] != false || m["disabled_reason"] != "the endpoint answered 410 Gone" {
			t.Fatalf("after 410: %v", m)
		}
		if l := e.Do("GET", log+"?limit=1", ceo, nil).Want(t, 200).List(); l[0]["status"] != "failed" || l[0]["status_code"] != 410.0 || l[0]["next_attempt_at"] != nil {
			t.Fatalf("the 410 attempt: %v", l[0])
		}
		if _, pending, _ := webhooks.NextDue(ctx, tb); pending {
			t.Fatal("a retry is pending after 410")
		}
		if n := disabledEvents(t, tb, id); n != 2 {
			t.Fatalf("%d webhook.disabled events", n)
		}
	})
}

// disabledEvents counts the webhook.disabled events of an endpoint in the
// outbox (no relay runs here).
func disabledEvents(t *testing.T, tb store.Table, id string) int {
	t.Helper()
	p, err := tb.Query(context.Background(), store.Query{PK: outbox.Partition})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range p.Items {
		ev, err := outbox.FromItem(it, "alpha")
		if err == nil && ev.Type == "webhook.disabled" && strings.Contains(string(ev.Data), id) {
			n++
		}
	}
	return n
}
