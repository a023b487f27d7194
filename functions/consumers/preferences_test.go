package consumers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// TestPreferencesGatePushAndEmail sets a user's preferences through
// PUT /api/settings/preferences and checks what reaches them: the
// notification is always kept; its real-time push and its e-mail only
// while the preference allows them.
func TestPreferencesGatePushAndEmail(t *testing.T) {
	e := apitest.New(t)
	live(t, e)
	ceo := e.CEO("alpha")
	saraID, sara := addUser(t, e, "alpha", "sara", "employee")
	c := dial(t, e, "/ws?token="+url.QueryEscape(sara))
	c.next(is("event", "pusher:connection_established"))
	c.send(map[string]any{"action": "subscribe", "channel": "private-user." + saraID})
	c.next(is("type", "subscribed"))
	c.send(map[string]any{"action": "subscribe", "channel": "private-organization.alpha"})
	c.next(is("type", "subscribed"))

	mailsTo := func(subject string) int {
		msgs, _, _ := e.Deps.Outbox.List(context.Background(), 100, "")
		n := 0
		for _, m := range msgs {
			if m.To[0] == "sara@alpha.test" && strings.Contains(m.Subject, subject) {
				n++
			}
		}
		return n
	}

	// Defaults: pushed and mailed.
	e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "First", "assignee_ids": []string{saraID}}).Want(t, 201)
	c.next(is("event", "notification.new"))
	deadline := time.Now().Add(5 * time.Second)
	for mailsTo("First") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if mailsTo("First") != 1 {
		t.Fatal("the assignment was not mailed by default")
	}

	// Both off for assignments.
	e.Do("PUT", "/api/settings/preferences", sara, map[string]any{"notifications": map[string]any{
		"email": map[string]any{"task_assigned": false}, "push": map[string]any{"task_assigned": false}}}).Want(t, 200)
	e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Second", "assignee_ids": []string{saraID}}).Want(t, 201)
	// Once the notification is written, its notification.created is in
	// the outbox; a marker written after it is relayed after it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(e.Do("GET", "/api/notifications", sara, nil).Want(t, 200).List()) == 2 {
			break
		}
	}
	e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Marker"}).Want(t, 201)
	var frames []map[string]any
	c.next(func(m map[string]any) bool {
		frames = append(frames, m)
		d, _ := m["data"].(map[string]any)
		task, _ := d["task"].(map[string]any)
		return m["event"] == "task.created" && task["title"] == "Marker"
	})
	for _, f := range frames {
		if f["event"] == "notification.new" {
			t.Fatalf("pushed although push is off: %v", f)
		}
	}
	if n := len(e.Do("GET", "/api/notifications", sara, nil).Want(t, 200).List()); n != 2 {
		t.Fatalf("%d notifications kept, want 2", n)
	}
	if mailsTo("Second") != 0 {
		t.Fatal("mailed although e-mail is off")
	}
}
