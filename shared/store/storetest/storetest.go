// Package storetest is the contract suite every store backend must pass.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Clock is a settable time source shared by the suite and the backend.
type Clock struct{ t atomic.Int64 }

func NewClock() *Clock {
	c := &Clock{}
	c.t.Store(time.Now().UnixNano())
	return c
}
func (c *Clock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *Clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

// Factory opens a backend using clock as its time source.
type Factory func(t *testing.T, clock *Clock) store.DB

var tableSeq atomic.Int64

// newTable creates a fresh table with a unique name.
func newTable(t *testing.T, db store.DB) store.Table {
	t.Helper()
	name := fmt.Sprintf("contract-%d-%d", time.Now().UnixNano()%1e9, tableSeq.Add(1))
	if err := db.CreateTable(context.Background(), name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() { db.DeleteTable(context.Background(), name) })
	return db.Table(name)
}

func item(pk, sk string, attrs ...any) store.Item {
	it := store.Item{store.PK: store.AV(pk), store.SK: store.AV(sk)}
	for i := 0; i+1 < len(attrs); i += 2 {
		it[attrs[i].(string)] = store.AV(attrs[i+1])
	}
	return it
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := crm.ErrorCode(err); got != code {
		t.Fatalf("want error code %q, got %q (%v)", code, got, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Cases lists the contract by name; Run runs each as a subtest.
var Cases = []struct {
	Name string
	Fn   func(t *testing.T, db store.DB, clock *Clock)
}{
	{"GetMissingIsNotFound", testGetMissing},
	{"PutGetRoundTripKeepsTypes", testPutGet},
	{"PutIfAbsentConflicts", testPutIfAbsent},
	{"PutWithVersionCondition", testVersion},
	{"DeleteConditional", testDeleteConditional},
	{"UpdateSetAddRemoveAndUpsert", testUpdate},
	{"UpdateConditionFailureChangesNothing", testUpdateCondFail},
	{"QuerySortKeyConditions", testQuerySK},
	{"QueryReverseAndLimit", testQueryReverse},
	{"QueryIndexPagesWithCursors", testIndexPaging},
	{"QueryFilterOffsetCount", testFilterOffsetCount},
	{"QueryIndexIsSparseAndFollowsUpdates", testIndexFollows},
	{"BatchGetOrderAndMissing", testBatchGet},
	{"TransactWriteAppliesAll", testTxApply},
	{"TransactWriteRollsBackAndNamesFailingOp", testTxRollback},
	{"TransactWriteLimits", testTxLimits},
	{"CounterAddConcurrent", testCounterConcurrent},
	{"TTLExpiredItemsAreInvisible", testTTL},
	{"TableLifecycle", testTableLifecycle},
	{"StatsCountRoundTrips", testStats},
	{"QueryOffsetAndCountMatchAFullRead", testOffsetMatchesFullRead},
}

// ConcurrencyCases hammer single items from many goroutines at once. They
// hold on DynamoDB (conditional writes and ADD are atomic per item), but
// moto_server does not isolate concurrent requests (it lost 1 of 800
// concurrent increments in a trial), so only backends that serialize their
// own writes run them: RunConcurrency.
var ConcurrencyCases = []struct {
	Name string
	Fn   func(t *testing.T, db store.DB, clock *Clock)
}{
	{"ConcurrentPutIfAbsentHasOneWinner", testPutIfAbsentRace},
	{"ConcurrentVersionedUpdatesHaveOneWinner", testVersionRace},
	{"CounterAdd8Clients100Each", testCounter8x100},
	{"ConcurrentTransactionsGetTheirOwnOutcome", testTxConcurrentOutcomes},
}

// RunConcurrency runs ConcurrencyCases against the backend made by f.
func RunConcurrency(t *testing.T, f Factory) {
	for _, c := range ConcurrencyCases {
		t.Run(c.Name, func(t *testing.T) {
			clock := NewClock()
			db := f(t, clock)
			c.Fn(t, db, clock)
		})
	}
}

// Run runs the whole contract against the backend made by f.
func Run(t *testing.T, f Factory) {
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			clock := NewClock()
			db := f(t, clock)
			c.Fn(t, db, clock)
		})
	}
}

func testGetMissing(t *testing.T, db store.DB, _ *Clock) {
	tb := newTable(t, db)
	_, err := tb.Get(context.Background(), store.Key{PK: "A", SK: "1"})
	wantCode(t, err, crm.ENOTFOUND)
}

func testPutGet(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	it := item("A", "1", "name", "رابین", "n", int64(12345678901234), "ok", true, "f", 2.5, "tags", []string{"x", "y"})
	must(t, tb.Put(ctx, it))
	got, err := tb.Get(ctx, store.Key{PK: "A", SK: "1"})
	must(t, err)
	if store.Str(got, "name") != "رابین" || store.Int(got, "n") != 12345678901234 {
		t.Fatalf("round trip changed the item: %#v", got)
	}
	if !store.Eq("ok", true).Eval(got) || !store.Contains("tags", "y").Eval(got) || !store.Eq("f", 2.5).Eval(got) {
		t.Fatalf("bool/list/float attributes lost: %#v", got)
	}
	// A plain Put overwrites.
	must(t, tb.Put(ctx, item("A", "1", "name", "other")))
	got, _ = tb.Get(ctx, store.Key{PK: "A", SK: "1"})
	if store.Str(got, "name") != "other" || got["n"] != nil {
		t.Fatalf("put did not replace the whole item: %#v", got)
	}
}

func testPutIfAbsent(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("A", "1", "v", "first"), store.NotExists()))
	err := tb.Put(ctx, item("A", "1", "v", "second"), store.NotExists())
	wantCode(t, err, crm.ECONFLICT)
	got, _ := tb.Get(ctx, store.Key{PK: "A", SK: "1"})
	if store.Str(got, "v") != "first" {
		t.Fatalf("conflicting put changed the item: %v", store.Str(got, "v"))
	}
}

