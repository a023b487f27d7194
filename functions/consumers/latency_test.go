package consumers_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// BenchmarkWriteToWebSocketFrame measures, on the local runner's code
// path (embedded store, in-process relay and hub), the time from sending
// an HTTP write to receiving its WebSocket frame. Run 200 writes with
//
//	go test -run '^$' -bench WriteToWebSocketFrame -benchtime 200x ./consumers/
//
// and read p50_ms and p99_ms (target p50 ≤ 50 ms).
func BenchmarkWriteToWebSocketFrame(b *testing.B) {
	e := apitest.New(b)
	live(b, e)
	ceo := e.CEO("alpha")
	c := dial(b, e, "/ws?token="+url.QueryEscape(ceo))
	c.next(is("event", "pusher:connection_established"))
	c.send(map[string]any{"action": "subscribe", "channel": "private-organization.alpha"})
	c.next(is("type", "subscribed"))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		title := fmt.Sprint("bench ", i)
		start := time.Now()
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": title}).Want(b, 201)
		c.next(func(m map[string]any) bool {
			d, _ := m["data"].(map[string]any)
			t, _ := d["task"].(map[string]any)
			return m["event"] == "task.created" && t["title"] == title
		})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
}
