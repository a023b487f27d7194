package tasksapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"payvand.dev/functions/api/tasksapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// addUser adds an active user to a tenant and returns its id and token.
func addUser(t *testing.T, e *apitest.Env, tenant, name, role string) (string, string) {
	t.Helper()
	return e.AddUser(tenant, &users.User{Name: name, Email: name + "@" + tenant + ".test", Role: role})
}

func ids(l []map[string]any) []string {
	out := make([]string, len(l))
	for i, m := range l {
		out[i], _ = m["title"].(string)
	}
	return out
}

func wantTitles(t *testing.T, e *apitest.Env, tok, query string, want ...string) {
	t.Helper()
	r := e.Do("GET", "/api/tasks?"+query, tok, nil).Want(t, 200)
	got := ids(r.List())
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("?%s: got %v, want %v", query, got, w)
	}
	if total := r.JSON["pagination"].(map[string]any)["total"]; total != float64(len(want)) {
		t.Errorf("?%s: total %v, want %d", query, total, len(want))
	}
}

// TestTaskFilters creates a set of tasks and checks every filter of
// IshYar's table in both syntaxes, Rabin's plain filters, search and sort.
func TestTaskFilters(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		defer tasksapi.SetClock(time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC))()
		ceo := e.CEO("alpha")
		sara, saraTok := addUser(t, e, "alpha", "sara", "employee")
		reza, _ := addUser(t, e, "alpha", "reza", "employee")
		dept := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Engineering"}).Want(t, 201).Data()["id"].(string)
		bug := e.Do("POST", "/api/labels", ceo, map[string]any{"name": "Bug", "color": "#ef4444"}).Want(t, 201).Data()["id"].(string)
		if f := e.Do("POST", "/api/labels", ceo, map[string]any{"name": "Feature", "colour": "#22c55e"}).Want(t, 201).Data(); f["color"] != "#22c55e" || f["colour"] != "#22c55e" {
			t.Errorf("label: %v", f)
		}
		e.Do("POST", "/api/labels", ceo, map[string]any{"name": "feature"}).Want(t, 409)
		e.Do("POST", "/api/labels", ceo, map[string]any{"name": "Bad", "color": "red"}).Want(t, 422)

		mk := func(body map[string]any, tok string) string {
			t.Helper()
			return e.Do("POST", "/api/tasks", tok, body).Want(t, 201).Data()["id"].(string)
		}
		mk(map[string]any{"title": "گزارش فروش ماهانه", "priority": "HIGH", "due_date": "2026-02-05", "assignees": []string{sara}, "labels": []string{bug}, "department_id": dept}, ceo)
		mk(map[string]any{"title": "Fix login", "priority": "critical", "status": "In_Progress", "due_date": "2026-02-20", "assignee_id": reza, "labels": []string{"feature"}}, ceo)
		mk(map[string]any{"title": "Write docs", "priority": "low", "status": "pending", "assignees": []string{sara, reza}}, saraTok)
		mk(map[string]any{"title": "Old done", "priority": "medium", "status": "completed", "due_date": "2026-01-01"}, ceo)

		wantTitles(t, e, ceo, "", "گزارش فروش ماهانه", "Fix login", "Write docs", "Old done")
		for _, q := range []struct {
			query string
			want  []string
		}{
			{"filter[status]=not_started", []string{"گزارش فروش ماهانه", "Write docs"}},
			{"status=pending", []string{"گزارش فروش ماهانه", "Write docs"}},
			{"status=IN_PROGRESS", []string{"Fix login"}},
			{"filter[priority]=critical", []string{"Fix login"}},
			{"priority=high", []string{"گزارش فروش ماهانه"}},
			{"filter[assignee]=" + sara, []string{"گزارش فروش ماهانه", "Write docs"}},
			{"assignee_id=" + reza, []string{"Fix login", "Write docs"}},
			{"filter[creator]=" + sara, []string{"Write docs"}},
			{"filter[department]=" + dept, []string{"گزارش فروش ماهانه"}},
			{"filter[label]=" + bug, []string{"گزارش فروش ماهانه"}},
			{"filter[due_from]=2026-02-01&filter[due_to]=2026-02-28", []string{"گزارش فروش ماهانه", "Fix login"}},
			{"due_from=2026-02-06", []string{"Fix login"}},
			{"due_date=2026-02-20", []string{"Fix login"}},
			{"filter[overdue]=true", []string{"گزارش فروش ماهانه"}},
			{"filter[overdue]=true&sort=due_date", []string{"گزارش فروش ماهانه"}},
			{"filter[due_to]=2026-02-10&sort=due_date", []string{"گزارش فروش ماهانه", "Old done"}},
			{"search=" + url.QueryEscape("گزارش"), []string{"گزارش فروش ماهانه"}},
			{"search=" + url.QueryEscape("گزارش فروش"), []string{"گزارش فروش ماهانه"}},
			{"search=login&status=in_progress", []string{"Fix login"}},
			{"filter[status]=completed&priority=medium", []string{"Old done"}},
		} {
			wantTitles(t, e, ceo, q.query, q.want...)
		}
		// Arabic letters find the Persian title.
		wantTitles(t, e, ceo, "search="+url.QueryEscape("گزارش فروش"), "گزارش فروش ماهانه")
		wantTitles(t, e, saraTok, "filter[my_tasks]=true", "گزارش فروش ماهانه", "Write docs")
		wantTitles(t, e, saraTok, "my_tasks=1&priority=low", "Write docs")

		order := func(q string) []string {
			return ids(e.Do("GET", "/api/tasks?"+q, ceo, nil).Want(t, 200).List())
		}
		if got := order("sort=-priority"); !slices.Equal(got, []string{"Fix login", "گزارش فروش ماهانه", "Old done", "Write docs"}) {
			t.Errorf("-priority: %v", got)
		}
		if got := order("sort=due_date"); !slices.Equal(got, []string{"Old done", "گزارش فروش ماهانه", "Fix login", "Write docs"}) {
			t.Errorf("due_date: %v", got)
		}
		if got := order("sort=created_at"); !slices.Equal(got, []string{"گزارش فروش ماهانه", "Fix login", "Write docs", "Old done"}) {
			t.Errorf("created_at: %v", got)
		}
		if got := order("sort=-priority&filter[assignee]=" + reza); !slices.Equal(got, []string{"Fix login", "Write docs"}) {
			t.Errorf("-priority by assignee: %v", got)
		}
		// Cursor paging walks the whole list.
		var seen []string
		next := "limit=3&sort=-priority"
		for range 5 {
			r := e.Do("GET", "/api/tasks?"+next, ceo, nil).Want(t, 200)
			seen = append(seen, ids(r.List())...)
			c, _ := r.JSON["pagination"].(map[string]any)["next_cursor"].(string)
			if c == "" {
				break
			}
			next = "limit=3&sort=-priority&cursor=" + url.QueryEscape(c)
		}
		if len(seen) != 4 {
			t.Errorf("cursor paging saw %v", seen)
		}
		// include= returns the objects.
		r := e.Do("GET", "/api/tasks?include=assignees,labels,creator&filter[label]="+bug, ceo, nil).Want(t, 200).List()
		if len(r) != 1 || len(r[0]["assignees"].([]any)) != 1 || r[0]["labels"].([]any)[0].(map[string]any)["name"] != "Bug" ||
			r[0]["creator"].(map[string]any)["name"] != "alpha CEO" || r[0]["assignee_id"] != sara {
			t.Errorf("include: %v", r)
		}
		// A renamed label shows its new name; a deleted one is no longer shown.
		e.Do("PUT", "/api/labels/"+bug, ceo, map[string]any{"name": "Defect"}).Want(t, 200)
		e.Do("PUT", "/api/labels/"+bug, ceo, map[string]any{"name": "Feature"}).Want(t, 409)
		if l := e.Do("GET", "/api/tasks?include=labels&filter[label]="+bug, ceo, nil).Want(t, 200).List(); l[0]["labels"].([]any)[0].(map[string]any)["name"] != "Defect" {
			t.Errorf("renamed label: %v", l[0]["labels"])
		}
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "By new name", "labels": []string{"defect"}}).Want(t, 201)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "By old name", "labels": []string{"Bug"}}).Want(t, 422)
		e.Do("DELETE", "/api/labels/"+bug, ceo, nil).Want(t, 200)
		if l := e.Do("GET", "/api/labels", ceo, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("labels after delete: %v", l)
		}
		if l := e.Do("GET", "/api/tasks?include=labels&search="+url.QueryEscape("گزارش"), ceo, nil).Want(t, 200).List(); len(l[0]["labels"].([]any)) != 0 {
			t.Errorf("deleted label still shown: %v", l[0]["labels"])
		}
		for _, bad := range []string{"filter[status]=done", "priority=urgent", "sort=title", "filter[due_from]=tomorrow", "filter[overdue]=maybe"} {
			e.Do("GET", "/api/tasks?"+bad, ceo, nil).Want(t, 422)
		}
	})
}

