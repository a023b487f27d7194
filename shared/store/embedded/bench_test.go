package embedded_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

// BenchmarkDeepPage reads page 100 of 50 of 10,000 customers the way the
// customer list does (newest first on GSI1, then the counter item for the
// total), by page number and by cursor.
//
//	cd shared && go test -run '^$' -bench DeepPage ./store/embedded/
func BenchmarkDeepPage(b *testing.B) {
	ctx := context.Background()
	db, err := embedded.Open(b.TempDir(), embedded.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateTable(ctx, "tenant"); err != nil {
		b.Fatal(err)
	}
	tb := db.Table("tenant")
	var ops []store.Op
	flush := func() {
		if err := tb.TransactWrite(ctx, ops...); err != nil {
			b.Fatal(err)
		}
		ops = ops[:0]
	}
	for i := 0; i < 10000; i++ {
		id := fmt.Sprintf("0190%08d", i)
		ops = append(ops, store.PutOp(embedded.CustomerItem(id)), store.PutOp(embedded.TestItem("OUTBOX", id, store.TTL, time.Now().Add(time.Hour).Unix())))
		if len(ops) == 100 {
			flush()
		}
	}
	if err := tb.Put(ctx, embedded.TestItem("COUNTER#CUSTOMERS", "STATS", "total", 10000)); err != nil {
		b.Fatal(err)
	}
	q := store.Query{Index: "GSI1", PK: "CUSTOMERS", Reverse: true, Limit: 50}
	page := func(b *testing.B, q store.Query) {
		var read int64
		for i := 0; i < b.N; i++ {
			sctx, st := store.WithStats(ctx)
			p, err := tb.Query(sctx, q)
			if err != nil || len(p.Items) != 50 {
				b.Fatalf("%d items, %v", len(p.Items), err)
			}
			if _, err := tb.Get(sctx, store.Key{PK: "COUNTER#CUSTOMERS", SK: "STATS"}); err != nil {
				b.Fatal(err)
			}
			read += st.ItemsRead.Load()
		}
		b.ReportMetric(float64(read)/float64(b.N), "items-read/op")
	}
	b.Run("page-number-100", func(b *testing.B) {
		q := q
		q.Offset = 99 * 50
		page(b, q)
	})
	b.Run("cursor-page-100", func(b *testing.B) {
		q := q
		q.Offset = 99*50 - 1
		q.Limit = 1
		p, err := tb.Query(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		q.Offset, q.Limit = 0, 50
		q.Cursor = store.EncodeCursor("GSI1", p.Items[0])
		page(b, q)
	})
	b.Run("count", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			p, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: "CUSTOMERS", CountOnly: true})
			if err != nil || p.Count != 10000 {
				b.Fatal(p.Count, err)
			}
		}
	})
}

// BenchmarkConcurrentCreates runs 8 writers of a customer's create
// transaction (the customer, the counter, search tokens, the outbox event),
// with fsync, as the local runner does; "unbatched" gives each write a
// transaction of its own.
//
//	cd shared && go test -run '^$' -bench ConcurrentCreates -benchtime 3000x ./store/embedded/
func BenchmarkConcurrentCreates(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []embedded.Option
	}{{"batched", nil}, {"unbatched", []embedded.Option{embedded.WithBatchDelay(0)}}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := embedded.Open(b.TempDir(), c.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.CreateTable(ctx, "tenant"); err != nil {
				b.Fatal(err)
			}
			tb := db.Table("tenant")
			var mu sync.Mutex
			seq := 0
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // 8 writers on 1, 2, 4 or 8 procs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					seq++
					id := fmt.Sprintf("0190%08d", seq)
					mu.Unlock()
					ops := []store.Op{
						store.PutOp(embedded.CustomerItem(id), store.NotExists()),
						store.UpdateOp(store.Update{Key: store.Key{PK: "COUNTER#CUSTOMERS", SK: "STATS"}, Add: map[string]int64{"total": 1, "s_active": 1, "ct_tehran": 1}}),
						store.PutOp(embedded.TestItem("OUTBOX", id, store.TTL, time.Now().Add(time.Hour).Unix(), "detail", "{}")),
					}
					for _, w := range []string{"customer", id, "company", "c" + id + "@example.com"} {
						ops = append(ops, store.PutOp(embedded.TestItem("SEARCH#"+w[:1], w+"#customer#"+id, "text", "customer "+id)))
					}
					if err := tb.TransactWrite(ctx, ops...); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		})
	}
}
