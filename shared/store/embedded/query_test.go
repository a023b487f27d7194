package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/store"
)

// customers fills a table like a tenant's: n customer items on GSI1 (the
// list of all customers), each with an outbox item that has a ttl.
func customers(t testing.TB, db *DB, name string, n int, now time.Time) store.Table {
	t.Helper()
	must(t, db.CreateTable(context.Background(), name))
	tb := db.Table(name)
	items := make([]store.Item, 0, 2*n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("0190%08d", i)
		items = append(items, customerItem(id), item("OUTBOX", id, store.TTL, now.Add(time.Hour).Unix(), "detail", "{}"))
	}
	fill(t, tb, items)
	return tb
}

// customerItem has the shape and size of a stored customer.
func customerItem(id string) store.Item {
	it := item("CUSTOMER#"+id, "#CUSTOMER",
		"id", id, "name", "Customer "+id, "email", "c"+id+"@example.com", "phone", "09120000000", "type", "B2B",
		"company", "Company "+id, "city", "Tehran", "city_key", "tehran", "status", "active", "tags", []string{"vip", "b2b"},
		"industry", "software", "size", "11-50", "owner_id", "0190user", "source", "web", "notes", "some notes about the customer",
		"created_by", "0190user", "created_at", "2026-11-28T10:00:00Z", "updated_at", "2026-11-28T10:00:00Z", "version", 1,
		"tokens", []string{"customer", id, "company", "c" + id + "@example.com", "example.com", "09120000000"},
		"match_keys", []string{"email:c" + id + "@example.com", "phone:09120000000"},
		"GSI1PK", "CUSTOMERS", "GSI1SK", id, "GSI2PK", "CUSTOMERS", "GSI2SK", "customer "+id+"#"+id,
		"GSI3PK", "CUSTOMERS#STATUS#active", "GSI3SK", id, "GSI4PK", "CUSTOMERS#CITY#tehran", "GSI4SK", id,
		"GSI5PK", "CUSTOMERS#OWNER#0190user", "GSI5SK", id)
	it["address"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"street": store.AV("Valiasr St. 1234"), "city": store.AV("Tehran"), "postal_code": store.AV("1234567890"), "country": store.AV("IR")}}
	it["custom_fields"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"tier": store.AV("gold")}}
	return it
}

// A deep page by offset decodes the page, not what the offset skips, and a
// count decodes nothing, on the table and on an index.
func TestDeepPageDecodesOnlyThePage(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db, err := Open(t.TempDir(), WithClock(clk.now), WithNoSync())
	must(t, err)
	defer db.Close()
	tb := customers(t, db, "tenant", 10000, clk.now())
	for _, q := range []store.Query{
		{Index: "GSI1", PK: "CUSTOMERS", Reverse: true, Offset: 4950, Limit: 50},
		{Index: "GSI1", PK: "CUSTOMERS", Offset: 9990, Limit: 50},
		{PK: "OUTBOX", Offset: 4950, Limit: 50},
	} {
		sctx, st := store.WithStats(ctx)
		p, err := tb.Query(sctx, q)
		must(t, err)
		want := min(50, 10000-q.Offset)
		if len(p.Items) != want {
			t.Fatalf("%+v: %d items, want %d", q, len(p.Items), want)
		}
		first := 10000 - 1 - q.Offset
		if !q.Reverse {
			first = q.Offset
		}
		if id := fmt.Sprintf("0190%08d", first); store.Str(p.Items[0], store.SK) != id && store.Str(p.Items[0], "id") != id {
			t.Fatalf("%+v: page starts at %v, want %s", q, p.Items[0][store.SK], id)
		}
		if (p.Cursor != "") != (q.Offset+q.Limit < 10000) {
			t.Fatalf("%+v: cursor %q", q, p.Cursor)
		}
		if n := st.ItemsRead.Load(); n != int64(want) {
			t.Fatalf("%+v: decoded %d items for a page of %d", q, n, want)
		}
		q.CountOnly, q.Offset, q.Limit = true, 0, 0
		sctx, st = store.WithStats(ctx)
		c, err := tb.Query(sctx, q)
		must(t, err)
		if c.Count != 10000 || st.ItemsRead.Load() != 0 {
			t.Fatalf("%+v: count %d decoding %d items", q, c.Count, st.ItemsRead.Load())
		}
	}
	// Once the outbox items expire they are neither skipped nor counted,
	// still without decoding the items of the index.
	clk.advance(2 * time.Hour)
	p, err := tb.Query(ctx, store.Query{PK: "OUTBOX", CountOnly: true})
	must(t, err)
	if p.Count != 0 {
		t.Fatalf("expired outbox items counted: %d", p.Count)
	}
	p, err = tb.Query(ctx, store.Query{PK: "OUTBOX", Offset: 10, Limit: 5})
	must(t, err)
	if len(p.Items) != 0 {
		t.Fatalf("expired outbox items returned: %d", len(p.Items))
	}
}

