package notificationsapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"payvand.dev/functions/consumers"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// live starts the relay and the consumers beside the API, as the local
// runner does.
func live(t *testing.T, e *apitest.Env) *consumers.Local {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l, err := consumers.Start(ctx, e.Deps, "payvand")
	if err != nil {
		t.Fatal(err)
	}
	e.Server.Config.Handler = l.Handler(e.Server.Config.Handler)
	return l
}

func addUser(t *testing.T, e *apitest.Env, tenant, name, role string) (string, string) {
	t.Helper()
	return e.AddUser(tenant, &users.User{Name: name, Email: name + "@" + tenant + ".test", Role: role})
}

// waitFor polls the caller's notifications until n are there.
func waitFor(t *testing.T, e *apitest.Env, tok, query string, n int) *apitest.Response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.Do("GET", "/api/notifications"+query, tok, nil).Want(t, 200)
		if len(r.List()) >= n || time.Now().After(deadline) {
			if len(r.List()) != n {
				t.Fatalf("%d notifications, want %d: %s", len(r.List()), n, r.Raw)
			}
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNotificationsFromEventsOwnedAndMarkedInBothSeedsWords(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		live(t, e)
		ceo := e.CEO("alpha")
		saraID, sara := addUser(t, e, "alpha", "sara", "employee")
		_, omid := addUser(t, e, "alpha", "omid", "employee")

		// task.assigned → the assignee; task.commented with a mention → the
		// mentioned user; deal.stage_changed → the deal's owner.
		task := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Call Acme", "assignee_ids": []string{saraID}}).Want(t, 201).Data()
		taskID := task["id"].(string)
		r := waitFor(t, e, sara, "", 1)
		n := r.List()[0]
		if n["type"] != "task_assigned" || n["read"] != false || n["read_at"] != nil || n["data"].(map[string]any)["task_id"] != taskID ||
			n["created_at_jalali"] == "" || n["body"] != n["message"] {
			t.Fatalf("assignment notification %v", n)
		}
		e.Do("POST", "/api/tasks/"+taskID+"/comments", ceo, map[string]any{"body": "@sara please call", "mentions": []string{saraID}}).Want(t, 201)
		waitFor(t, e, sara, "?filter[type]=mention", 1)

		pipes := e.Do("GET", "/api/pipelines", ceo, nil).Want(t, 200).List()
		stages := pipes[0]["stages"].([]any)
		deal := e.Do("POST", "/api/deals", ceo, map[string]any{"title": "Big order", "owner_id": saraID, "value": 10}).Want(t, 201).Data()
		next := stages[1].(map[string]any)["id"]
		e.Do("PATCH", "/api/deals/"+deal["id"].(string)+"/stage", ceo, map[string]any{"stage_id": next}).Want(t, 200)
		r = waitFor(t, e, sara, "", 3)
		if r.JSON["total_unread"] != float64(3) || r.JSON["meta"].(map[string]any)["unread_count"] != float64(3) ||
			len(r.JSON["notifications"].([]any)) != 3 || r.List()[0]["type"] != "deal_stage_changed" {
			t.Fatalf("list %s", r.Raw)
		}
		// The actor is not told of their own action; others hear nothing.
		if l := e.Do("GET", "/api/notifications", ceo, nil).Want(t, 200).List(); len(l) != 0 {
			t.Fatalf("the CEO was told of their own actions: %v", l)
		}
		if l := e.Do("GET", "/api/notifications", omid, nil).Want(t, 200).List(); len(l) != 0 {
			t.Fatalf("a bystander was told: %v", l)
		}

		// Rabin's ?unread=true&limit= and IshYar's filter[read].
		r = e.Do("GET", "/api/notifications?unread=true&limit=1", sara, nil).Want(t, 200)
		if len(r.List()) != 1 || r.JSON["pagination"].(map[string]any)["total"] != float64(3) || r.JSON["pagination"].(map[string]any)["next_cursor"] == nil {
			t.Fatalf("unread page %s", r.Raw)
		}
		next2 := e.Do("GET", "/api/notifications?unread=true&limit=1&cursor="+r.JSON["pagination"].(map[string]any)["next_cursor"].(string), sara, nil).Want(t, 200)
		if len(next2.List()) != 1 || next2.List()[0]["id"] == r.List()[0]["id"] {
			t.Fatalf("second page %s", next2.Raw)
		}
		first := r.List()[0]["id"].(string)

		// Only the owner reads or changes a notification.
		for _, tok := range []string{ceo, omid, e.CEO("beta")} {
			e.Do("GET", "/api/notifications/"+first, tok, nil).Want(t, 404)
			e.Do("PUT", "/api/notifications/"+first, tok, map[string]any{"read": true}).Want(t, 404)
			e.Do("DELETE", "/api/notifications/"+first, tok, nil).Want(t, 404)
			res := e.Do("POST", "/api/notifications/mark-read", tok, map[string]any{"notification_id": first}).Want(t, 200)
			if res.Data()["updated"] != float64(0) {
				t.Fatalf("another user marked it: %s", res.Raw)
			}
		}
		e.Do("GET", "/api/notifications", "", nil).Want(t, 401)

		// Rabin: {notification_id}; PUT {read}; IshYar: {ids}, {all}.
		res := e.Do("POST", "/api/notifications/mark-read", sara, map[string]any{"notification_id": first}).Want(t, 200)
		if res.Data()["updated"] != float64(1) || res.Data()["unread_count"] != float64(2) {
			t.Fatalf("mark-read %s", res.Raw)
		}
		got := e.Do("GET", "/api/notifications/"+first, sara, nil).Want(t, 200).Data()
		if got["read"] != true || got["read_at"] == nil || got["read_at_jalali"] == nil {
			t.Fatalf("read notification %v", got)
		}
		if l := e.Do("GET", "/api/notifications?filter[read]=true", sara, nil).Want(t, 200).List(); len(l) != 1 || l[0]["id"] != first {
			t.Fatalf("filter[read]=true: %v", l)
		}
		e.Do("PUT", "/api/notifications/"+first, sara, map[string]any{"read": false}).Want(t, 200)
		if u := e.Do("GET", "/api/notifications?filter[read]=false", sara, nil).Want(t, 200); u.JSON["total_unread"] != float64(3) || len(u.List()) != 3 {
			t.Fatalf("after PUT read=false: %s", u.Raw)
		}
		res = e.Do("POST", "/api/notifications/mark-read", sara, map[string]any{"ids": []string{first, first}}).Want(t, 200)
		if res.Data()["updated"] != float64(1) {
			t.Fatalf("ids: %s", res.Raw)
		}
		res = e.Do("POST", "/api/notifications/mark-read", sara, map[string]any{"all": true}).Want(t, 200)
		if res.Data()["updated"] != float64(2) || res.Data()["unread_count"] != float64(0) {
			t.Fatalf("all: %s", res.Raw)
		}
		e.Do("POST", "/api/notifications/mark-read", sara, map[string]any{}).Want(t, 422)
		e.Do("GET", "/api/notifications?filter[type]=nonsense", sara, nil).Want(t, 422)
		e.Do("GET", "/api/notifications?filter[read]=maybe", sara, nil).Want(t, 422)

		e.Do("DELETE", "/api/notifications/"+first, sara, nil).Want(t, 200)
		e.Do("DELETE", "/api/notifications/"+first, sara, nil).Want(t, 404)
		if l := e.Do("GET", "/api/notifications", sara, nil).Want(t, 200).List(); len(l) != 2 {
			t.Fatalf("after delete: %d", len(l))
		}
		e.Do("GET", "/api/notifications/not-an-id", sara, nil).Want(t, 404)
		_ = fmt.Sprint()
	})
}
