// Package rollup names the tenant's daily figures item, to which several
// route groups add hourly counts in their own write transactions (sales,
// activities, completed tasks): a day's report then reads one or two
// items whatever the tenant's size.
package rollup

import (
	"fmt"
	"time"

	"payvand.dev/shared/store"
)

// PK is the partition of the daily items; SK is the UTC day.
const PK = "ROLLUP#DAY"

// DayKey is the item of t's UTC day.
func DayKey(t time.Time) store.Key { return store.Key{PK: PK, SK: t.UTC().Format("2006-01-02")} }

// HourAttr is the attribute counting prefix in t's UTC hour (prefix + "HH").
func HourAttr(prefix string, t time.Time) string { return prefix + t.UTC().Format("15") }

// AddOp adds n to prefix's count of t's hour.
func AddOp(prefix string, t time.Time, n int64) store.Op {
	return store.UpdateOp(store.Update{Key: DayKey(t), Add: map[string]int64{HourAttr(prefix, t): n}})
}

// SumHours adds prefix's hourly counts of items (daily items) over [from, to).
func SumHours(items []store.Item, from, to time.Time, prefix string) int64 {
	var n int64
	for _, it := range items {
		day, err := time.Parse("2006-01-02", store.Str(it, store.SK))
		if err != nil {
			continue
		}
		for h := 0; h < 24; h++ {
			at := day.Add(time.Duration(h) * time.Hour)
			if !at.Before(from) && at.Before(to) {
				n += store.Int(it, fmt.Sprintf("%s%02d", prefix, h))
			}
		}
	}
	return n
}