// TestTaskLifecycle: Jalali twins across the year boundary and in the
// leap year, is_overdue in two time zones around midnight, subtask counts,
// status/progress/assign, comments and time entries rolled up.
func TestTaskLifecycle(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		sara, saraTok := addUser(t, e, "alpha", "sara", "employee")
		for due, want := range map[string]string{"2025-03-20": "1403/12/30", "2025-03-21": "1404/01/01", "2024-03-19": "1402/12/29", "2024-03-20": "1403/01/01"} {
			d := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Nowruz " + due, "due_date": due}).Want(t, 201).Data()
			if d["due_date"] != due || d["due_date_jalali"] != want {
				t.Errorf("%s: %v %v, want %s", due, d["due_date"], d["due_date_jalali"], want)
			}
		}
		// 22:00 UTC on 10 Feb is already 11 Feb in Tehran (01:30).
		restore := tasksapi.SetClock(time.Date(2026, 2, 10, 22, 0, 0, 0, time.UTC))
		id := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Due on the 10th", "due_date": "2026-02-10"}).Want(t, 201).Data()["id"].(string)
		utc := e.Do("GET", "/api/tasks/"+id, ceo, nil, "X-Timezone: UTC").Want(t, 200).Data()
		teh := e.Do("GET", "/api/tasks/"+id, ceo, nil, "X-Timezone: Asia/Tehran").Want(t, 200).Data()
		if utc["is_overdue"] != false || teh["is_overdue"] != true {
			t.Errorf("is_overdue UTC %v, Tehran %v", utc["is_overdue"], teh["is_overdue"])
		}
		n := func(tz string) int {
			return len(e.Do("GET", "/api/tasks?filter[overdue]=true&search=due", ceo, nil, "X-Timezone: "+tz).Want(t, 200).List())
		}
		if n("UTC") != 0 || n("Asia/Tehran") != 1 {
			t.Errorf("overdue filter: UTC %d, Tehran %d", n("UTC"), n("Asia/Tehran"))
		}
		restore()

		// Subtasks move the parent's counts.
		parent := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Launch"}).Want(t, 201).Data()["id"].(string)
		var subs []string
		for i := range 3 {
			subs = append(subs, e.Do("POST", "/api/tasks", ceo, map[string]any{"title": fmt.Sprint("Step ", i), "parent_id": parent}).Want(t, 201).Data()["id"].(string))
		}
		counts := func() (any, any) {
			d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data()
			return d["subtasks_count"], d["subtasks_completed"]
		}
		if c, done := counts(); c != float64(3) || done != float64(0) {
			t.Fatalf("counts %v %v", c, done)
		}
		e.Do("PATCH", "/api/tasks/"+subs[0]+"/status", ceo, map[string]any{"status": "Completed", "completion_note": "done"}).Want(t, 200)
		st := e.Do("PATCH", "/api/tasks/"+subs[1]+"/status", ceo, map[string]any{"status": "completed"}).Want(t, 200).Data()
		if st["progress"] != float64(100) || st["completed_at"] == nil || st["completed_at_jalali"] == nil {
			t.Errorf("completed: %v", st)
		}
		if c, done := counts(); c != float64(3) || done != float64(2) {
			t.Errorf("after two completed: %v %v", c, done)
		}
		e.Do("PATCH", "/api/tasks/"+subs[1]+"/status", ceo, map[string]any{"status": "in_progress"}).Want(t, 200)
		e.Do("DELETE", "/api/tasks/"+subs[2], ceo, nil).Want(t, 200)
		if c, done := counts(); c != float64(2) || done != float64(1) {
			t.Errorf("after reopen and delete: %v %v", c, done)
		}
		d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data()
		if len(d["subtasks"].([]any)) != 2 {
			t.Errorf("detail subtasks: %v", d["subtasks"])
		}
		e.Do("DELETE", "/api/tasks/"+parent, ceo, nil).Want(t, 409)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "parent_id": subs[0]}).Want(t, 422)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "parent_id": "0190c5b4-0000-7000-8000-000000000000"}).Want(t, 422)
		inc := e.Do("GET", "/api/tasks?include=subtasks&filter[parent_id]=null&search=launch", ceo, nil).Want(t, 200).List()
		if len(inc) != 1 || len(inc[0]["subtasks"].([]any)) != 2 {
			t.Errorf("include=subtasks: %v", inc)
		}

		// Progress, assign.
		e.Do("PATCH", "/api/tasks/"+parent+"/progress", ceo, map[string]any{"progress": 101}).Want(t, 422)
		if p := e.Do("PATCH", "/api/tasks/"+parent+"/progress", ceo, map[string]any{"progress": 40}).Want(t, 200).Data(); p["progress"] != float64(40) {
			t.Errorf("progress: %v", p["progress"])
		}
		reza, _ := addUser(t, e, "alpha", "reza", "employee")
		a := e.Do("POST", "/api/tasks/"+parent+"/assign", ceo, map[string]any{"user_ids": []string{sara}}).Want(t, 200).Data()
		a = e.Do("POST", "/api/tasks/"+parent+"/assign", ceo, map[string]any{"user_ids": []string{reza}, "mode": "append"}).Want(t, 200).Data()
		if len(a["assignee_ids"].([]any)) != 2 {
			t.Errorf("append: %v", a["assignee_ids"])
		}
		a = e.Do("POST", "/api/tasks/"+parent+"/assign", ceo, map[string]any{"user_ids": []string{reza}, "mode": "replace"}).Want(t, 200).Data()
		if ids := a["assignee_ids"].([]any); len(ids) != 1 || ids[0] != reza {
			t.Errorf("replace: %v", a["assignee_ids"])
		}
		e.Do("POST", "/api/tasks/"+parent+"/assign", ceo, map[string]any{"user_ids": []string{"0190c5b4-0000-7000-8000-000000000000"}}).Want(t, 422)
		// Rabin's assignments.
		e.Do("POST", "/api/tasks/users", ceo, map[string]any{"task_id": parent, "user_id": sara, "role": "reviewer"}).Want(t, 201)
		as := e.Do("GET", "/api/tasks/users?user_id="+sara, ceo, nil).Want(t, 200).List()
		if len(as) != 1 || as[0]["role"] != "reviewer" || as[0]["task"].(map[string]any)["title"] != "Launch" {
			t.Errorf("assignments: %v", as)
		}

		// Comments: mentions recorded, edit and delete by the author only.
		e.Do("POST", "/api/tasks/"+parent+"/comments", saraTok, map[string]any{"body": ""}).Want(t, 422)
		e.Do("POST", "/api/tasks/"+parent+"/comments", saraTok, map[string]any{"body": "x", "mentions": []string{"nobody"}}).Want(t, 422)
		c := e.Do("POST", "/api/tasks/"+parent+"/comments", saraTok, map[string]any{"body": "Looks **good** @reza", "mentions": []string{reza}}).Want(t, 201).Data()
		if c["author"].(map[string]any)["name"] != "sara" || len(c["mentions"].([]any)) != 1 {
			t.Errorf("comment: %v", c)
		}
		cid := c["id"].(string)
		e.Do("PUT", "/api/tasks/"+parent+"/comments/"+cid, ceo, map[string]any{"body": "hijack"}).Want(t, 403)
		e.Do("DELETE", "/api/tasks/"+parent+"/comments/"+cid, ceo, nil).Want(t, 403)
		e.Do("PUT", "/api/tasks/"+parent+"/comments/"+cid, saraTok, map[string]any{"body": "Edited"}).Want(t, 200)
		e.Do("POST", "/api/tasks/"+parent+"/comments", ceo, map[string]any{"body": "Second"}).Want(t, 201)
		cl := e.Do("GET", "/api/tasks/"+parent+"/comments", ceo, nil).Want(t, 200).List()
		if len(cl) != 2 || cl[0]["body"] != "Edited" {
			t.Errorf("comments: %v", cl)
		}
		e.Do("DELETE", "/api/tasks/"+parent+"/comments/"+cid, saraTok, nil).Want(t, 200)
		if d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data(); d["comments_count"] != float64(1) || len(d["comments"].([]any)) != 1 {
			t.Errorf("comments_count %v", d["comments_count"])
		}

		// Time entries: 2.5 + 1.5 = 4.
		e.Do("POST", "/api/tasks/"+parent+"/time-entries", saraTok, map[string]any{"hours": 0}).Want(t, 422)
		e.Do("POST", "/api/tasks/"+parent+"/time-entries", saraTok, map[string]any{"hours": 24.5}).Want(t, 422)
		te := e.Do("POST", "/api/tasks/"+parent+"/time-entries", saraTok, map[string]any{"hours": 2.5, "date": "2025-03-21", "description": "Worked on feature"}).Want(t, 201).Data()
		if te["hours"] != 2.5 || te["date_jalali"] != "1404/01/01" {
			t.Errorf("entry: %v", te)
		}
		e.Do("POST", "/api/tasks/"+parent+"/time-entries", ceo, map[string]any{"hours": 1.5}).Want(t, 201)
		if d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data(); d["actual_hours"] != float64(4) {
			t.Errorf("actual_hours %v", d["actual_hours"])
		}
		eid := te["id"].(string)
		e.Do("PUT", "/api/tasks/"+parent+"/time-entries/"+eid, ceo, map[string]any{"hours": 1}).Want(t, 403)
		e.Do("PUT", "/api/tasks/"+parent+"/time-entries/"+eid, saraTok, map[string]any{"hours": 3}).Want(t, 200)
		if d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data(); d["actual_hours"] != 4.5 {
			t.Errorf("actual_hours after edit %v", d["actual_hours"])
		}
		e.Do("DELETE", "/api/tasks/"+parent+"/time-entries/"+eid, saraTok, nil).Want(t, 200)
		if l := e.Do("GET", "/api/tasks/"+parent+"/time-entries", ceo, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("entries: %v", l)
		}
		if d := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data(); d["actual_hours"] != 1.5 {
			t.Errorf("actual_hours after delete %v", d["actual_hours"])
		}

		// An SPA sends back what it read: objects for assignees and labels.
		full := e.Do("GET", "/api/tasks/"+parent, ceo, nil).Want(t, 200).Data()
		full["title"] = "Launch v2"
		up := e.Do("PUT", "/api/tasks/"+parent, ceo, full).Want(t, 200).Data()
		if up["title"] != "Launch v2" || len(up["assignee_ids"].([]any)) != 2 {
			t.Errorf("read-back update: %v", up)
		}
		full["version"] = float64(1)
		e.Do("PUT", "/api/tasks/"+parent, ceo, full).Want(t, 409)
		e.Do("GET", "/api/tasks/nope", ceo, nil).Want(t, 404)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "status": "done"}).Want(t, 422)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "labels": []string{"no-such-label"}}).Want(t, 422)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "department_id": "0190c5b4-0000-7000-8000-000000000000"}).Want(t, 422)
		// Rabin's customer_id names a customer of the tenant; a Jalali due date is understood.
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "x", "customer_id": "0190c5b4-0000-7000-8000-000000000000"}).Want(t, 422)
		cust := e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Zagros"}).Want(t, 201).Data()["id"].(string)
		ct := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Call Zagros", "customer_id": cust, "related_to": "deal", "due_date": "1404/01/01"}).Want(t, 201).Data()
		if ct["customer_id"] != cust || ct["related_to"] != "deal" || ct["due_date"] != "2025-03-21" || ct["due_date_jalali"] != "1404/01/01" {
			t.Errorf("rabin fields: %v", ct)
		}
		// The tenant surface is the same resource.
		tt := e.Do("POST", "/api/tenant/tasks", ceo, map[string]any{"title": "Rabin task", "assignee_id": sara, "status": "pending"}).Want(t, 201).Data()
		if tt["status"] != "not_started" {
			t.Errorf("pending: %v", tt["status"])
		}
		e.Do("GET", "/api/tasks/"+tt["id"].(string), ceo, nil).Want(t, 200)
	})
}

