package embedded

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func newClock() *clock                   { c := &clock{}; c.ns.Store(time.Now().UnixNano()); return c }
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// foreignFiles puts two bolt files that are not tables in dir, as the local
// runner's blob store does: blobs.db, held open (and so locked) until the
// test ends, and other.db, closed, with buckets of its own.
func foreignFiles(t testing.TB, dir string) {
	t.Helper()
	for _, name := range []string{"other.db", "blobs.db"} {
		b, err := bolt.Open(filepath.Join(dir, name), 0o600, &bolt.Options{Timeout: time.Second})
		must(t, err)
		must(t, b.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("objects"))
			if err == nil {
				err = bk.Put([]byte("k"), []byte("v"))
			}
			return err
		}))
		if name == "other.db" {
			must(t, b.Close())
			continue
		}
		t.Cleanup(func() { b.Close() })
	}
}

func item(pk, sk string, attrs ...any) store.Item {
	it := store.Item{store.PK: store.AV(pk), store.SK: store.AV(sk)}
	for i := 0; i+1 < len(attrs); i += 2 {
		it[attrs[i].(string)] = store.AV(attrs[i+1])
	}
	return it
}

// fill writes items in transactions of 100.
func fill(t testing.TB, tb store.Table, items []store.Item) {
	t.Helper()
	for len(items) > 0 {
		n := min(len(items), store.MaxTransactOps)
		ops := make([]store.Op, n)
		for i := range ops {
			ops[i] = store.PutOp(items[i])
		}
		must(t, tb.TransactWrite(context.Background(), ops...))
		items = items[n:]
	}
}

// A bolt file in the data directory that is not a table (the blob store's,
// held open by its owner) neither delays a sweep nor any request, and the
// sweep leaves it alone.
func TestSweepAndRequestsIgnoreForeignFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	foreignFiles(t, dir)
	before, err := os.ReadFile(filepath.Join(dir, "other.db"))
	must(t, err)
	clk := newClock()
	db, err := Open(dir, WithClock(clk.now))
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "tenant-a"))
	tb := db.Table("tenant-a")
	var items []store.Item
	for i := 0; i < 300; i++ {
		it := item("P", fmt.Sprintf("%04d", i))
		if i%3 == 0 {
			it[store.TTL] = store.AV(clk.now().Add(time.Minute).Unix())
		}
		items = append(items, it)
	}
	fill(t, tb, items)
	clk.advance(2 * time.Minute)

	// Requests run during the sweep; none may wait for the foreign files.
	stop := make(chan struct{})
	var slowest atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if _, err := tb.Get(ctx, store.Key{PK: "P", SK: fmt.Sprintf("%04d", (i*3+1)%300)}); err != nil {
					t.Error(err)
					return
				}
				if d := int64(time.Since(t0)); d > slowest.Load() {
					slowest.Store(d)
				}
			}
		}()
	}
	t0 := time.Now()
	n, err := db.Sweep(ctx)
	took := time.Since(t0)
	close(stop)
	wg.Wait()
	must(t, err)
	if n != 100 {
		t.Fatalf("swept %d items, want the 100 expired", n)
	}
	if took > time.Second {
		t.Fatalf("sweep took %v: it waited for a file that is not a table", took)
	}
	if d := time.Duration(slowest.Load()); d > time.Second {
		t.Fatalf("a request during the sweep took %v", d)
	}
	after, err := os.ReadFile(filepath.Join(dir, "other.db"))
	must(t, err)
	if string(before) != string(after) {
		t.Fatal("the sweep changed a file that is not a table")
	}
}

// Opening a table whose file is locked elsewhere makes the callers of that
// table wait, and nobody else.
func TestOpeningALockedFileDelaysNoOtherTable(t *testing.T) {
	old := openTimeout
	openTimeout = 2 * time.Second
	defer func() { openTimeout = old }()
	ctx := context.Background()
	dir := t.TempDir()
	foreignFiles(t, dir) // blobs.db is locked by its owner
	db, err := Open(dir)
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "tenant-a"))
	tb := db.Table("tenant-a")
	must(t, tb.Put(ctx, item("P", "1")))

	blocked := make(chan error, 1)
	go func() {
		_, err := db.Table("blobs").Get(ctx, store.Key{PK: "P", SK: "1"})
		blocked <- err
	}()
	time.Sleep(100 * time.Millisecond) // the blobs.db open is waiting for the lock
	t0 := time.Now()
	for i := 0; i < 20; i++ {
		if _, err := tb.Get(ctx, store.Key{PK: "P", SK: "1"}); err != nil {
			t.Fatal(err)
		}
		must(t, tb.Put(ctx, item("P", fmt.Sprint(i+2))))
		if _, err := db.TableExists(ctx, "tenant-b"); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("requests to another table took %v while blobs.db was being opened", d)
	}
	if err := <-blocked; err == nil {
		t.Fatal("blobs.db, locked by its owner, was opened as a table")
	}
}

