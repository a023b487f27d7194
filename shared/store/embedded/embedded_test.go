package embedded_test

import (
	"testing"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.DB {
		db, err := embedded.Open(t.TempDir(), embedded.WithClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
