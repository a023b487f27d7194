package tasksapi_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// twins fails for every date member of v without its _jalali twin.
func twins(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			isDate := strings.HasSuffix(k, "_at") || k == "date" || k == "due_date"
			if _, ok := x[k+"_jalali"]; isDate && !ok {
				t.Errorf("%s: %s has no %s_jalali", where, k, k)
			}
			twins(t, where, val)
		}
	case []any:
		for _, e := range x {
			twins(t, where, e)
		}
	}
}

// TestEveryDateHasItsJalaliTwin walks the answers of the group's routes.
func TestEveryDateHasItsJalaliTwin(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	sara, _ := addUser(t, e, "alpha", "sara", "employee")
	dept := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Ops", "head_id": sara}).Want(t, 201)
	e.Do("POST", "/api/positions", ceo, map[string]any{"name": "Lead"}).Want(t, 201)
	e.Do("POST", "/api/labels", ceo, map[string]any{"name": "L"}).Want(t, 201)
	id := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Dated", "due_date": "2026-01-01", "assignees": []string{sara}, "labels": []string{"L"}}).Want(t, 201).Data()["id"].(string)
	e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Sub", "parent_id": id, "status": "completed"}).Want(t, 201)
	e.Do("POST", "/api/tasks/"+id+"/comments", ceo, map[string]any{"body": "x"}).Want(t, 201)
	e.Do("POST", "/api/tasks/"+id+"/time-entries", ceo, map[string]any{"hours": 1}).Want(t, 201)
	e.Do("POST", "/api/tasks/users", ceo, map[string]any{"task_id": id, "user_id": sara, "role": "reviewer"}).Want(t, 201)
	ct, body := multipartBody(t, nil, [3]string{"file", "a.txt", "hello"})
	e.Do("POST", "/api/tasks/"+id+"/attachments", ceo, body, "Content-Type: "+ct).Want(t, 201)
	twins(t, "department", dept.JSON)
	for _, path := range []string{"/api/tasks?include=assignees,labels,creator,subtasks", "/api/tasks/" + id, "/api/tasks/" + id + "/comments",
		"/api/tasks/" + id + "/time-entries", "/api/tasks/users?user_id=" + sara, "/api/labels", "/api/departments", "/api/positions"} {
		twins(t, path, e.Do("GET", path, ceo, nil).Want(t, 200).JSON)
	}
	twins(t, "presign", e.Do("POST", "/api/tasks/"+id+"/attachments/presign", ceo, map[string]any{"name": "big", "size": 100}).Want(t, 201).JSON)
}
