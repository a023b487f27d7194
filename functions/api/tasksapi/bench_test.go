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

// BenchmarkListTasks lists a tenant of 10,000 tasks (10% assigned to the
// caller, due dates over the next year with 1 in 12 past, four statuses
// and priorities) with the main filters,
// through the whole HTTP stack on the embedded store, and reports the
// store's round trips and items read per request.
func BenchmarkListTasks(b *testing.B) {
	const n = 10000
	e := apitest.New(b, apitest.WithoutSync())
	tok := e.CEO("alpha")
	me := e.Do("GET", "/api/auth/me", tok, nil).JSON["user"].(map[string]any)["id"].(string)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha", Subject: me, Role: "ceo"})
	svc := &tasks.Service{Tables: e.Deps.Control}
	for i := range n {
		title, pr := fmt.Sprintf("Task %05d report", i), crm.TaskPriorities[i%4]
		st, due := []string{"not_started", "in_progress", "pending_review", "completed"}[i%4], time.Now().AddDate(0, i%12-1, -1).Format(time.DateOnly)
		p := &crm.TaskPatch{Title: &title, Priority: &pr, Status: &st, DueDate: &due}
		if i%10 == 0 {
			p.AssigneeIDs = &[]string{me}
		}
		if i%1000 == 0 {
			t := fmt.Sprintf("Quarterly budget %d", i)
			p.Title = &t
		}
		if _, err := svc.CreateTask(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"", "status=in_progress", "filter[my_tasks]=true", "filter[creator]=" + me, "sort=-priority",
		"sort=due_date&filter[due_from]=" + time.Now().AddDate(0, 2, 0).Format(time.DateOnly) + "&filter[due_to]=" + time.Now().AddDate(0, 3, 0).Format(time.DateOnly), "filter[overdue]=true", "search=quarterly", "include=assignees,labels,creator"} {
		b.Run("q="+q, func(b *testing.B) {
			var reads, items float64
			for i := 0; i < b.N; i++ {
				r := e.Do("GET", "/api/tasks?"+q, tok, nil)
				if r.Status != 200 {
					b.Fatalf("%d %s", r.Status, r.Raw)
				}
				l := e.LastRequestLog()
				reads += l["store_reads"].(float64)
				items += l["items_read"].(float64)
			}
			b.ReportMetric(reads/float64(b.N), "reads/op")
			b.ReportMetric(items/float64(b.N), "items-read/op")
		})
	}
}
