package tasksapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/tasks"
)

// BenchmarkCompleteTask is PATCH /api/tasks/{id}/status {completed} (and
// back to in_progress, alternately) through the whole HTTP stack in a
// tenant of 10,000 tasks on the embedded store: one read of the task and
// one transaction, whatever the number of tasks. Reports p50 and p99.
func BenchmarkCompleteTask(b *testing.B) {
	const n = 10000
	e := apitest.New(b, apitest.WithoutSync())
	tok := e.CEO("alpha")
	me := e.Do("GET", "/api/auth/me", tok, nil).JSON["user"].(map[string]any)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha", Subject: me["id"].(string), Role: "ceo"})
	svc := &tasks.Service{Tables: e.Deps.Control}
	var idList []string
	for i := range n {
		title, st := fmt.Sprintf("Task %05d گزارش", i), "in_progress"
		task, err := svc.CreateTask(ctx, &crm.TaskPatch{Title: &title, Status: &st})
		if err != nil {
			b.Fatal(err)
		}
		idList = append(idList, task.ID)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		status := "completed"
		if (i/len(idList))%2 == 1 {
			status = "in_progress"
		}
		start := time.Now()
		r := e.Do("PATCH", "/api/tasks/"+idList[(i*7919)%len(idList)]+"/status", tok, map[string]any{"status": status})
		lat = append(lat, time.Since(start))
		if r.Status != 200 {
			b.Fatalf("%d %s", r.Status, r.Raw)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
