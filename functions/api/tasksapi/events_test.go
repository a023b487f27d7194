package tasksapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// TestTaskEvents: every write records its event in the outbox of the
// tenant's table, in the write's transaction, with what consumers need.
func TestTaskEvents(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	sara, _ := addUser(t, e, "alpha", "sara", "employee")
	id := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Evented", "assignees": []string{sara}}).Want(t, 201).Data()["id"].(string)
	e.Do("PUT", "/api/tasks/"+id, ceo, map[string]any{"title": "Evented 2"}).Want(t, 200)
	e.Do("PATCH", "/api/tasks/"+id+"/status", ceo, map[string]any{"status": "pending_review", "completion_note": "ready"}).Want(t, 200)
	e.Do("POST", "/api/tasks/"+id+"/comments", ceo, map[string]any{"body": "see @sara", "mentions": []string{sara}}).Want(t, 201)
	e.Do("POST", "/api/tasks/"+id+"/time-entries", ceo, map[string]any{"hours": 1}).Want(t, 201)
	e.Do("DELETE", "/api/tasks/"+id, ceo, nil).Want(t, 200)

	p, err := e.Deps.Control.TableFor("alpha").Query(context.Background(), store.Query{PK: outbox.Partition, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]map[string]any{}
	var order []string
	for _, it := range p.Items {
		var d map[string]any
		json.Unmarshal([]byte(store.Str(it, "detail")), &d)
		ty := store.Str(it, "detail_type")
		byType[ty] = d
		order = append(order, ty)
		if store.Str(it, "tenant") != "alpha" || store.Str(it, "actor") == "" {
			t.Errorf("%s: tenant %q actor %q", ty, store.Str(it, "tenant"), store.Str(it, "actor"))
		}
	}
	for _, ty := range []string{"task.created", "task.assigned", "task.updated", "task.status_changed", "task.commented", "task.time_logged", "task.deleted"} {
		if byType[ty] == nil {
			t.Errorf("no %s event (have %v)", ty, order)
		}
	}
	if a := byType["task.assigned"]["added"].([]any); len(a) != 1 || a[0] != sara {
		t.Errorf("task.assigned: %v", byType["task.assigned"])
	}
	if s := byType["task.status_changed"]; s["from"] != "not_started" || s["to"] != "pending_review" || s["completion_note"] != "ready" {
		t.Errorf("task.status_changed: %v", s)
	}
	if m := byType["task.commented"]["mentions"].([]any); !slices.Equal(m, []any{sara}) {
		t.Errorf("task.commented: %v", byType["task.commented"])
	}
}