// TestTaskSearch: tasks are found by global search and the list's search
// by their Persian-normalized titles (Arabic ي/ك, Persian digits).
func TestTaskSearch(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "گزارش مالي كريم ۱۴۰۴"}).Want(t, 201)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Unrelated"}).Want(t, 201)
		r := e.Do("GET", "/api/search?q="+url.QueryEscape("مالی کریم"), ceo, nil).Want(t, 200).Data()
		if l := r["tasks"].([]any); len(l) != 1 || l[0].(map[string]any)["title"] != "گزارش مالي كريم ۱۴۰۴" {
			t.Fatalf("global search: %v", r)
		}
		if l := e.Do("GET", "/api/search?type=tasks&q=1404", ceo, nil).Want(t, 200).Data()["tasks"].([]any); len(l) != 1 {
			t.Errorf("digits: %v", l)
		}
		adv := e.Do("POST", "/api/search", ceo, map[string]any{"query": "كريم"}).Want(t, 200).Data()["results"].([]any)
		if len(adv) != 1 || adv[0].(map[string]any)["type"] != "task" {
			t.Errorf("advanced: %v", adv)
		}
		wantTitles(t, e, ceo, "search="+url.QueryEscape("کریم"), "گزارش مالي كريم ۱۴۰۴")
		// Renaming moves the words.
		id := e.Do("GET", "/api/tasks?search=unrelated", ceo, nil).Want(t, 200).List()[0]["id"].(string)
		e.Do("PUT", "/api/tasks/"+id, ceo, map[string]any{"title": "Quarterly plan"}).Want(t, 200)
		wantTitles(t, e, ceo, "search=unrelated")
		wantTitles(t, e, ceo, "search=quarter", "Quarterly plan")
		e.Do("DELETE", "/api/tasks/"+id, ceo, nil).Want(t, 200)
		wantTitles(t, e, ceo, "search=quarter")
	})
}