func testVersion(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("A", "1", "version", 1)))
	must(t, tb.Put(ctx, item("A", "1", "version", 2), store.VersionIs(1)))
	wantCode(t, tb.Put(ctx, item("A", "1", "version", 3), store.VersionIs(1)), crm.ECONFLICT)
	got, _ := tb.Get(ctx, store.Key{PK: "A", SK: "1"})
	if store.Int(got, "version") != 2 {
		t.Fatalf("version = %d, want 2", store.Int(got, "version"))
	}
}

func testDeleteConditional(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("A", "1", "version", 5)))
	wantCode(t, tb.Delete(ctx, store.Key{PK: "A", SK: "1"}, store.VersionIs(4)), crm.ECONFLICT)
	wantCode(t, tb.Delete(ctx, store.Key{PK: "A", SK: "2"}, store.Exists()), crm.ECONFLICT)
	must(t, tb.Delete(ctx, store.Key{PK: "A", SK: "1"}, store.VersionIs(5)))
	_, err := tb.Get(ctx, store.Key{PK: "A", SK: "1"})
	wantCode(t, err, crm.ENOTFOUND)
	must(t, tb.Delete(ctx, store.Key{PK: "A", SK: "1"})) // deleting nothing is fine
}

func testUpdate(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	k := store.Key{PK: "A", SK: "1"}
	got, err := tb.Update(ctx, store.Update{Key: k, Set: store.Item{"name": store.AV("x")}, Add: map[string]int64{"n": 3}})
	must(t, err)
	if store.Str(got, "name") != "x" || store.Int(got, "n") != 3 || store.Str(got, store.PK) != "A" {
		t.Fatalf("upsert result wrong: %#v", got)
	}
	got, err = tb.Update(ctx, store.Update{Key: k, Add: map[string]int64{"n": -5}, Remove: []string{"name"}})
	must(t, err)
	if got["name"] != nil || store.Int(got, "n") != -2 {
		t.Fatalf("update result wrong: %#v", got)
	}
	n, err := store.Add(ctx, tb, k, "n", 10)
	must(t, err)
	if n != 8 {
		t.Fatalf("Add returned %d, want 8", n)
	}
}

