package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/webhooks"
)

type receiver struct {
	mu     sync.Mutex
	got    []string // webhook-id of each accepted delivery
	fail   int      // answer 500 this many times first
	secret string
	t      *testing.T
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(500)
		return
	}
	body, _ := io.ReadAll(req.Body)
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	// Verify as a receiver following Standard Webhooks would.
	k, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	if sig != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
		r.t.Errorf("bad signature %q", sig)
	}
	var payload map[string]any
	if json.Unmarshal(body, &payload) != nil || payload["type"] == nil {
		r.t.Errorf("payload %s", body)
	}
	r.got = append(r.got, id)
}

func TestDeliveriesAreSignedRetriedAndOnceEach(t *testing.T) {
	ctx := context.Background()
	tb := testkit.EmbeddedTable(t, "tenant-acme")

	ok, flaky := &receiver{t: t}, &receiver{t: t, fail: 1}
	okSrv, flakySrv := httptest.NewServer(ok), httptest.NewServer(flaky)
	defer okSrv.Close()
	defer flakySrv.Close()
	a := &webhooks.Endpoint{URL: okSrv.URL, Active: true}
	b := &webhooks.Endpoint{URL: flakySrv.URL, Events: []string{"task.created"}, Active: true}
	other := &webhooks.Endpoint{URL: okSrv.URL + "/other", Events: []string{"deal.won"}, Active: true}
	for _, e := range []*webhooks.Endpoint{a, b, other} {
		if err := webhooks.Save(ctx, tb, e, true); err != nil {
			t.Fatal(err)
		}
	}
	ok.secret, flaky.secret = a.Secret, b.Secret
	if !strings.HasPrefix(a.Secret, "whsec_") {
		t.Fatal(a.Secret)
	}
	ev := outbox.Event{ID: ids.New(), Type: "task.created", Tenant: "acme", OccurredAt: time.Now(), Data: json.RawMessage(`{"task":{"id":"t1"}}`)}
	clk := &clock{}
	d := &webhooks.Deliverer{AllowPrivate: true, Now: clk.now}
	// The failed delivery is the Deliverer's to retry, not the bus's.
	if err := d.Handle(ctx, tb, ev); err != nil {
		t.Fatal(err)
	}
	// Redelivered by the bus: the endpoint that took it and the one with
	// a retry pending are both skipped.
	if err := d.Handle(ctx, tb, ev); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
		t.Fatalf("swept %d before the retry was due: %v", n, err)
	}
	clk.advance(time.Minute)
	if n, err := d.Sweep(ctx, tb); err != nil || n != 1 {
		t.Fatalf("swept %d: %v", n, err)
	}
	for range 2 {
		if err := d.Handle(ctx, tb, ev); err != nil {
			t.Fatal(err)
		}
		if n, err := d.Sweep(ctx, tb); err != nil || n != 0 {
			t.Fatalf("swept %d after the retry succeeded: %v", n, err)
		}
	}
	if len(ok.got) != 1 || len(flaky.got) != 1 || ok.got[0] != ev.ID || flaky.got[0] != ev.ID {
		t.Fatalf("deliveries: ok %v, flaky %v", ok.got, flaky.got)
	}
	// Internal targets are refused when private addresses are not allowed,
	// at save and at delivery.
	for _, u := range []string{"http://127.0.0.1:9/x", "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "ftp://example.com/"} {
		if err := webhooks.Check(ctx, u, false); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := webhooks.Save(ctx, tb, &webhooks.Endpoint{URL: "http://127.0.0.1:8080/hook"}, false); err == nil {
		t.Error("a loopback endpoint was saved")
	}
	strict := &webhooks.Deliverer{}
	ev2 := outbox.Event{ID: ids.New(), Type: "task.created", Tenant: "acme", OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
	if err := strict.Handle(ctx, tb, ev2); err != nil || len(ok.got) != 1 {
		t.Fatalf("delivered to loopback without leave: %v", err)
	}
	log, _, _, err := webhooks.Deliveries(ctx, tb, a.ID, webhooks.LogFilter{EventID: ev2.ID})
	if err != nil || len(log) != 1 || !strings.HasPrefix(log[0].Error, "refused") || log[0].Status != webhooks.Retrying {
		t.Fatalf("the refused delivery's log: %+v %v", log, err)
	}
	if err := webhooks.Delete(ctx, tb, other.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ := webhooks.List(ctx, tb); len(l) != 2 {
		t.Fatalf("%d endpoints after delete", len(l))
	}
}

// clock is a test clock that real time also moves.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time           { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(by time.Duration) { c.off.Add(int64(by)) }

// An endpoint that does not answer in time failed the attempt, and the
// log says why in short.
func TestATimeoutIsAFailedAttempt(t *testing.T) {
	ctx := context.Background()
	tb := testkit.EmbeddedTable(t, "tenant-acme")
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e := &webhooks.Endpoint{URL: srv.URL, Active: true}
	if err := webhooks.Save(ctx, tb, e, true); err != nil {
		t.Fatal(err)
	}
	d := &webhooks.Deliverer{AllowPrivate: true, Client: &http.Client{Timeout: 50 * time.Millisecond}}
	ev := outbox.Event{ID: ids.New(), Type: "deal.won", Tenant: "acme", OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
	if err := d.Handle(ctx, tb, ev); err != nil {
		t.Fatal(err)
	}
	log, _, _, err := webhooks.Deliveries(ctx, tb, e.ID, webhooks.LogFilter{})
	if err != nil || len(log) != 1 || log[0].Error != "timed out after 50ms" || log[0].StatusCode != 0 || log[0].Status != webhooks.Retrying {
		t.Fatalf("log %+v %v", log, err)
	}
}