// writeOldFormat writes a table file as versions before format 2 did: no
// ttl or meta bucket, index entries without expiries.
func writeOldFormat(t testing.TB, path string, items []store.Item) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	defer b.Close()
	must(t, b.Update(func(tx *bolt.Tx) error {
		main, err := tx.CreateBucket(mainBucket)
		if err != nil {
			return err
		}
		for _, ix := range store.Indexes {
			if _, err := tx.CreateBucket([]byte(ix)); err != nil {
				return err
			}
		}
		for _, it := range items {
			raw, err := encodeJSON(it) // what older versions wrote
			if err != nil {
				return err
			}
			mk := mainKey(store.KeyOf(it))
			if err := main.Put(mk, raw); err != nil {
				return err
			}
			for _, ix := range store.Indexes {
				if k, ok := indexKey(ix, it); ok {
					if err := tx.Bucket([]byte(ix)).Put(k, mk); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}))
}

// A file written before format 2 is read correctly (expired items are
// neither skipped nor counted though its index entries carry no expiry),
// and the first sweep brings it up to format 2.
func TestOldFormatFileIsReadAndUpgraded(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	dir := t.TempDir()
	past, future := clk.now().Add(-time.Minute).Unix(), clk.now().Add(time.Hour).Unix()
	var items []store.Item
	var live []string
	for i := 0; i < 300; i++ {
		sk := fmt.Sprintf("%03d", i)
		it := item("P", sk, "GSI1PK", "IX", "GSI1SK", sk)
		switch i % 3 {
		case 1:
			it[store.TTL] = store.AV(past)
		case 2:
			it[store.TTL] = store.AV(future)
			live = append(live, sk)
		default:
			live = append(live, sk)
		}
		items = append(items, it)
	}
	writeOldFormat(t, filepath.Join(dir, "old.db"), items)
	db, err := Open(dir, WithClock(clk.now))
	must(t, err)
	defer db.Close()
	tb := db.Table("old")
	check := func(when string) {
		t.Helper()
		for _, q := range []store.Query{{PK: "P"}, {Index: "GSI1", PK: "IX"}} {
			c, err := tb.Query(ctx, store.Query{Index: q.Index, PK: q.PK, CountOnly: true})
			must(t, err)
			if c.Count != len(live) {
				t.Fatalf("%s, index %q: count %d, want %d", when, q.Index, c.Count, len(live))
			}
			q.Offset, q.Limit = 150, 3
			p, err := tb.Query(ctx, q)
			must(t, err)
			if got := []string{store.Str(p.Items[0], store.SK), store.Str(p.Items[2], store.SK)}; got[0] != live[150] || got[1] != live[152] {
				t.Fatalf("%s, index %q: offset 150 gives %v, want %s…%s", when, q.Index, got, live[150], live[152])
			}
		}
	}
	check("before the upgrade")
	n, err := db.Sweep(ctx)
	must(t, err)
	if n != 100 {
		t.Fatalf("the upgrading sweep deleted %d, want the 100 expired", n)
	}
	b, err := db.bolt("old")
	must(t, err)
	must(t, b.View(func(tx *bolt.Tx) error {
		if !format2In(tx) {
			t.Fatal("the file is not marked format 2 after the sweep")
		}
		if n := tx.Bucket(ttlBucket).Stats().KeyN; n != 100 {
			t.Fatalf("%d ttl entries, want the 100 live items with a ttl", n)
		}
		return tx.Bucket([]byte("GSI1")).ForEach(func(k, v []byte) error {
			mk, exp, known := splitIndexValue(v)
			it, err := stored(tx, mk)
			if err != nil || it == nil {
				t.Fatalf("index entry %q points at %q: %v %v", k, mk, it, err)
			}
			if want := expiryOf(it); want != exp || known != (want > 0) {
				t.Fatalf("index entry %q carries expiry %d (%v); the item's is %d", k, exp, known, want)
			}
			return nil
		})
	}))
	check("after the upgrade")
}
