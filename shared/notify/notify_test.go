package notify_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/notify"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/users"
)

func setup(t *testing.T) (store.Table, *users.User) {
	tb := testkit.EmbeddedTable(t, "tenant-acme")
	u := &users.User{Name: "Sara", Email: "sara@acme.test", Role: "employee", PasswordHash: "x"}
	if err := (users.Repo{}).Create(context.Background(), tb, u, 0); err != nil {
		t.Fatal(err)
	}
	return tb, u
}

func assigned(user string) outbox.Event {
	d, _ := json.Marshal(map[string]any{"task_id": "t1", "title": "Call Acme", "assignees": []string{user}, "added": []string{user}})
	return outbox.Event{ID: ids.New(), Type: "task.assigned", Version: 1, Tenant: "acme", Actor: "ceo", OccurredAt: time.Now(), Data: d}
}

func createdEvents(t *testing.T, tb store.Table) []map[string]any {
	p, err := tb.Query(context.Background(), store.Query{PK: outbox.Partition})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, it := range p.Items {
		if store.Str(it, "detail_type") == notify.Created {
			var m map[string]any
			json.Unmarshal([]byte(store.Str(it, "detail")), &m)
			out = append(out, m)
		}
	}
	return out
}

func TestADuplicatedEventMakesOneNotification(t *testing.T) {
	tb, u := setup(t)
	ctx := context.Background()
	ev := assigned(u.ID)
	for range 3 { // delivered three times (at-least-once relay)
		if err := (notify.Notifier{}).Handle(ctx, tb, ev); err != nil {
			t.Fatal(err)
		}
	}
	l, total, _, err := notify.List(ctx, tb, u.ID, notify.Filter{Limit: 10})
	if err != nil || total != 1 || len(l) != 1 || l[0].Type != notify.TaskAssigned || l[0].EventID != ev.ID {
		t.Fatalf("notifications %+v (%d, %v)", l, total, err)
	}
	if got := createdEvents(t, tb); len(got) != 1 {
		t.Fatalf("%d notification.created events, want 1", len(got))
	}
	// A second, different event is its own notification.
	if err := (notify.Notifier{}).Handle(ctx, tb, assigned(u.ID)); err != nil {
		t.Fatal(err)
	}
	if n, _ := notify.Unread(ctx, tb, u.ID); n != 2 {
		t.Fatalf("unread %d", n)
	}
}

type sent struct{ msgs []mail.Message }

func (s *sent) Send(_ context.Context, m mail.Message) (string, error) {
	s.msgs = append(s.msgs, m)
	return "m", nil
}

func TestPreferencesDecidePushAndEmail(t *testing.T) {
	tb, u := setup(t)
	ctx := context.Background()
	if err := (notify.Notifier{}).Handle(ctx, tb, assigned(u.ID)); err != nil {
		t.Fatal(err)
	}
	u.Preferences = map[string]any{"notifications": map[string]any{"email": map[string]any{"task_assigned": false}, "push": map[string]any{"task_assigned": false}}}
	if err := (users.Repo{}).Save(ctx, tb, u, ""); err != nil {
		t.Fatal(err)
	}
	if err := (notify.Notifier{}).Handle(ctx, tb, assigned(u.ID)); err != nil {
		t.Fatal(err)
	}
	got := createdEvents(t, tb)
	if len(got) != 2 || got[0]["push"] != true || got[0]["email"] != true || got[1]["push"] != false || got[1]["email"] != false {
		t.Fatalf("delivery flags %v", got)
	}
	// The mailer sends the first once, however often it is delivered, and
	// not the second.
	box := &sent{}
	p, _ := tb.Query(ctx, store.Query{PK: outbox.Partition})
	for _, it := range p.Items {
		ev, _ := outbox.FromItem(it, "acme")
		for range 2 {
			if err := (notify.Mailer{Mail: box}).Handle(ctx, tb, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(box.msgs) != 1 || box.msgs[0].To[0] != u.Email {
		t.Fatalf("mails %+v", box.msgs)
	}
	// Defaults follow the preferences page: push always, e-mail for
	// assignments, completions and mentions only.
	plain := &users.User{}
	if !notify.Wants(plain, "push", notify.DealWon) || notify.Wants(plain, "email", notify.DealWon) || !notify.Wants(plain, "email", notify.Mention) {
		t.Fatal("defaults")
	}
}

func TestDueSoonRemindsAssigneesOncePerDueDate(t *testing.T) {
	tb, u := setup(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	put := func(id, due, status string) {
		it := store.KeyItem(store.Key{PK: "TASK#" + id, SK: "#TASK"})
		it["id"], it["title"], it["status"], it["due_date"] = store.AV(id), store.AV("Task "+id), store.AV(status), store.AV(due)
		it["assignee_ids"] = store.AV([]string{u.ID})
		it["GSI2PK"], it["GSI2SK"] = store.AV("TASKS#DUE"), store.AV(due+"#"+id)
		if err := tb.Put(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "2026-11-28", "in_progress")
	put("b", "2026-11-29", "not_started")
	put("c", "2026-11-29", "completed")
	put("d", "2026-12-05", "not_started")
	for range 2 {
		if _, err := notify.DueSoon(ctx, tb, now); err != nil {
			t.Fatal(err)
		}
	}
	l, _, _, _ := notify.List(ctx, tb, u.ID, notify.Filter{Type: notify.TaskDueSoon, Limit: 10})
	if len(l) != 2 {
		t.Fatalf("%d reminders, want 2 (a and b, once each)", len(l))
	}
}
