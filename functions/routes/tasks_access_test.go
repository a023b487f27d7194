package routes_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestTasksAccess sweeps every route of the tasks group (tasks, comments,
// time entries, attachments, assignments, labels, departments,
// positions): a user without the module (or, for department and position
// writes, without manage_users) gets 403 before the body is read, and
// another tenant's CEO never sees or changes alpha's records.
func TestTasksAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	_, noTasks := e.AddUser("alpha", &users.User{Name: "NoTasks", Email: "notasks@alpha.test", Role: "employee", Modules: []string{"customers"}})
	_, emp := e.AddUser("alpha", &users.User{Name: "Emp", Email: "emp@alpha.test", Role: "employee"})
	b := e.CEO("beta")
	alphaCEO := e.Do("GET", "/api/auth/me", a, nil).JSON["user"].(map[string]any)["id"].(string)

	dept := e.Do("POST", "/api/departments", a, map[string]any{"name": "Alpha Secret Dept"}).Want(t, 201).Data()["id"].(string)
	pos := e.Do("POST", "/api/positions", a, map[string]any{"name": "Alpha Secret Position"}).Want(t, 201).Data()["id"].(string)
	label := e.Do("POST", "/api/labels", a, map[string]any{"name": "Alpha Secret Label"}).Want(t, 201).Data()["id"].(string)
	task := e.Do("POST", "/api/tasks", a, map[string]any{"title": "Alpha Secret Task", "labels": []string{label}, "department_id": dept}).Want(t, 201).Data()["id"].(string)
	comment := e.Do("POST", "/api/tasks/"+task+"/comments", a, map[string]any{"body": "Alpha Secret Comment"}).Want(t, 201).Data()["id"].(string)
	entry := e.Do("POST", "/api/tasks/"+task+"/time-entries", a, map[string]any{"hours": 1, "description": "Alpha Secret Time"}).Want(t, 201).Data()["id"].(string)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "secret.txt")
	fw.Write([]byte("Alpha Secret File"))
	w.Close()
	att := e.Do("POST", "/api/tasks/"+task+"/attachments", a, buf.Bytes(), "Content-Type: "+w.FormDataContentType()).Want(t, 201).Data()["id"].(string)
	var ubuf bytes.Buffer
	uw := multipart.NewWriter(&ubuf)
	ufw, _ := uw.CreateFormFile("files", "loose.txt")
	ufw.Write([]byte("Alpha Secret Upload"))
	uw.Close()
	loose := e.Do("POST", "/api/tasks/upload", a, ubuf.Bytes(), "Content-Type: "+uw.FormDataContentType()).Want(t, 201).JSON["data"].([]any)[0].(map[string]any)["id"].(string)

	type call struct {
		method, path string
		body         any
		list         bool // answers 200 with (no) data rather than 404
		write        bool // a department or position write (manage_users)
	}
	tp := "/api/tasks/" + task
	calls := []call{
		{"GET", "/api/tasks", nil, true, false},
		{"GET", "/api/tenant/tasks", nil, true, false},
		{"GET", "/api/tasks?search=secret", nil, true, false},
		{"GET", "/api/tasks?filter[label]=" + label, nil, true, false},
		{"GET", tp, nil, false, false},
		{"GET", "/api/tenant/tasks/" + task, nil, false, false},
		{"PUT", tp, map[string]any{"title": "x"}, false, false},
		{"PATCH", tp + "/status", map[string]any{"status": "completed"}, false, false},
		{"PATCH", tp + "/progress", map[string]any{"progress": 5}, false, false},
		{"POST", tp + "/assign", map[string]any{"user_ids": []string{}}, false, false},
		{"GET", tp + "/comments", nil, false, false},
		{"POST", tp + "/comments", map[string]any{"body": "x"}, false, false},
		{"PUT", tp + "/comments/" + comment, map[string]any{"body": "x"}, false, false},
		{"DELETE", tp + "/comments/" + comment, nil, false, false},
		{"GET", tp + "/time-entries", nil, false, false},
		{"POST", tp + "/time-entries", map[string]any{"hours": 1}, false, false},
		{"PUT", tp + "/time-entries/" + entry, map[string]any{"hours": 2}, false, false},
		{"DELETE", tp + "/time-entries/" + entry, nil, false, false},
		{"GET", tp + "/attachments/" + att + "/download", nil, false, false},
		{"DELETE", tp + "/attachments/" + att, nil, false, false},
		{"POST", tp + "/attachments/presign", map[string]any{"name": "x", "size": 10}, false, false},
		{"POST", tp + "/attachments/confirm", map[string]any{"upload_id": att}, false, false},
		{"POST", "/api/tasks/users", map[string]any{"task_id": task, "user_id": "x"}, false, false},
		{"GET", "/api/tasks/users", nil, true, false},
		{"DELETE", tp, nil, false, false},
		{"GET", "/api/tasks/uploads/" + loose + "/download", nil, false, false},
		{"POST", "/api/tasks", map[string]any{"title": "x", "attachment_ids": []string{loose}}, false, false},
		{"POST", "/api/tasks", map[string]any{"title": "x", "parent_id": task}, false, false},
		{"POST", "/api/tasks", map[string]any{"title": "x", "labels": []string{label}}, false, false},
		{"POST", "/api/tasks", map[string]any{"title": "x", "department_id": dept}, false, false},
		{"POST", "/api/tenant/tasks", map[string]any{"title": "x", "assignee_id": alphaCEO}, false, false},
		{"POST", "/api/tasks/upload", map[string]any{}, false, false},
		{"POST", "/api/tenant/tasks/upload", map[string]any{}, false, false},
		{"POST", tp + "/attachments", map[string]any{}, false, false},
		{"GET", "/api/tenant/tasks/" + task + "/comments", nil, false, false},
		{"PATCH", "/api/tenant/tasks/" + task + "/status", map[string]any{"status": "completed"}, false, false},
		{"DELETE", "/api/tenant/tasks/" + task, nil, false, false},
		{"POST", "/api/labels", map[string]any{"name": "Alpha Secret Label"}, true, false},
		{"GET", "/api/labels", nil, true, false},
		{"GET", "/api/labels/" + label, nil, false, false},
		{"GET", "/api/positions/" + pos, nil, false, false},
		{"PUT", "/api/labels/" + label, map[string]any{"name": "x"}, false, false},
		{"DELETE", "/api/labels/" + label, nil, false, false},
		{"GET", "/api/departments", nil, true, false},
		{"GET", "/api/departments/" + dept, nil, false, false},
		{"GET", "/api/departments/" + dept + "/members", nil, false, false},
		{"PUT", "/api/departments/" + dept, map[string]any{"name": "x"}, false, true},
		{"DELETE", "/api/departments/" + dept, nil, false, true},
		{"POST", "/api/departments", map[string]any{"name": "x"}, false, true},
		{"GET", "/api/positions", nil, true, false},
		{"PUT", "/api/positions/" + pos, map[string]any{"name": "x"}, false, true},
		{"DELETE", "/api/positions/" + pos, nil, false, true},
		{"POST", "/api/positions", map[string]any{"name": "x"}, false, true},
	}
	for _, c := range calls {
		// No module: refused before the body is read (an empty body would
		// otherwise be a 422).
		if r := e.Do(c.method, c.path, noTasks, c.body); r.Status != 403 {
			t.Errorf("no module %s %s: %d", c.method, c.path, r.Status)
		}
		if c.write {
			if r := e.Do(c.method, c.path, emp, "{"); r.Status != 403 {
				t.Errorf("employee %s %s: %d", c.method, c.path, r.Status)
			}
		}
		if c.method == "POST" && (c.path == "/api/departments" || c.path == "/api/positions" || c.path == "/api/labels") {
			continue // a create in beta is beta's own
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret")
		if leaked || (!c.list && r.Status != 404 && r.Status != 422) || (c.list && r.Status != 200) {
			t.Errorf("beta %s %s: %d leaked=%v %s", c.method, c.path, r.Status, leaked, r.Raw)
		}
	}
	// Global search never crosses tenants, nor shows tasks without the module.
	if r := e.Do("GET", "/api/search?q=secret", b, nil).Want(t, 200); strings.Contains(string(r.Raw), "Alpha Secret") {
		t.Error("search crosses tenants")
	}
	if r := e.Do("GET", "/api/search?q=secret", noTasks, nil).Want(t, 200); strings.Contains(string(r.Raw), "Alpha Secret") {
		t.Error("search shows tasks without the tasks module")
	}
	if r := e.Do("GET", "/api/search?q=secret", emp, nil).Want(t, 200); !strings.Contains(string(r.Raw), "Alpha Secret Task") {
		t.Errorf("search hides the task from a user with the module: %s", r.Raw)
	}
	// Alpha's records are untouched.
	d := e.Do("GET", tp, a, nil).Want(t, 200).Data()
	if d["title"] != "Alpha Secret Task" || d["status"] != "not_started" || d["comments_count"] != float64(1) || d["actual_hours"] != float64(1) || d["attachments_count"] != float64(1) {
		t.Fatalf("task changed: %v", d)
	}
	e.Do("GET", "/api/departments/"+dept, a, nil).Want(t, 200)
}
