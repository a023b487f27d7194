package store

import (
	"context"
	"sync/atomic"
)

// Stats counts the storage work of one request. Backends add to the Stats
// found in the context; the API kernel logs them with each request, and
// tests and benchmarks assert on them.
//
// Backends count attempts, not only successes: a write whose condition
// fails was performed (DynamoDB bills it), so it counts as a write round
// trip of its items; a call that the SDK retries counts once per attempt.
type Stats struct {
	ReadRoundTrips  atomic.Int64
	WriteRoundTrips atomic.Int64
	ItemsRead       atomic.Int64
	ItemsWritten    atomic.Int64
}

type statsKey struct{}

// WithStats returns a context that collects storage counts into a new Stats.
func WithStats(ctx context.Context) (context.Context, *Stats) {
	s := &Stats{}
	return context.WithValue(ctx, statsKey{}, s), s
}

// StatsFrom returns the Stats collecting for ctx, or nil.
func StatsFrom(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// CountRead records one read round trip that returned n items.
func CountRead(ctx context.Context, n int) {
	if s := StatsFrom(ctx); s != nil {
		s.ReadRoundTrips.Add(1)
		s.ItemsRead.Add(int64(n))
	}
}

// CountWrite records one write round trip that wrote, or tried to write,
// n items.
func CountWrite(ctx context.Context, n int) {
	if s := StatsFrom(ctx); s != nil {
		s.WriteRoundTrips.Add(1)
		s.ItemsWritten.Add(int64(n))
	}
}

// WithoutStats returns a context whose storage work is not counted (work
// that is not the request's own, such as rate-limit counters).
func WithoutStats(ctx context.Context) context.Context {
	return context.WithValue(ctx, statsKey{}, (*Stats)(nil))
}
