// Package testkit holds what tests of several packages need: an embedded
// table of their own (and, in testkit/moto, a moto_server).
package testkit

import (
	"context"
	"testing"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

// EmbeddedTable is a new table in an embedded store of the test's own,
// closed when the test ends.
func EmbeddedTable(t testing.TB, name string) store.Table {
	t.Helper()
	db, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateTable(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return db.Table(name)
}