func testUpdateCondFail(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	k := store.Key{PK: "P", SK: "stock"}
	must(t, tb.Put(ctx, item("P", "stock", "qty", 2)))
	_, err := tb.Update(ctx, store.Update{Key: k, Add: map[string]int64{"qty": -3}, Cond: []store.Cond{store.Ge("qty", 3)}})
	wantCode(t, err, crm.ECONFLICT)
	_, err = tb.Update(ctx, store.Update{Key: store.Key{PK: "P", SK: "none"}, Set: store.Item{"a": store.AV("b")}, Cond: []store.Cond{store.Exists()}})
	wantCode(t, err, crm.ECONFLICT)
	if _, err := tb.Get(ctx, store.Key{PK: "P", SK: "none"}); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatal("a failed conditional update created the item")
	}
	got, _ := tb.Get(ctx, k)
	if store.Int(got, "qty") != 2 {
		t.Fatalf("qty = %d after failed update", store.Int(got, "qty"))
	}
}

func seed(t *testing.T, tb store.Table, pk string, sks ...string) {
	t.Helper()
	for _, sk := range sks {
		must(t, tb.Put(context.Background(), item(pk, sk, "sk", sk)))
	}
}

func sks(p store.Page) []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = store.Str(it, store.SK)
	}
	return out
}

func eq(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func testQuerySK(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	seed(t, tb, "P", "a#1", "a#2", "b#1", "b#2", "c#1")
	seed(t, tb, "Q", "a#1")  // another partition never leaks in
	seed(t, tb, "P2", "a#1") // nor one whose name starts the same
	cases := []struct {
		c    store.SKCond
		want []string
	}{
		{store.SKCond{}, []string{"a#1", "a#2", "b#1", "b#2", "c#1"}},
		{store.SKEquals("b#1"), []string{"b#1"}},
		{store.SKPrefix("b#"), []string{"b#1", "b#2"}},
		{store.SKBetweenOf("a#2", "b#2"), []string{"a#2", "b#1", "b#2"}},
		{store.SKLess("b#1"), []string{"a#1", "a#2"}},
		{store.SKLessEq("b#1"), []string{"a#1", "a#2", "b#1"}},
		{store.SKGreater("b#2"), []string{"c#1"}},
		{store.SKGreaterEq("b#2"), []string{"b#2", "c#1"}},
	}
	for _, c := range cases {
		for _, rev := range []bool{false, true} {
			p, err := tb.Query(ctx, store.Query{PK: "P", SK: c.c, Reverse: rev})
			must(t, err)
			want := c.want
			if rev {
				want = reversed(want)
			}
			if !eq(sks(p), want) {
				t.Errorf("sk %+v reverse=%v: got %v want %v", c.c, rev, sks(p), want)
			}
		}
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[len(s)-1-i] = s[i]
	}
	return out
}

func testQueryReverse(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	seed(t, tb, "P", "1", "2", "3", "4", "5")
	p, err := tb.Query(ctx, store.Query{PK: "P", Reverse: true, Limit: 2})
	must(t, err)
	if !eq(sks(p), []string{"5", "4"}) || p.Cursor == "" {
		t.Fatalf("first reverse page %v cursor %q", sks(p), p.Cursor)
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Reverse: true, Limit: 2, Cursor: p.Cursor})
	must(t, err)
	if !eq(sks(p), []string{"3", "2"}) {
		t.Fatalf("second reverse page %v", sks(p))
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Reverse: true, Limit: 2, Cursor: p.Cursor})
	must(t, err)
	if !eq(sks(p), []string{"1"}) || p.Cursor != "" {
		t.Fatalf("last reverse page %v cursor %q", sks(p), p.Cursor)
	}
	// A page that ends exactly at the end has no cursor.
	p, _ = tb.Query(ctx, store.Query{PK: "P", Limit: 5})
	if p.Cursor != "" || p.Count != 5 {
		t.Fatalf("exact page: count %d cursor %q", p.Count, p.Cursor)
	}
	_, err = tb.Query(ctx, store.Query{PK: "P", Cursor: "garbage!"})
	wantCode(t, err, crm.EINVALID)
}

