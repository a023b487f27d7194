package httpapi

import (
	"context"
	"fmt"
	"time"

	"payvand.dev/shared/store"
)

// Decision is the outcome of taking one request from a limit.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time
}

// Limiter counts requests per key in windows shared by every instance.
type Limiter interface {
	Take(ctx context.Context, key string, limit int, window time.Duration) (Decision, error)
}

// StoreLimiter keeps fixed-window counters as TTL items in a table, so all
// Lambda instances (or local servers) over one store share the limits.
type StoreLimiter struct {
	Table store.Table
	Now   func() time.Time
}

// Take adds one request to key's current window: one atomic update.
func (l *StoreLimiter) Take(ctx context.Context, key string, limit int, window time.Duration) (Decision, error) {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	start := now.Truncate(window)
	reset := start.Add(window)
	it, err := l.Table.Update(ctx, store.Update{
		Key: store.Key{PK: "RATE#" + key, SK: fmt.Sprint(start.Unix())},
		Add: map[string]int64{"count": 1},
		// Kept a little past the window; the store hides it once expired.
		Set: store.Item{store.TTL: store.AV(reset.Add(time.Minute).Unix())},
	})
	if err != nil {
		return Decision{}, err
	}
	n := int(store.Int(it, "count"))
	return Decision{Allowed: n <= limit, Limit: limit, Remaining: max(limit-n, 0), Reset: reset}, nil
}
