package tasksapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestTaskRoundTrips pins the store cost of the main patterns on both
// stores: a list is one query and one read of the counters; include=
// adds one batch read for every person and label of the page; a detail
// is one query of the task's item collection and one batch read of the
// people and labels it names; a status change is one read and one
// transaction (the answer's people: one batch read).
func TestTaskRoundTrips(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		sara, _ := addUser(t, e, "alpha", "sara", "employee")
		label := e.Do("POST", "/api/labels", ceo, map[string]any{"name": "Ops"}).Want(t, 201).Data()["id"].(string)
		var id string
		for range 3 {
			id = e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Counted", "assignees": []string{sara}, "labels": []string{label}}).Want(t, 201).Data()["id"].(string)
		}
		e.Do("POST", "/api/tasks/"+id+"/comments", ceo, map[string]any{"body": "hi"}).Want(t, 201)
		cost := func(method, path string, body any, reads, writes float64) {
			t.Helper()
			e.Do(method, path, ceo, body).Want(t, 200)
			if l := e.LastRequestLog(); l["store_reads"] != reads || l["store_writes"] != writes {
				t.Errorf("%s %s: %v reads, %v writes; want %v, %v", method, path, l["store_reads"], l["store_writes"], reads, writes)
			}
		}
		cost("GET", "/api/tasks", nil, 2, 0)
		cost("GET", "/api/tasks?status=not_started", nil, 2, 0)
		cost("GET", "/api/tasks?include=assignees,labels,creator", nil, 3, 0)
		cost("GET", "/api/tasks/"+id, nil, 2, 0)
		cost("PATCH", "/api/tasks/"+id+"/status", map[string]any{"status": "completed"}, 2, 1)
		cost("GET", "/api/tasks/"+id+"/comments", nil, 2, 0)
	})
}
