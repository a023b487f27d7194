package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/imports"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// Consumer names the notifier in processed markers.
const Consumer = "notifier"

// Created is the event the notifier records for each notification it
// writes; real-time delivery pushes it as notification.new, and the
// mailer sends it when the user wants e-mail for its type.
const Created = "notification.created"

// Events the notifier consumes.
var Events = []string{"task.assigned", "task.commented", "task.comment_updated", "task.status_changed",
	"deal.stage_changed", "deal.won", "import.progress", "backup.finished"}

// maxRecipients keeps one event's notifications in one transaction
// (two operations each, and the processed marker).
const maxRecipients = (store.MaxTransactOps - 1) / 2

// Notifier turns events into notifications.
type Notifier struct{}

// Handle writes the notifications of one event, with its processed
// marker, in one transaction: a second delivery of the event writes
// nothing.
func (Notifier) Handle(ctx context.Context, t store.Table, ev outbox.Event) error {
	planned, err := plan(ctx, t, ev)
	if err != nil || len(planned) == 0 {
		return err
	}
	return write(ctx, t, outbox.ProcessedOp(Consumer, ev.ID), ev.Actor, ev.ID, planned)
}

// write puts the notifications that reach an active user, each with its
// notification.created event, in one transaction with the marker.
func write(ctx context.Context, t store.Table, marker store.Op, actor, eventID string, planned []*Notification) error {
	ops := []store.Op{marker}
	for _, n := range planned {
		if len(ops)+2 > store.MaxTransactOps {
			break
		}
		u, err := (users.Repo{}).Get(ctx, t, n.UserID)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if u.Status != users.StatusActive {
			continue
		}
		n.ActorID, n.EventID = actor, eventID
		ops = append(ops, PutOp(n), outbox.Op(ctx, Created, map[string]any{"notification": n,
			"push": Wants(u, "push", n.Type), "email": Wants(u, "email", n.Type), "email_to": u.Email, "locale": u.Locale}))
	}
	if len(ops) == 1 {
		return nil
	}
	err := t.TransactWrite(ctx, ops...)
	if outbox.Duplicate(err) {
		return nil
	}
	return err
}

// prefKey is the preference key of a notification type
// (notifications.<channel>.<key>).
func prefKey(typ string) string {
	if typ == Mention {
		return "mentions"
	}
	return typ
}

// emailByDefault are the types mailed unless the user turned them off
// (as teamapi's preferences show them).
var emailByDefault = []string{TaskAssigned, TaskCompleted, Mention}

// Wants reports whether the user wants notifications of a type through a
// channel ("push" or "email"): their preference when set, else the
// default (push for every type, e-mail for assignments, completions and
// mentions).
func Wants(u *users.User, channel, typ string) bool {
	if all, ok := u.Preferences["notifications"].(map[string]any); ok {
		if ch, ok := all[channel].(map[string]any); ok {
			if v, ok := ch[prefKey(typ)].(bool); ok {
				return v
			}
			if v, ok := ch["enabled"].(bool); ok && !v {
				return false
			}
		}
		if v, ok := all[channel].(bool); ok {
			return v
		}
	}
	if channel == "email" {
		return slices.Contains(emailByDefault, typ)
	}
	return true
}

type taskRef struct {
	Title      string
	Assignees  []string
	CreatedBy  string
	Department string
}

func readTask(ctx context.Context, t store.Table, id string) taskRef {
	it, err := t.Get(ctx, store.Key{PK: "TASK#" + id, SK: "#TASK"})
	if err != nil {
		return taskRef{}
	}
	r := taskRef{Title: store.Str(it, "title"), CreatedBy: store.Str(it, "created_by"), Department: store.Str(it, "department_id")}
	var item struct {
		A []string `dynamo:"assignee_ids"`
	}
	if err := decodeItem(it, &item); err == nil {
		r.Assignees = item.A
	}
	return r
}