// expiringTable fills a table: 10,000 items without a ttl, 4,000 that
// expire in an hour, and 6,000 that expire in a minute, spread over two
// partitions and two indexes. The clock then moves two minutes on.
func expiringTable(t testing.TB, db *DB, clk *clock) store.Table {
	t.Helper()
	must(t, db.CreateTable(context.Background(), "big"))
	tb := db.Table("big")
	soon, later := clk.now().Add(time.Minute).Unix(), clk.now().Add(time.Hour).Unix()
	items := make([]store.Item, 0, 20000)
	for i := 0; i < 20000; i++ {
		id := fmt.Sprintf("%05d", i)
		it := item(fmt.Sprintf("P%d", i%2), id, "n", i, "GSI1PK", "ALL", "GSI1SK", id, "name", "customer "+id)
		if i%4 == 0 {
			it["GSI2PK"], it["GSI2SK"] = store.AV("QUARTER"), store.AV(id)
		}
		switch i % 10 {
		case 1, 3, 5, 7, 9, 2:
			it[store.TTL] = store.AV(soon)
		case 4, 6:
			it[store.TTL] = store.AV(later)
		}
		items = append(items, it)
	}
	fill(t, tb, items)
	clk.advance(2 * time.Minute)
	return tb
}

func expiredAtTwoMinutes(i int) bool {
	switch i % 10 {
	case 1, 3, 5, 7, 9, 2:
		return true
	}
	return false
}

func bucketLen(t testing.TB, db *DB, table, bucket string) int {
	t.Helper()
	b, err := db.bolt(table)
	must(t, err)
	n := 0
	must(t, b.View(func(tx *bolt.Tx) error { n = tx.Bucket([]byte(bucket)).Stats().KeyN; return nil }))
	return n
}

func writeTxID(t testing.TB, db *DB, table string) int {
	t.Helper()
	b, err := db.bolt(table)
	must(t, err)
	id := 0
	must(t, b.View(func(tx *bolt.Tx) error { id = int(tx.ID()); return nil }))
	return id
}

// The sweep deletes exactly the expired items of a big table, with their
// index and ttl entries, in small write transactions, while reads go on.
func TestSweepDeletesExactlyTheExpired(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db, err := Open(t.TempDir(), WithClock(clk.now), WithNoSync())
	must(t, err)
	defer db.Close()
	tb := expiringTable(t, db, clk)
	liveN := 0
	for i := 0; i < 20000; i++ {
		if !expiredAtTwoMinutes(i) {
			liveN++
		}
	}

	stop := make(chan struct{})
	var reads atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := r.IntN(20000)
				it, err := tb.Get(ctx, store.Key{PK: fmt.Sprintf("P%d", i%2), SK: fmt.Sprintf("%05d", i)})
				if expiredAtTwoMinutes(i) {
					if crm.ErrorCode(err) != crm.ENOTFOUND {
						t.Errorf("expired item %d readable during the sweep: %v", i, err)
						return
					}
				} else if err != nil || store.Int(it, "n") != int64(i) {
					t.Errorf("live item %d during the sweep: %v %v", i, it, err)
					return
				}
				if g == 0 && i%50 == 0 {
					p, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: "ALL", CountOnly: true})
					if err != nil || p.Count != liveN {
						t.Errorf("index count during the sweep: %d %v, want %d", p.Count, err, liveN)
						return
					}
				}
				reads.Add(1)
			}
		}(g)
	}
	tx0 := writeTxID(t, db, "big")
	n, err := db.Sweep(ctx)
	txs := writeTxID(t, db, "big") - tx0
	close(stop)
	wg.Wait()
	must(t, err)
	if n != 20000-liveN {
		t.Fatalf("swept %d, want %d", n, 20000-liveN)
	}
	if min := (n + sweepBatch - 1) / sweepBatch; txs < min {
		t.Fatalf("the sweep deleted %d items in %d write transactions; want batches of at most %d (≥ %d transactions)", n, txs, sweepBatch, min)
	}
	if reads.Load() == 0 {
		t.Fatal("no read ran during the sweep")
	}
	if got := bucketLen(t, db, "big", "items"); got != liveN {
		t.Fatalf("%d items stored after the sweep, want %d", got, liveN)
	}
	if got := bucketLen(t, db, "big", "GSI1"); got != liveN {
		t.Fatalf("%d GSI1 entries after the sweep, want %d", got, liveN)
	}
	if got := bucketLen(t, db, "big", "GSI2"); got != 4000 { // i%4 == 0 has i%10 ∈ {0,2,4,6,8}; 2 expired
		t.Fatalf("%d GSI2 entries after the sweep, want 4000", got)
	}
	if got := bucketLen(t, db, "big", "ttl"); got != 4000 {
		t.Fatalf("%d ttl entries after the sweep, want the 4,000 items that expire later", got)
	}
	for i := 0; i < 20000; i += 7 {
		_, err := tb.Get(ctx, store.Key{PK: fmt.Sprintf("P%d", i%2), SK: fmt.Sprintf("%05d", i)})
		if expiredAtTwoMinutes(i) != (crm.ErrorCode(err) == crm.ENOTFOUND) {
			t.Fatalf("item %d after the sweep: %v", i, err)
		}
	}
	if n, err := db.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("second sweep: %d, %v", n, err)
	}
	// An hour later the rest of the ttl items go too.
	clk.advance(time.Hour)
	if n, err := db.Sweep(ctx); n != 4000 || err != nil {
		t.Fatalf("sweep an hour later: %d, %v; want 4000", n, err)
	}
}

