package webhooks

import (
	"testing"
	"time"
)

// The backoff an integrator reads in the docs: eight attempts over 24
// hours, then the event is given up.
func TestRetryScheduleGivesUpADayAfterTheFirstAttempt(t *testing.T) {
	d := &Deliverer{Jitter: func(d time.Duration) time.Duration { return d }}
	first := time.Date(2026, 3, 20, 23, 0, 0, 0, time.UTC)
	want := []time.Duration{5 * time.Second, 5*time.Minute + 5*time.Second, 35*time.Minute + 5*time.Second, 2*time.Hour + 35*time.Minute + 5*time.Second,
		7*time.Hour + 35*time.Minute + 5*time.Second, 17*time.Hour + 35*time.Minute + 5*time.Second, 24 * time.Hour}
	now := first
	for attempt := 1; ; attempt++ {
		next, ok := d.nextAttempt(first, now, attempt)
		if !ok {
			if attempt != len(want)+1 {
				t.Fatalf("given up after attempt %d, want %d", attempt, len(want)+1)
			}
			break
		}
		if attempt > len(want) || next.Sub(first) != want[attempt-1] {
			t.Fatalf("attempt %d: next at +%s, want %v", attempt+1, next.Sub(first), want)
		}
		now = next
	}
	// A sweeper that comes late never pushes the last try past the day.
	if next, ok := d.nextAttempt(first, first.Add(20*time.Hour), 7); !ok || !next.Equal(first.Add(GiveUpAfter)) {
		t.Fatalf("late seventh attempt: %s %v", next, ok)
	}
	// The default jitter stays within ±10 % and does vary.
	seen := map[time.Duration]bool{}
	d.Jitter = nil
	for range 200 {
		j := d.jitter(5 * time.Minute)
		if j < 270*time.Second || j > 330*time.Second {
			t.Fatalf("jitter %s out of ±10 %%", j)
		}
		seen[j] = true
	}
	if len(seen) < 10 {
		t.Fatalf("jitter took %d values", len(seen))
	}
}
