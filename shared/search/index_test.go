package search_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestLookups(t *testing.T) {
	for _, c := range []struct {
		q    string
		want []search.Lookup
	}{
		// An email is looked up whole (any separators), then by its words.
		{"acc-1-k1-12@Example.test", []search.Lookup{{Key: "acc-1-k1-12-example-test"}, {Key: "example", Others: []string{"acc", "1", "k1", "12", "test"}}}},
		// Letters make it no phone number, however many digits it holds.
		{"xrdbta-5000", []search.Lookup{{Key: "xrdbta-5000"}, {Key: "xrdbta", Others: []string{"5000"}}}},
		{"2isqy6-200", []search.Lookup{{Key: "2isqy6-200"}, {Key: "2isqy6", Others: []string{"200"}}}},
		// A phone number as people type it: national digits first.
		{"+98 912 555 0101", []search.Lookup{{Key: "9125550101"}, {Key: "0101", Others: []string{"98", "912", "555"}}}},
		{"۰۹۱۲-۵۵۵", []search.Lookup{{Key: "912555"}, {Key: "0912-555"}, {Key: "0912", Others: []string{"555"}}}},
		{"+989125550101", []search.Lookup{{Key: "9125550101"}, {Key: "989125550101"}}},
		// One number alone is a word first (a SKU, a phone with its 0).
		{"09125550101", []search.Lookup{{Key: "09125550101"}, {Key: "9125550101"}}},
		{"rabin groups", []search.Lookup{{Key: "groups", Others: []string{"rabin"}}}},
		{"RB-1 license", []search.Lookup{{Key: "rb-1", Others: []string{"license"}}, {Key: "license", Others: []string{"rb", "1"}}}},
		{" / ", nil},
	} {
		if got := search.Lookups(c.q); !equal(got, c.want) {
			t.Errorf("Lookups(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

func equal(a, b []search.Lookup) bool {
	return slices.EqualFunc(a, b, func(x, y search.Lookup) bool { return x.Key == y.Key && slices.Equal(x.Others, y.Others) })
}

func TestWordsKeepRunsWholeAndByTail(t *testing.T) {
	got := search.NewWords(30).Text("Sara Ahmadi").Email("acc-1-k1-1@example.test").Phone("0912 555 0101").List()
	want := []string{"sara", "ahmadi", "acc", "1", "k1", "example", "test", "acc-1-k1-1-example-test", "9125550101", "09125550101",
		"1-k1-1-example-test", "k1-1-example-test", "1-example-test", "example-test"}
	if !slices.Equal(got, want) {
		t.Fatalf("words = %v\nwant    %v", got, want)
	}
	// Tails give way to words when the list is full.
	if got := search.NewWords(4).Text("a-b-c-d").Phone("0912").List(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("capped words = %v", got)
	}
}

// TestIDs: what the index finds, on both store backends.
func TestIDs(t *testing.T) {
	stores := map[string]func(t *testing.T) store.DB{
		"embedded": func(t *testing.T) store.DB {
			db, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"dynamodb": func(t *testing.T) store.DB {
			ep := moto.Endpoint(t)
			return dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(ep) }})
		},
	}
	for _, name := range []string{"embedded", "dynamodb"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := stores[name](t)
			table := fmt.Sprintf("search-%d", time.Now().UnixNano())
			if err := db.CreateTable(ctx, table); err != nil {
				t.Fatal(err)
			}
			tbl := db.Table(table)
			records := map[string]*search.Words{
				"01-k1":    search.NewWords(30).Text("Kaveh One").Email("acc-1-k1-1@example.test"),
				"02-k12":   search.NewWords(30).Text("Kaveh Twelve").Email("acc-1-k1-12@example.test"),
				"03-5000":  search.NewWords(30).Text("Bita").Email("bita.5000@example.test"),
				"04-order": search.NewWords(30).Text("Order 2isqy6-200 for Bita"),
				"05-phone": search.NewWords(30).Text("Nima").Phone("+98 912 555 0101"),
			}
			for id, w := range records {
				if err := tbl.TransactWrite(ctx, search.Ops("contact", id, nil, w.List())...); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct {
				q    string
				want []string
			}{
				{"acc-1-k1-1@example.test", []string{"01-k1"}},
				{"ACC-1-K1-12@EXAMPLE.TEST", []string{"02-k12"}},
				{"acc-1-k1-1", []string{"01-k1", "02-k12"}},
				{"acc-1-k1-12@exa", []string{"02-k12"}},
				{"k1-12@example", []string{"02-k12"}},
				{"xrdbta-5000", nil},
				{"2isqy6-200", []string{"04-order"}},
				{"order 2isqy6-200", []string{"04-order"}},
				{"2isqy6 bita", []string{"04-order"}},
				{"+98 912 555 0101", []string{"05-phone"}},
				{"+989125550101", []string{"05-phone"}},
				{"0912-555", []string{"05-phone"}},
				{"09125550101", []string{"05-phone"}},
			} {
				got, err := search.IDs(ctx, tbl, "contact", c.q)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("IDs(%q) = %v, want %v", c.q, got, c.want)
				}
			}
			// A rename keeps "mohammad", the longest word of the queries
			// below and so their key: its item must carry the new word list.
			before, after := search.NewWords(30).Text("Mohammad Rezaei").List(), search.NewWords(30).Text("Mohammad Karimi").List()
			for _, step := range [][2][]string{{nil, before}, {before, after}} {
				if err := tbl.TransactWrite(ctx, search.Ops("contact", "06-renamed", step[0], step[1])...); err != nil {
					t.Fatal(err)
				}
			}
			for q, want := range map[string][]string{"mohammad karimi": {"06-renamed"}, "mohammad rezaei": nil, "rezaei": nil} {
				if got, err := search.IDs(ctx, tbl, "contact", q); err != nil || !slices.Equal(got, want) {
					t.Errorf("after the rename, IDs(%q) = %v %v, want %v", q, got, err, want)
				}
			}
		})
	}
}

// TestOpsWriteOnlyChangedWords: the same words (in any order) write no
// index item; changed words delete the lost ones and write the list anew.
func TestOpsWriteOnlyChangedWords(t *testing.T) {
	words := []string{"sara", "ahmadi", "09125550101"}
	if ops := search.Ops("contact", "c1", words, []string{"09125550101", "sara", "ahmadi"}); len(ops) != 0 {
		t.Fatalf("unchanged words wrote %d items", len(ops))
	}
	ops := search.Ops("contact", "c1", words, []string{"sara", "karimi", "09125550101"})
	var deleted, put []string
	for _, op := range ops {
		switch {
		case op.Delete != nil:
			deleted = append(deleted, op.Delete.SK)
		case op.Put != nil:
			put = append(put, store.KeyOf(op.Put).SK)
			if text := store.Str(op.Put, "text"); text != "sara karimi 09125550101" {
				t.Errorf("%s carries text %q", store.KeyOf(op.Put).SK, text)
			}
		}
	}
	if !slices.Equal(deleted, []string{"ahmadi#contact#c1"}) || len(put) != 3 {
		t.Fatalf("deleted %v, put %v", deleted, put)
	}
}