// The sweep reads only what is due: with 20,000 live items and 50 due, it
// allocates for the 50, not for every item (decoding an item allocates
// dozens of objects).
func TestSweepReadsOnlyWhatIsDue(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db, err := Open(t.TempDir(), WithClock(clk.now), WithNoSync())
	must(t, err)
	defer db.Close()
	must(t, db.CreateTable(ctx, "big"))
	tb := db.Table("big")
	items := make([]store.Item, 0, 20050)
	for i := 0; i < 20000; i++ {
		items = append(items, item("P", fmt.Sprintf("%05d", i), "name", "customer", "tags", []string{"a", "b"}, "GSI1PK", "ALL", "GSI1SK", fmt.Sprint(i)))
	}
	for i := 0; i < 50; i++ {
		items = append(items, item("OUTBOX", fmt.Sprintf("%03d", i), store.TTL, clk.now().Add(time.Minute).Unix()))
	}
	fill(t, tb, items)
	clk.advance(2 * time.Minute)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	n, err := db.Sweep(ctx)
	runtime.ReadMemStats(&m1)
	must(t, err)
	if n != 50 {
		t.Fatalf("swept %d, want 50", n)
	}
	if allocs := m1.Mallocs - m0.Mallocs; allocs > 20000 {
		t.Fatalf("the sweep made %d allocations for 50 due items among 20,050: it read items that were not due", allocs)
	}
}

// Close while sweeps and requests run returns, without a panic, and
// everything after it fails cleanly.
func TestCloseDuringSweep(t *testing.T) {
	runs := 25
	if testing.Short() {
		runs = 5
	}
	for run := 0; run < runs; run++ {
		ctx := context.Background()
		dir := t.TempDir()
		foreignFiles(t, dir)
		clk := newClock()
		db, err := Open(dir, WithClock(clk.now), WithNoSync(), WithSweep(time.Millisecond))
		must(t, err)
		must(t, db.CreateTable(ctx, "tbl"))
		tb := db.Table("tbl")
		var items []store.Item
		for i := 0; i < 3000; i++ {
			items = append(items, item("P", fmt.Sprintf("%05d", i), store.TTL, clk.now().Add(time.Minute).Unix(), "GSI1PK", "X", "GSI1SK", fmt.Sprint(i)))
		}
		fill(t, tb, items)
		clk.advance(2 * time.Minute)

		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					var err error
					switch g {
					case 0:
						_, err = db.Sweep(ctx)
					case 1:
						_, err = tb.Query(ctx, store.Query{Index: "GSI1", PK: "X", Offset: 10, Limit: 5})
					case 2:
						err = tb.Put(ctx, item("Q", fmt.Sprint(i)))
					}
					if err != nil {
						if !errors.Is(err, errClosed) && crm.ErrorCode(err) != crm.ENOTFOUND {
							t.Errorf("after close: %v", err)
						}
						return
					}
				}
			}(g)
		}
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
		done := make(chan error, 1)
		go func() { done <- db.Close() }()
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return")
		}
		wg.Wait()
		if _, err := db.Sweep(ctx); !errors.Is(err, errClosed) {
			t.Fatalf("sweep after close: %v", err)
		}
		if _, err := tb.Get(ctx, store.Key{PK: "Q", SK: "1"}); !errors.Is(err, errClosed) {
			t.Fatalf("get after close: %v", err)
		}
	}
}
