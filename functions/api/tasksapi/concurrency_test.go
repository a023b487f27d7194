package tasksapi_test

import (
	"fmt"
	"sync"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestConcurrentWritesKeepCounts: comments, time entries and status
// changes racing on one task all land, and the task's counters add up
// (a status change read before a comment is applied again, not lost and
// not refused, since the client sent no version).
func TestConcurrentWritesKeepCounts(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	id := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Busy"}).Want(t, 201).Data()["id"].(string)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for i := range 6 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			if r := e.Do("POST", "/api/tasks/"+id+"/comments", ceo, map[string]any{"body": fmt.Sprint("c", i)}); r.Status != 201 {
				errs <- fmt.Sprintf("comment: %d %s", r.Status, r.Raw)
			}
		}()
		go func() {
			defer wg.Done()
			if r := e.Do("POST", "/api/tasks/"+id+"/time-entries", ceo, map[string]any{"hours": 0.25}); r.Status != 201 {
				errs <- fmt.Sprintf("time: %d %s", r.Status, r.Raw)
			}
		}()
		go func() {
			defer wg.Done()
			st := []string{"in_progress", "pending_review"}[i%2]
			if r := e.Do("PATCH", "/api/tasks/"+id+"/progress", ceo, map[string]any{"progress": i * 10}); r.Status != 200 {
				errs <- fmt.Sprintf("progress: %d %s", r.Status, r.Raw)
			}
			if r := e.Do("PATCH", "/api/tasks/"+id+"/status", ceo, map[string]any{"status": st}); r.Status != 200 {
				errs <- fmt.Sprintf("status: %d %s", r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	d := e.Do("GET", "/api/tasks/"+id, ceo, nil).Want(t, 200).Data()
	if d["comments_count"] != float64(6) || d["actual_hours"] != 1.5 || len(d["comments"].([]any)) != 6 {
		t.Errorf("counts: comments %v, hours %v", d["comments_count"], d["actual_hours"])
	}
}
