package embedded_test

import (
	"testing"
	"time"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/store/storetest"
)

func factory(opts ...embedded.Option) storetest.Factory {
	return func(t *testing.T, clock *storetest.Clock) store.DB {
		db, err := embedded.Open(t.TempDir(), append([]embedded.Option{embedded.WithClock(clock.Now)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

func TestContract(t *testing.T) {
	storetest.Run(t, factory())
}

// The concurrency cases run with concurrent writes in shared transactions
// (the default, and with a long delay so that they surely share), and
// with every write in a transaction of its own.
func TestConcurrency(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []embedded.Option
	}{
		{"batched", nil},
		{"batched-20ms", []embedded.Option{embedded.WithBatchDelay(20 * time.Millisecond)}},
		{"unbatched", []embedded.Option{embedded.WithBatchDelay(0)}},
	} {
		t.Run(c.name, func(t *testing.T) { storetest.RunConcurrency(t, factory(c.opts...)) })
	}
}
