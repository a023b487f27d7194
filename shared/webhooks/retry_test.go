package webhooks_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/webhooks"
)

// Sweepers on several instances find the same due retries; each retry is
// still delivered once. On the embedded store only: moto_server does not
// isolate concurrent conditional writes.
func TestRacingSweepersDeliverEachRetryOnce(t *testing.T) {
	ctx := context.Background()
	tb := testkit.EmbeddedTable(t, "tenant-acme")

	var mu sync.Mutex
	tried, took := map[string]int{}, map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("webhook-id")
		mu.Lock()
		defer mu.Unlock()
		tried[id]++
		if tried[id] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		took[id]++
	}))
	defer srv.Close()
	if err := webhooks.Save(ctx, tb, &webhooks.Endpoint{URL: srv.URL, Active: true}, true); err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	const events, sweepers = 40, 4
	first := &webhooks.Deliverer{AllowPrivate: true, Now: clk.now}
	for range events {
		ev := outbox.Event{ID: ids.New(), Type: "deal.won", Tenant: "acme", OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
		if err := first.Handle(ctx, tb, ev); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(time.Minute)
	var attempted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range sweepers {
		d := &webhooks.Deliverer{AllowPrivate: true, Now: clk.now} // one per instance
		wg.Go(func() {
			<-start
			n, err := d.Sweep(ctx, tb)
			if err != nil {
				t.Error(err)
			}
			attempted.Add(int64(n))
		})
	}
	close(start)
	wg.Wait()
	if attempted.Load() != events || len(took) != events {
		t.Fatalf("%d sweepers attempted %d retries and %d events arrived, want %d", sweepers, attempted.Load(), len(took), events)
	}
	for id, n := range took {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	clk.advance(time.Hour)
	if n, err := first.Sweep(ctx, tb); err != nil || n != 0 {
		t.Fatalf("a retry outlived its success: swept %d, %v", n, err)
	}
}
