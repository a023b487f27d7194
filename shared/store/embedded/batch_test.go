package embedded

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// concurrently runs fn from n goroutines released together.
func concurrently(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); <-start; fn(i) }(i)
	}
	close(start)
	wg.Wait()
}

// Concurrent writes share bolt transactions (and so their commits).
func TestConcurrentWritesShareTransactions(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir(), WithBatchDelay(20*time.Millisecond))
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "tbl"))
	tb := db.Table("tbl").(*table)
	const n = 16
	txs := make([]int, n)
	concurrently(n, func(i int) {
		must(t, tb.update(func(tx *bolt.Tx, _ time.Time) error {
			txs[i] = tx.ID()
			e, err := encode(item("P", fmt.Sprint(i)))
			if err != nil {
				return err
			}
			return putItem(tx, nil, e)
		}))
	})
	distinct := map[int]bool{}
	for _, id := range txs {
		distinct[id] = true
	}
	if len(distinct) > n/2 {
		t.Fatalf("%d concurrent writes took %d write transactions", n, len(distinct))
	}
	p, err := tb.Query(ctx, store.Query{PK: "P", CountOnly: true})
	must(t, err)
	if p.Count != n {
		t.Fatalf("%d items written, want %d", p.Count, n)
	}
}

// When one member of a shared transaction fails, bolt rolls the whole
// transaction back, runs the rest again and the failing one alone: the
// failure is that caller's, and everyone else's writes stand.
func TestFailedMemberOfASharedTransactionFailsAlone(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir(), WithBatchDelay(20*time.Millisecond))
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "tbl"))
	tb := db.Table("tbl").(*table)
	const n = 12
	boom := errors.New("boom")
	errs := make([]error, n)
	concurrently(n, func(i int) {
		errs[i] = tb.update(func(tx *bolt.Tx, _ time.Time) error {
			e, err := encode(item("P", fmt.Sprint(i)))
			if err == nil {
				err = putItem(tx, nil, e)
			}
			if err == nil && i == 5 {
				return boom // after writing: the write must not survive
			}
			return err
		})
	})
	for i, err := range errs {
		if (i == 5) != errors.Is(err, boom) || (i != 5 && err != nil) {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	p, err := tb.Query(ctx, store.Query{PK: "P"})
	must(t, err)
	if p.Count != n-1 {
		t.Fatalf("%d items, want %d", p.Count, n-1)
	}
	if _, err := tb.Get(ctx, store.Key{PK: "P", SK: "5"}); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("the failed write is visible: %v", err)
	}
}

// Conditional writes that fail inside a shared transaction do not cost the
// others a rollback: each caller gets its own answer from one transaction.
func TestFailedConditionsDoNotBreakASharedTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir(), WithBatchDelay(20*time.Millisecond))
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "tbl"))
	tb := db.Table("tbl")
	const n = 16
	errs := make([]error, n)
	concurrently(n, func(i int) { errs[i] = tb.Put(ctx, item("P", "one", "by", i), store.NotExists()) })
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case crm.ErrorCode(err) != crm.ECONFLICT:
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won", won)
	}
}