func testIndexPaging(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	for i := 0; i < 23; i++ {
		must(t, tb.Put(ctx, item(fmt.Sprintf("C#%02d", i), "META", "GSI1PK", "CUSTOMERS", "GSI1SK", fmt.Sprintf("%02d", i))))
	}
	must(t, tb.Put(ctx, item("X", "META", "GSI1PK", "OTHERS", "GSI1SK", "00")))
	for _, rev := range []bool{false, true} {
		var all []string
		cursor, pages := "", 0
		for {
			p, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: "CUSTOMERS", Limit: 5, Cursor: cursor, Reverse: rev})
			must(t, err)
			pages++
			for _, it := range p.Items {
				all = append(all, store.Str(it, "GSI1SK"))
			}
			if p.Cursor == "" {
				break
			}
			cursor = p.Cursor
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if pages != 5 || len(all) != 23 {
			t.Fatalf("reverse=%v: %d pages, %d items: %v", rev, pages, len(all), all)
		}
		for i := 1; i < len(all); i++ {
			if (all[i] <= all[i-1]) != rev {
				t.Fatalf("reverse=%v: out of order at %d: %v", rev, i, all)
			}
		}
	}
	// A table cursor is refused on an index query.
	p, _ := tb.Query(ctx, store.Query{PK: "C#01", Limit: 1})
	seed(t, tb, "C#01", "Z")
	p, _ = tb.Query(ctx, store.Query{PK: "C#01", Limit: 1})
	_, err := tb.Query(ctx, store.Query{Index: "GSI1", PK: "CUSTOMERS", Cursor: p.Cursor})
	wantCode(t, err, crm.EINVALID)
}

func testFilterOffsetCount(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	for i := 0; i < 12; i++ {
		status := "active"
		if i%3 == 0 {
			status = "inactive"
		}
		must(t, tb.Put(ctx, item("P", fmt.Sprintf("%02d", i), "status", status, "n", i, "tags", []string{fmt.Sprintf("t%d", i%2)})))
	}
	active := []store.Cond{store.Eq("status", "active")}
	p, err := tb.Query(ctx, store.Query{PK: "P", Filter: active, Limit: 3})
	must(t, err)
	if !eq(sks(p), []string{"01", "02", "04"}) || p.Cursor == "" {
		t.Fatalf("filtered page %v cursor %q", sks(p), p.Cursor)
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Filter: active, Limit: 3, Cursor: p.Cursor})
	must(t, err)
	if !eq(sks(p), []string{"05", "07", "08"}) {
		t.Fatalf("filtered second page %v", sks(p))
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Filter: active, Limit: 3, Offset: 6})
	must(t, err)
	if !eq(sks(p), []string{"10", "11"}) || p.Cursor != "" {
		t.Fatalf("offset page %v cursor %q", sks(p), p.Cursor)
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Filter: active, CountOnly: true})
	must(t, err)
	if p.Count != 8 || len(p.Items) != 0 {
		t.Fatalf("count = %d (items %d), want 8", p.Count, len(p.Items))
	}
	p, err = tb.Query(ctx, store.Query{PK: "P", Filter: []store.Cond{store.Ge("n", 9), store.Contains("tags", "t1")}})
	must(t, err)
	if !eq(sks(p), []string{"09", "11"}) {
		t.Fatalf("numeric+contains filter %v", sks(p))
	}
}

func testIndexFollows(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("C#1", "META", "GSI3PK", "STATUS#active", "GSI3SK", "1")))
	must(t, tb.Put(ctx, item("C#2", "META"))) // not in the index
	q := func(pk string) []string {
		p, err := tb.Query(ctx, store.Query{Index: "GSI3", PK: pk})
		must(t, err)
		var out []string
		for _, it := range p.Items {
			out = append(out, store.Str(it, store.PK))
		}
		return out
	}
	if got := q("STATUS#active"); !eq(got, []string{"C#1"}) {
		t.Fatalf("index = %v", got)
	}
	_, err := tb.Update(ctx, store.Update{Key: store.Key{PK: "C#1", SK: "META"}, Set: store.Item{"GSI3PK": store.AV("STATUS#inactive")}})
	must(t, err)
	if got := q("STATUS#active"); len(got) != 0 {
		t.Fatalf("stale index entry after update: %v", got)
	}
	if got := q("STATUS#inactive"); !eq(got, []string{"C#1"}) {
		t.Fatalf("index after update = %v", got)
	}
	must(t, tb.Delete(ctx, store.Key{PK: "C#1", SK: "META"}))
	if got := q("STATUS#inactive"); len(got) != 0 {
		t.Fatalf("stale index entry after delete: %v", got)
	}
}

