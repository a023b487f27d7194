package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/testkit/moto"
	"payvand.dev/shared/webhooks"
)

func TestMain(m *testing.M) { moto.Main(m) }

// One run attempts the due retries of every tenant, and only those due.
func TestRunSweepsEveryTenant(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		var status, posts atomic.Int32
		status.Store(500)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			posts.Add(1)
			w.WriteHeader(int(status.Load()))
		}))
		defer srv.Close()
		var off atomic.Int64
		d := &webhooks.Deliverer{AllowPrivate: true, Now: func() time.Time { return time.Now().Add(time.Duration(off.Load())) }}
		for _, tenant := range []string{"alpha", "beta"} {
			e.Do("POST", "/api/webhooks", e.CEO(tenant), map[string]any{"url": srv.URL}).Want(t, 201)
			ev := outbox.Event{ID: ids.New(), Type: "deal.won", Tenant: tenant, OccurredAt: time.Now(), Data: json.RawMessage(`{}`)}
			if err := d.Handle(ctx, e.Deps.Control.TableFor(tenant), ev); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := Run(ctx, e.Deps.Control, d); err != nil || n != 0 {
			t.Fatalf("attempted %d before they were due: %v", n, err)
		}
		status.Store(200)
		off.Add(int64(time.Minute))
		if n, err := Run(ctx, e.Deps.Control, d); err != nil || n != 2 || posts.Load() != 4 {
			t.Fatalf("attempted %d, %d posts: %v", n, posts.Load(), err)
		}
		if n, err := Run(ctx, e.Deps.Control, d); err != nil || n != 0 {
			t.Fatalf("attempted %d again: %v", n, err)
		}
	})
}
