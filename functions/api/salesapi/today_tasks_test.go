package salesapi_test

import (
	"fmt"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// reports/today counts the tasks completed in the caller's day, from the
// daily rollup the task writes keep: completing adds one, reopening takes
// it back, and other status changes count nothing.
func TestTodayCountsCompletedTasks(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		completed := func() float64 {
			return e.Do("GET", "/api/reports/today", tok, nil, "X-Timezone: Asia/Tehran").Want(t, 200).Data()["tasks_completed"].(float64)
		}
		if n := completed(); n != 0 {
			t.Fatalf("before any task: %v", n)
		}
		var ids []string
		for i := range 3 {
			ids = append(ids, e.Do("POST", "/api/tasks", tok, map[string]any{"title": fmt.Sprint("Task ", i)}).Want(t, 201).Data()["id"].(string))
		}
		e.Do("POST", "/api/tasks", tok, map[string]any{"title": "Born done", "status": "completed"}).Want(t, 201)
		for _, id := range ids[:2] {
			e.Do("PATCH", "/api/tasks/"+id+"/status", tok, map[string]any{"status": "completed"}).Want(t, 200)
		}
		e.Do("PATCH", "/api/tasks/"+ids[2]+"/status", tok, map[string]any{"status": "in_progress"}).Want(t, 200)
		if n := completed(); n != 3 {
			t.Fatalf("after 3 completions: %v", n)
		}
		e.Do("PATCH", "/api/tasks/"+ids[0]+"/status", tok, map[string]any{"status": "in_progress"}).Want(t, 200)
		if n := completed(); n != 2 {
			t.Fatalf("after reopening one: %v", n)
		}
	})
}