func testBatchGet(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	seed(t, tb, "P", "1", "2", "3")
	got, err := tb.BatchGet(ctx, []store.Key{{PK: "P", SK: "3"}, {PK: "P", SK: "9"}, {PK: "P", SK: "1"}})
	must(t, err)
	if len(got) != 2 || store.Str(got[0], store.SK) != "3" || store.Str(got[1], store.SK) != "1" {
		t.Fatalf("batch get = %v", got)
	}
}

func testTxApply(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("P", "old")))
	must(t, tb.Put(ctx, item("P", "guard", "version", 1)))
	err := tb.TransactWrite(ctx,
		store.PutOp(item("P", "new", "GSI1PK", "X", "GSI1SK", "1"), store.NotExists()),
		store.UpdateOp(store.Update{Key: store.Key{PK: "COUNT", SK: "c"}, Add: map[string]int64{"total": 1}}),
		store.DeleteOp(store.Key{PK: "P", SK: "old"}, store.Exists()),
		store.CheckOp(store.Key{PK: "P", SK: "guard"}, store.VersionIs(1)),
	)
	must(t, err)
	p, _ := tb.Query(ctx, store.Query{PK: "P"})
	if !eq(sks(p), []string{"guard", "new"}) {
		t.Fatalf("after tx: %v", sks(p))
	}
	c, _ := tb.Get(ctx, store.Key{PK: "COUNT", SK: "c"})
	if store.Int(c, "total") != 1 {
		t.Fatal("counter not updated in the transaction")
	}
	ix, _ := tb.Query(ctx, store.Query{Index: "GSI1", PK: "X"})
	if ix.Count != 1 {
		t.Fatal("index entry of the transaction's put missing")
	}
}

func testTxRollback(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("P", "taken")))
	err := tb.TransactWrite(ctx,
		store.PutOp(item("P", "a"), store.NotExists()),
		store.UpdateOp(store.Update{Key: store.Key{PK: "COUNT", SK: "c"}, Add: map[string]int64{"total": 1}}),
		store.PutOp(item("P", "taken", "v", "new"), store.NotExists()),
		store.DeleteOp(store.Key{PK: "P", SK: "zzz"}),
	)
	wantCode(t, err, crm.ECONFLICT)
	var te *store.TxError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a *store.TxError", err)
	}
	if te.Index != 2 || te.Key.SK != "taken" {
		t.Fatalf("failing op = %d (%v), want 2 (taken)", te.Index, te.Key)
	}
	if _, err := tb.Get(ctx, store.Key{PK: "P", SK: "a"}); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatal("rolled-back put is visible")
	}
	if _, err := tb.Get(ctx, store.Key{PK: "COUNT", SK: "c"}); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatal("rolled-back counter update is visible")
	}
}

func testTxLimits(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	ops := make([]store.Op, 101)
	for i := range ops {
		ops[i] = store.PutOp(item("P", fmt.Sprint(i)))
	}
	wantCode(t, tb.TransactWrite(ctx, ops...), crm.EINVALID)
	must(t, tb.TransactWrite(ctx, ops[:100]...))
	p, _ := tb.Query(ctx, store.Query{PK: "P", CountOnly: true})
	if p.Count != 100 {
		t.Fatalf("100-op transaction wrote %d items", p.Count)
	}
}

