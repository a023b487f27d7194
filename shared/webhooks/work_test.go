package webhooks_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/webhooks"
)

// What an event costs the store: two reads whatever the number of
// endpoints, one transaction per endpoint that took it, and a sweep with
// nothing due is one Query.
func TestStorageWorkOfDeliveriesAndSweeps(t *testing.T) {
	ctx := context.Background()
	tb := testkit.EmbeddedTable(t, "tenant-acme")
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) }))
	defer down.Close()
	for _, u := range []string{ok.URL + "/a", ok.URL + "/b", ok.URL + "/c"} {
		if err := webhooks.Save(ctx, tb, &webhooks.Endpoint{URL: u, Active: true}, true); err != nil {
			t.Fatal(err)
		}
	}
	d := &webhooks.Deliverer{AllowPrivate: true}
	work := func(f func(ctx context.Context) error) (reads, writes int64) {
		t.Helper()
		sctx, st := store.WithStats(ctx)
		if err := f(sctx); err != nil {
			t.Fatal(err)
		}
		return st.ReadRoundTrips.Load(), st.WriteRoundTrips.Load()
	}
	ev := func() outbox.Event {
		return outbox.Event{ID: ids.New(), Type: "deal.won", Tenant: "acme", OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
	}
	if r, w := work(func(ctx context.Context) error { return d.Handle(ctx, tb, ev()) }); r != 2 || w != 3 {
		t.Errorf("an event to three endpoints: %d reads, %d writes; want 2 and 3", r, w)
	}
	if r, w := work(func(ctx context.Context) error { _, err := d.Sweep(ctx, tb); return err }); r != 1 || w != 0 {
		t.Errorf("a sweep with nothing due: %d reads, %d writes; want 1 and 0", r, w)
	}
	// A failure adds the endpoint's count (and, the first time, since when).
	if err := webhooks.Save(ctx, tb, &webhooks.Endpoint{URL: down.URL, Active: true}, true); err != nil {
		t.Fatal(err)
	}
	if r, w := work(func(ctx context.Context) error { return d.Handle(ctx, tb, ev()) }); r != 2 || w != 4+2 {
		t.Errorf("an event to three endpoints up and one down: %d reads, %d writes; want 2 and 6", r, w)
	}
	if r, w := work(func(ctx context.Context) error { return d.Handle(ctx, tb, ev()) }); r != 2 || w != 4+1 {
		t.Errorf("again: %d reads, %d writes; want 2 and 5", r, w)
	}
}