// plan decides who is told what about an event; the actor is never told
// about their own action.
func plan(ctx context.Context, t store.Table, ev outbox.Event) ([]*Notification, error) {
	var d struct {
		TaskID      string   `json:"task_id"`
		Title       string   `json:"title"`
		Added       []string `json:"added"`
		Mentions    []string `json:"mentions"`
		NewMentions []string `json:"new_mentions"`
		AuthorID    string   `json:"author_id"`
		Body        string   `json:"body"`
		To          string   `json:"to"`
		Deal        struct {
			ID        string `json:"id"`
			Title     string `json:"title"`
			OwnerID   string `json:"owner_id"`
			StageName string `json:"stage_name"`
		} `json:"deal"`
		JobID       string `json:"job_id"`
		Status      string `json:"status"`
		Processed   int    `json:"processed"`
		Total       int    `json:"total"`
		BackupID    string `json:"backup_id"`
		RequestedBy string `json:"requested_by"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		// A member of another shape than expected: what did decode is used.
		_ = err
	}
	var out []*Notification
	told := map[string]bool{ev.Actor: true, "": true}
	add := func(user, typ, title, msg string, data map[string]any) {
		if told[user] || len(out) >= maxRecipients {
			return
		}
		told[user] = true
		out = append(out, New(user, typ, title, msg, data))
	}
	taskData := func() map[string]any { return map[string]any{"task_id": d.TaskID, "url": "/tasks/" + d.TaskID} }
	switch ev.Type {
	case "task.assigned":
		for _, u := range d.Added {
			add(u, TaskAssigned, "New task: "+d.Title, fmt.Sprintf("You were assigned to “%s”", d.Title), taskData())
		}
	case "task.commented", "task.comment_updated":
		task := readTask(ctx, t, d.TaskID)
		mentions := d.Mentions
		if ev.Type == "task.comment_updated" {
			mentions = d.NewMentions
		}
		if d.AuthorID != "" {
			told[d.AuthorID] = true
		}
		data := taskData()
		data["comment_id"] = ""
		if v, ok := rawField(ev.Data, "comment_id"); ok {
			data["comment_id"] = v
		}
		for _, u := range mentions {
			add(u, Mention, "You were mentioned: "+task.Title, excerpt(d.Body), data)
		}
		if ev.Type == "task.commented" {
			for _, u := range append(slices.Clone(task.Assignees), task.CreatedBy) {
				add(u, TaskCommented, "New comment: "+task.Title, excerpt(d.Body), data)
			}
		}
	case "task.status_changed":
		if d.To == "completed" {
			task := readTask(ctx, t, d.TaskID)
			add(task.CreatedBy, TaskCompleted, "Task completed: "+d.Title, fmt.Sprintf("“%s” was completed", d.Title), taskData())
		}
	case "deal.stage_changed":
		stage := d.Deal.StageName
		add(d.Deal.OwnerID, DealStageChanged, "Deal moved: "+d.Deal.Title, fmt.Sprintf("“%s” moved to %s", d.Deal.Title, stage),
			map[string]any{"deal_id": d.Deal.ID, "stage": stage, "url": "/deals/" + d.Deal.ID})
	case "deal.won":
		add(d.Deal.OwnerID, DealWon, "Deal won: "+d.Deal.Title, fmt.Sprintf("“%s” was won", d.Deal.Title),
			map[string]any{"deal_id": d.Deal.ID, "url": "/deals/" + d.Deal.ID})
	case "import.progress":
		if d.Status != imports.Completed && d.Status != imports.Failed {
			return nil, nil
		}
		j, err := imports.GetJob(ctx, t, d.JobID)
		if err != nil {
			return nil, nil
		}
		delete(told, ev.Actor) // the importer is told even though they started it
		add(j.CreatedBy, ImportFinished, "Import "+d.Status, fmt.Sprintf("%d of %d rows processed", d.Processed, d.Total),
			map[string]any{"job_id": d.JobID, "status": d.Status, "processed": d.Processed, "total": d.Total})
	case "backup.finished":
		delete(told, ev.Actor)
		add(d.RequestedBy, BackupFinished, "Backup "+d.Status, "", map[string]any{"backup_id": d.BackupID, "status": d.Status})
	}
	return out, nil
}

func rawField(data json.RawMessage, name string) (any, bool) {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil, false
	}
	v, ok := m[name]
	return v, ok
}

func excerpt(s string) string {
	r := []rune(s)
	if len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}

// Mailer sends the e-mail of a notification.created event when its user
// wants e-mail for the type. A send is not a write of the table, so the
// marker follows it: a crash between the two sends the mail twice, never
// zero times.
type Mailer struct {
	Mail mail.Sender
}

// MailConsumer names the mailer in processed markers.
const MailConsumer = "notify-mail"

func (m Mailer) Handle(ctx context.Context, t store.Table, ev outbox.Event) error {
	if ev.Type != Created || m.Mail == nil {
		return nil
	}
	var d struct {
		Notification Notification `json:"notification"`
		Email        bool         `json:"email"`
		To           string       `json:"email_to"`
	}
	if json.Unmarshal(ev.Data, &d) != nil || !d.Email || d.To == "" {
		return nil
	}
	if done, err := outbox.Processed(ctx, t, MailConsumer, ev.ID); err != nil || done {
		return err
	}
	if _, err := m.Mail.Send(ctx, mail.Message{To: []string{d.To}, Subject: d.Notification.Title, Text: d.Notification.Message + "\n", Tenant: ev.Tenant}); err != nil {
		return err
	}
	err := t.TransactWrite(ctx, outbox.ProcessedOp(MailConsumer, ev.ID))
	if outbox.Duplicate(err) {
		return nil
	}
	return err
}

func decodeItem(it store.Item, v any) error { return dynamo.UnmarshalItem(it, v) }