func testCounterConcurrent(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	k := store.Key{PK: "COUNTERS", SK: "customers"}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := store.Add(ctx, tb, k, "total", 1); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _ := tb.Get(ctx, k)
	if store.Int(got, "total") != 100 {
		t.Fatalf("total = %d, want 100", store.Int(got, "total"))
	}
}

func testTTL(t *testing.T, db store.DB, clock *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	exp := clock.Now().Add(time.Minute).Unix()
	must(t, tb.Put(ctx, item("RL", "w1", store.TTL, exp, "GSI1PK", "RL", "GSI1SK", "1")))
	must(t, tb.Put(ctx, item("RL", "w2")))
	if _, err := tb.Get(ctx, store.Key{PK: "RL", SK: "w1"}); err != nil {
		t.Fatalf("item visible before expiry: %v", err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := tb.Get(ctx, store.Key{PK: "RL", SK: "w1"}); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("expired item still readable: %v", err)
	}
	p, _ := tb.Query(ctx, store.Query{PK: "RL"})
	if !eq(sks(p), []string{"w2"}) {
		t.Fatalf("expired item in query: %v", sks(p))
	}
	ix, _ := tb.Query(ctx, store.Query{Index: "GSI1", PK: "RL"})
	if ix.Count != 0 {
		t.Fatal("expired item in index query")
	}
	b, _ := tb.BatchGet(ctx, []store.Key{{PK: "RL", SK: "w1"}})
	if len(b) != 0 {
		t.Fatal("expired item in batch get")
	}
	// An expired item counts as absent for put-if-absent (a new window).
	must(t, tb.Put(ctx, item("RL", "w1", "fresh", true), store.NotExists()))
	got, err := tb.Get(ctx, store.Key{PK: "RL", SK: "w1"})
	must(t, err)
	if !store.Eq("fresh", true).Eval(got) {
		t.Fatal("put over an expired item did not replace it")
	}
}

func testTableLifecycle(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	name := fmt.Sprintf("lifecycle-%d", tableSeq.Add(1))
	ok, err := db.TableExists(ctx, name)
	must(t, err)
	if ok {
		t.Fatal("table exists before creation")
	}
	_, err = db.Table(name).Get(ctx, store.Key{PK: "a", SK: "b"})
	wantCode(t, err, crm.ENOTFOUND)
	must(t, db.CreateTable(ctx, name))
	wantCode(t, db.CreateTable(ctx, name), crm.ECONFLICT)
	ok, _ = db.TableExists(ctx, name)
	if !ok {
		t.Fatal("created table does not exist")
	}
	must(t, db.Table(name).Put(ctx, item("a", "b")))
	must(t, db.DeleteTable(ctx, name))
	ok, _ = db.TableExists(ctx, name)
	if ok {
		t.Fatal("deleted table still exists")
	}
	wantCode(t, db.DeleteTable(ctx, name), crm.ENOTFOUND)
}

func testStats(t *testing.T, db store.DB, _ *Clock) {
	tb := newTable(t, db)
	seed(t, tb, "P", "1", "2", "3")
	ctx, st := store.WithStats(context.Background())
	if _, err := tb.Get(ctx, store.Key{PK: "P", SK: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Query(ctx, store.Query{PK: "P"}); err != nil {
		t.Fatal(err)
	}
	must(t, tb.TransactWrite(ctx, store.PutOp(item("P", "4")), store.PutOp(item("P", "5"))))
	if r, w := st.ReadRoundTrips.Load(), st.WriteRoundTrips.Load(); r != 2 || w != 1 {
		t.Fatalf("round trips read=%d write=%d, want 2 and 1", r, w)
	}
	if st.ItemsRead.Load() != 4 || st.ItemsWritten.Load() != 2 {
		t.Fatalf("items read=%d written=%d, want 4 and 2", st.ItemsRead.Load(), st.ItemsWritten.Load())
	}
}

// race starts n goroutines at once and returns their errors by index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}(i)
	}
	close(start)
	wg.Wait()
	return errs
}

// winner checks that exactly one of errs is nil and every other is a
// conflict; it returns the winner.
func winner(t *testing.T, errs []error) int {
	t.Helper()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("two writers won: %d and %d", won, i)
		case err == nil:
			won = i
		case crm.ErrorCode(err) != crm.ECONFLICT:
			t.Fatalf("writer %d: want a conflict, got %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer won")
	}
	return won
}

