package embedded

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// nested is a map value depth levels deep.
func nested(depth int) types.AttributeValue {
	var v types.AttributeValue = &types.AttributeValueMemberS{Value: "leaf"}
	for range depth {
		v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": v}}
	}
	return v
}

// A value deeper than DynamoDB allows is refused on write, so nothing is
// stored that a read could not decode; at the limit it round-trips.
func TestDepthIsBoundedOnWrite(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tb := db.Table("tbl")
	if err := db.CreateTable(ctx, "tbl"); err != nil {
		t.Fatal(err)
	}
	ok := store.Item{"PK": store.AV("A"), "SK": store.AV("1"), "v": nested(MaxDepth)}
	if err := tb.Put(ctx, ok); err != nil {
		t.Fatalf("%d levels: %v", MaxDepth, err)
	}
	if it, err := tb.Get(ctx, store.Key{PK: "A", SK: "1"}); err != nil || it == nil {
		t.Fatalf("read back: %v %v", it, err)
	}
	for _, depth := range []int{MaxDepth + 1, 5000} {
		err := tb.Put(ctx, store.Item{"PK": store.AV("A"), "SK": store.AV("2"), "v": nested(depth)})
		if crm.ErrorCode(err) != crm.EINVALID {
			t.Fatalf("%d levels: got %v, want an EINVALID refusal", depth, err)
		}
	}
	p, err := tb.Query(ctx, store.Query{PK: "A"})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("query after refused writes: %d items, %v", len(p.Items), err)
	}
}

// An unreadable item written by an older version is skipped (and logged)
// by queries and batch reads instead of failing them whole.
func TestCorruptItemIsSkippedByMultiItemReads(t *testing.T) {
	ctx := context.Background()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tb := db.Table("tbl")
	if err := db.CreateTable(ctx, "tbl"); err != nil {
		t.Fatal(err)
	}
	for _, sk := range []string{"1", "2", "3"} {
		if err := tb.Put(ctx, store.Item{"PK": store.AV("A"), "SK": store.AV(sk)}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := db.bolt("tbl")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(mainBucket).Put(mainKey(store.Key{PK: "A", SK: "2"}), []byte(`{"PK":{"S":`))
	}); err != nil {
		t.Fatal(err)
	}
	p, err := tb.Query(ctx, store.Query{PK: "A"})
	if err != nil || len(p.Items) != 2 {
		t.Fatalf("query: %d items, %v; want the 2 readable ones", len(p.Items), err)
	}
	items, err := tb.BatchGet(ctx, []store.Key{{PK: "A", SK: "1"}, {PK: "A", SK: "2"}, {PK: "A", SK: "3"}})
	if err != nil || len(items) != 2 {
		t.Fatalf("batch get: %d items, %v; want the 2 readable ones", len(items), err)
	}
	if _, err := tb.Get(ctx, store.Key{PK: "A", SK: "2"}); err == nil {
		t.Fatal("a single read of the corrupt item must fail, not pretend it is absent")
	}
}
