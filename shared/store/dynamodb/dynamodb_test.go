package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/store/storetest"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestContract(t *testing.T) {
	ep := moto.Endpoint(t)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.DB {
		return dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(ep) }}, dynamodb.WithClock(clock.Now))
	})
}

// newTable creates a table on moto_server and returns it through a client
// whose calls go to base.
func newTable(t *testing.T, base string, retryer func() aws.Retryer) store.Table {
	t.Helper()
	ep := moto.Endpoint(t)
	name := fmt.Sprintf("stats-%d", time.Now().UnixNano())
	if err := dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(ep) }}).CreateTable(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	cfg := moto.Config()
	if retryer != nil {
		cfg.Retryer = retryer
	}
	return dynamodb.New(cfg, []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(base) }}).Table(name)
}

func counts(st *store.Stats) [4]int64 {
	return [4]int64{st.ReadRoundTrips.Load(), st.ItemsRead.Load(), st.WriteRoundTrips.Load(), st.ItemsWritten.Load()}
}

// TestStatsCountFailedConditions: a write whose condition fails was sent
// (and is billed): it counts as a write of its items.
func TestStatsCountFailedConditions(t *testing.T) {
	tb := newTable(t, moto.Endpoint(t), nil)
	ctx, st := store.WithStats(context.Background())
	key := store.Item{store.PK: store.AV("P"), store.SK: store.AV("1")}
	if err := tb.Put(ctx, key, store.NotExists()); err != nil {
		t.Fatal(err)
	}
	if err := tb.Put(ctx, key, store.NotExists()); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("second put: %v", err)
	}
	if _, err := tb.Update(ctx, store.Update{Key: store.KeyOf(key), Add: map[string]int64{"n": 1}, Cond: []store.Cond{store.NotExists()}}); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("update: %v", err)
	}
	if err := tb.TransactWrite(ctx, store.PutOp(store.Item{store.PK: store.AV("P"), store.SK: store.AV("2")}),
		store.CheckOp(store.KeyOf(key), store.NotExists())); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("transaction: %v", err)
	}
	if got, want := counts(st), [4]int64{0, 0, 4, 5}; got != want {
		t.Fatalf("reads, items read, writes, items written = %v, want %v", got, want)
	}
}

// TestStatsCountRetries: every attempt the SDK's retryer makes is a round
// trip; a proxy answers the first attempt of each call with a 500.
func TestStatsCountRetries(t *testing.T) {
	target, _ := url.Parse(moto.Endpoint(t))
	proxy := httputil.NewSingleHostReverseProxy(target)
	var fail atomic.Bool
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if fail.Swap(false) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tb := newTable(t, srv.URL, func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	})
	ctx, st := store.WithStats(context.Background())
	key := store.Key{PK: "P", SK: "1"}
	calls := []func() error{
		func() error { return tb.Put(ctx, store.KeyItem(key)) },
		func() error { _, err := tb.Get(ctx, key); return err },
		func() error { _, err := tb.Query(ctx, store.Query{PK: "P"}); return err },
		func() error { _, err := tb.BatchGet(ctx, []store.Key{key}); return err },
		func() error {
			return tb.TransactWrite(ctx, store.PutOp(store.Item{store.PK: store.AV("P"), store.SK: store.AV("2")}), store.CheckOp(key, store.Exists()))
		},
	}
	for i, call := range calls {
		fail.Store(true)
		before := requests.Load()
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if n := requests.Load() - before; n != 2 {
			t.Fatalf("call %d took %d requests, want 2 (one retry)", i, n)
		}
	}
	// Reads: Get, Query, BatchGet, each twice; the item once per answer.
	// Writes: Put (1 item) and the transaction (2), each twice.
	if got, want := counts(st), [4]int64{6, 3, 4, 6}; got != want {
		t.Fatalf("reads, items read, writes, items written = %v, want %v", got, want)
	}
}

// A deep page by offset transfers the page, not what the offset skips.
func TestOffsetSkipsWithoutTransferringItems(t *testing.T) {
	ep := moto.Endpoint(t)
	var onWire atomic.Int64
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count-items", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if q, ok := out.Result.(*ddb.QueryOutput); ok {
				onWire.Add(int64(len(q.Items)))
			}
			return out, md, err
		}), middleware.After)
	}
	db := dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) {
		o.BaseEndpoint = aws.String(ep)
		o.APIOptions = append(o.APIOptions, count)
	}})
	ctx := context.Background()
	name := fmt.Sprintf("offset-%d", time.Now().UnixNano())
	if err := db.CreateTable(ctx, name); err != nil {
		t.Fatal(err)
	}
	defer db.DeleteTable(ctx, name)
	tb := db.Table(name)
	for i := 0; i < 60; i++ {
		it := store.Item{store.PK: store.AV("P"), store.SK: store.AV(fmt.Sprintf("%02d", i)), "GSI1PK": store.AV("IX"), "GSI1SK": store.AV(fmt.Sprintf("%02d", i))}
		if err := tb.Put(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []store.Query{{PK: "P", Offset: 45, Limit: 10}, {Index: "GSI1", PK: "IX", Offset: 45, Limit: 10}} {
		onWire.Store(0)
		p, err := tb.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 10 || store.Str(p.Items[0], store.SK) != "45" || p.Cursor == "" {
			t.Fatalf("%s: %d items from %q, cursor %q", q.Index, len(p.Items), store.Str(p.Items[0], store.SK), p.Cursor)
		}
		if n := onWire.Load(); n > 11 {
			t.Fatalf("%s: %d items transferred for a page of 10 at offset 45", q.Index, n)
		}
	}
}