func testPutIfAbsentRace(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	for round := 0; round < 5; round++ {
		sk := fmt.Sprintf("k%d", round)
		errs := race(16, func(i int) error { return tb.Put(ctx, item("RACE", sk, "owner", i), store.NotExists()) })
		won := winner(t, errs)
		got, err := tb.Get(ctx, store.Key{PK: "RACE", SK: sk})
		must(t, err)
		if store.Int(got, "owner") != int64(won) {
			t.Fatalf("round %d: stored owner %d, but writer %d won", round, store.Int(got, "owner"), won)
		}
	}
}

func testVersionRace(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	k := store.Key{PK: "DOC", SK: "1"}
	must(t, tb.Put(ctx, item("DOC", "1", "version", 1)))
	for v := int64(1); v <= 3; v++ {
		errs := race(8, func(i int) error {
			_, err := tb.Update(ctx, store.Update{Key: k, Set: store.Item{"version": store.AV(v + 1), "by": store.AV(i)}, Cond: []store.Cond{store.VersionIs(v)}})
			return err
		})
		won := winner(t, errs)
		got, err := tb.Get(ctx, k)
		must(t, err)
		if store.Int(got, "version") != v+1 || store.Int(got, "by") != int64(won) {
			t.Fatalf("after round %d: %v, winner %d", v, got, won)
		}
	}
}

