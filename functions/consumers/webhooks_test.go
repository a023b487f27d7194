package consumers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/functions/consumers"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/webhooks"
)

func TestWebhooksReceiveEventsOfTheirTenant(t *testing.T) {
	e := apitest.New(t)
	live(t, e)
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		m["signature"] = r.Header.Get("webhook-signature")
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer srv.Close()
	ceo := e.CEO("alpha")
	_, emp := addUser(t, e, "alpha", "sara", "employee")
	e.Do("POST", "/api/webhooks", emp, map[string]any{"url": srv.URL}).Want(t, 403)
	w := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": srv.URL, "events": []string{"customer.created"}}).Want(t, 201).Data()
	if w["secret"] == nil || w["id"] == nil {
		t.Fatalf("created %v", w)
	}
	if g := e.Do("GET", "/api/webhooks/"+w["id"].(string), ceo, nil).Want(t, 200).Data(); g["secret"] != nil {
		t.Fatal("the secret is shown again")
	}
	e.Do("GET", "/api/webhooks/"+w["id"].(string), e.CEO("beta"), nil).Want(t, 404)
	e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": "not a url"}).Want(t, 422)

	e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Acme"}).Want(t, 201)
	e.Do("POST", "/api/customers", e.CEO("beta"), map[string]any{"name": "Beta's own"}).Want(t, 201)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0]["type"] != "customer.created" || got[0]["signature"] == "" {
		t.Fatalf("deliveries %v", got)
	}
	env := got[0]["data"].(map[string]any)
	if env["tenant"] != "alpha" || env["id"] == nil {
		t.Fatalf("envelope %v", env)
	}
}

// The local runner retries failed deliveries itself: what a stopped
// process left is swept at start, and a retry scheduled while it runs is
// attempted when due (the test moves the clock instead of waiting).
func TestLocalWebhookRetriesAreSweptAtStartAndWhenDue(t *testing.T) {
	e := apitest.New(t)
	var status atomic.Int32
	status.Store(503)
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	posts := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: posts %v", what, posts())
			}
		}
	}
	ceo := e.CEO("alpha")
	id := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": srv.URL, "events": []string{"customer.created"}}).Want(t, 201).Data()["id"].(string)

	// A delivery failed before the process stopped.
	left := outbox.Event{ID: ids.New(), Type: "customer.created", Tenant: "alpha", OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
	if err := (&webhooks.Deliverer{AllowPrivate: true}).Handle(context.Background(), e.Deps.Control.TableFor("alpha"), left); err != nil {
		t.Fatal(err)
	}
	status.Store(200)
	consumers.AdvanceWebhookClock(time.Minute)
	t.Cleanup(func() { consumers.AdvanceWebhookClock(-time.Minute) })
	l := live(t, e)
	waitFor("the retry left at stop", func() bool { return len(posts()) == 2 })
	if p := posts(); p[1] != left.ID {
		t.Fatalf("posts %v", p)
	}

	// A delivery fails while it runs, and is retried when due.
	status.Store(503)
	e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Acme"}).Want(t, 201)
	waitFor("the first attempt", func() bool { return len(posts()) == 3 })
	status.Store(200)
	consumers.AdvanceWebhookClock(time.Minute)
	t.Cleanup(func() { consumers.AdvanceWebhookClock(-time.Minute) })
	consumers.KickWebhookRetries(l)
	waitFor("the retry", func() bool { return len(posts()) == 4 })
	// The attempt is logged after the receiver answered.
	var log []map[string]any
	waitFor("the retry's log entry", func() bool {
		log = e.Do("GET", "/api/webhooks/"+id+"/deliveries", ceo, nil).Want(t, 200).List()
		return len(log) == 4
	})
	if len(log) != 4 || log[0]["status"] != "succeeded" || log[0]["trigger"] != "retry" || log[0]["attempt"] != 2.0 || log[1]["status"] != "retrying" {
		t.Fatalf("log %v", log)
	}
}