func testCounter8x100(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	k := store.Key{PK: "COUNTERS", SK: "hits"}
	errs := race(8, func(int) error {
		for i := 0; i < 100; i++ {
			if _, err := store.Add(ctx, tb, k, "n", 1); err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		must(t, err)
	}
	got, err := tb.Get(ctx, k)
	must(t, err)
	if store.Int(got, "n") != 800 {
		t.Fatalf("n = %d after 8×100 concurrent increments, want 800", store.Int(got, "n"))
	}
}

// Transactions that run at the same time, some of which fail a condition:
// each caller learns its own outcome, and the failures change nothing.
// (DynamoDB itself may also cancel concurrent transactions on one item with
// TransactionConflict; a backend that serializes them never does.)
func testTxConcurrentOutcomes(t *testing.T, db store.DB, _ *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	must(t, tb.Put(ctx, item("G", "guard", "version", 1)))
	must(t, tb.Put(ctx, item("P", "taken")))
	const n = 16
	errs := race(n, func(i int) error {
		own := store.PutOp(item("P", fmt.Sprintf("w%02d", i)), store.NotExists())
		count := store.UpdateOp(store.Update{Key: store.Key{PK: "C", SK: "c"}, Add: map[string]int64{"n": 1}})
		switch i % 4 {
		case 1: // the guard's version is wrong: op 2 fails
			return tb.TransactWrite(ctx, own, count, store.CheckOp(store.Key{PK: "G", SK: "guard"}, store.VersionIs(7)))
		case 3: // the second put finds its item taken: op 1 fails
			return tb.TransactWrite(ctx, own, store.PutOp(item("P", "taken"), store.NotExists()), count)
		}
		return tb.TransactWrite(ctx, own, count, store.CheckOp(store.Key{PK: "G", SK: "guard"}, store.VersionIs(1)))
	})
	for i, err := range errs {
		switch i % 4 {
		case 1, 3:
			want := map[int]int{1: 2, 3: 1}[i%4]
			var te *store.TxError
			if !errors.As(err, &te) || te.Index != want || crm.ErrorCode(err) != crm.ECONFLICT {
				t.Fatalf("writer %d: want a conflict naming op %d, got %v", i, want, err)
			}
		default:
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
	}
	p, err := tb.Query(ctx, store.Query{PK: "P", SK: store.SKPrefix("w")})
	must(t, err)
	var want []string
	for i := 0; i < n; i += 2 {
		want = append(want, fmt.Sprintf("w%02d", i))
	}
	if !eq(sks(p), want) {
		t.Fatalf("items written: %v, want %v", sks(p), want)
	}
	c, err := tb.Get(ctx, store.Key{PK: "C", SK: "c"})
	must(t, err)
	if store.Int(c, "n") != n/2 {
		t.Fatalf("counter = %d, want %d (only the successful transactions count)", store.Int(c, "n"), n/2)
	}
}

// Offsets and counts give what a full read gives, on the table and on an
// index, in both directions, with and without a filter, around expired
// items (which are neither skipped nor counted).
func testOffsetMatchesFullRead(t *testing.T, db store.DB, clock *Clock) {
	ctx := context.Background()
	tb := newTable(t, db)
	past, future := clock.Now().Add(-time.Hour).Unix(), clock.Now().Add(time.Hour).Unix()
	var live, liveEven []string
	for i := 0; i < 40; i++ {
		sk := fmt.Sprintf("%02d", i)
		attrs := []any{"n", i, "even", i%2 == 0, "GSI1PK", "IX", "GSI1SK", sk}
		switch {
		case i%5 == 0:
			attrs = append(attrs, store.TTL, past)
		case i%7 == 0:
			attrs = append(attrs, store.TTL, future)
		}
		must(t, tb.Put(ctx, item("P", sk, attrs...)))
		if i%5 != 0 {
			live = append(live, sk)
			if i%2 == 0 {
				liveEven = append(liveEven, sk)
			}
		}
	}
	must(t, tb.Put(ctx, item("P0", "00", "GSI1PK", "IX0", "GSI1SK", "00"))) // neighbours never leak in
	for _, index := range []string{"", "GSI1"} {
		for _, rev := range []bool{false, true} {
			for _, filter := range [][]store.Cond{nil, {store.Eq("even", true)}} {
				all := live
				if filter != nil {
					all = liveEven
				}
				if rev {
					all = reversed(all)
				}
				q := store.Query{Index: index, PK: "P", Reverse: rev, Filter: filter}
				if index != "" {
					q.PK = "IX"
				}
				full, err := tb.Query(ctx, q)
				must(t, err)
				if !eq(sks(full), all) {
					t.Fatalf("index %q reverse %v filter %v: full read %v, want %v", index, rev, filter != nil, sks(full), all)
				}
				cq := q
				cq.CountOnly = true
				cnt, err := tb.Query(ctx, cq)
				must(t, err)
				if cnt.Count != len(all) || len(cnt.Items) != 0 {
					t.Fatalf("index %q reverse %v filter %v: count %d (%d items), want %d", index, rev, filter != nil, cnt.Count, len(cnt.Items), len(all))
				}
				for _, off := range []int{1, 4, 13, len(all) - 1, len(all), len(all) + 3} {
					for _, lim := range []int{0, 1, 7} {
						pq := q
						pq.Offset, pq.Limit = off, lim
						p, err := tb.Query(ctx, pq)
						must(t, err)
						end := len(all)
						if lim > 0 {
							end = min(off+lim, len(all))
						}
						want := all[min(off, len(all)):max(end, min(off, len(all)))]
						if !eq(sks(p), want) || p.Count != len(want) {
							t.Fatalf("index %q reverse %v filter %v offset %d limit %d: %v (count %d), want %v",
								index, rev, filter != nil, off, lim, sks(p), p.Count, want)
						}
						if more := lim > 0 && off+lim < len(all); (p.Cursor != "") != more {
							t.Fatalf("index %q reverse %v filter %v offset %d limit %d: cursor %q, more items: %v",
								index, rev, filter != nil, off, lim, p.Cursor, more)
						}
						if p.Cursor != "" { // the cursor resumes right after the page
							pq.Offset, pq.Limit, pq.Cursor = 0, 1, p.Cursor
							next, err := tb.Query(ctx, pq)
							must(t, err)
							if !eq(sks(next), all[end:end+1]) {
								t.Fatalf("index %q reverse %v filter %v offset %d limit %d: next page starts %v, want %v",
									index, rev, filter != nil, off, lim, sks(next), all[end:end+1])
							}
						}
					}
				}
			}
		}
	}
}
