// Package notify keeps a user's notifications in the tenant table and
// turns domain events into them (the notifier consumer). Only the owner
// reads or changes a notification: every key includes the user id.
package notify

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Types of notification.
const (
	TaskAssigned     = "task_assigned"
	TaskCommented    = "task_commented"
	Mention          = "mention"
	TaskDueSoon      = "task_due_soon"
	TaskCompleted    = "task_completed"
	DealStageChanged = "deal_stage_changed"
	DealWon          = "deal_won"
	ImportFinished   = "import_finished"
	BackupFinished   = "backup_finished"
)

// Types lists every notification type (filter[type] accepts these).
var Types = []string{TaskAssigned, TaskCommented, Mention, TaskDueSoon, TaskCompleted, DealStageChanged, DealWon, ImportFinished, BackupFinished}

// Retention keeps a notification this long.
const Retention = 180 * 24 * time.Hour

// Notification is one message to one user.
type Notification struct {
	ID        string         `json:"id"`
	UserID    string         `json:"user_id"`
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	Data      map[string]any `json:"data"`
	Link      string         `json:"link,omitempty"`
	Read      bool           `json:"read"`
	ReadAt    *time.Time     `json:"read_at"`
	ActorID   string         `json:"actor_id,omitempty"`
	EventID   string         `json:"event_id,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

func partition(user string) string   { return "NOTIF#" + user }
func unreadIndex(user string) string { return "NOTIFUNREAD#" + user }

// Key of a user's notification.
func Key(user, id string) store.Key { return store.Key{PK: partition(user), SK: "N#" + id} }

func toItem(n *Notification) store.Item {
	it := store.KeyItem(Key(n.UserID, n.ID))
	data, _ := json.Marshal(n.Data)
	it["id"], it["user_id"], it["type"] = store.AV(n.ID), store.AV(n.UserID), store.AV(n.Type)
	it["title"], it["message"], it["data"] = store.AV(n.Title), store.AV(n.Message), store.AV(string(data))
	it["read"], it["created_at"] = store.AV(n.Read), store.AV(n.CreatedAt.UTC().Format(time.RFC3339Nano))
	if n.Link != "" {
		it["link"] = store.AV(n.Link)
	}
	if n.ActorID != "" {
		it["actor_id"] = store.AV(n.ActorID)
	}
	if n.EventID != "" {
		it["event_id"] = store.AV(n.EventID)
	}
	if !n.Read {
		it["GSI1PK"], it["GSI1SK"] = store.AV(unreadIndex(n.UserID)), store.AV(n.ID)
	}
	it[store.TTL] = store.AV(n.CreatedAt.Add(Retention).Unix())
	return it
}

func fromItem(it store.Item) Notification {
	n := Notification{ID: store.Str(it, "id"), UserID: store.Str(it, "user_id"), Type: store.Str(it, "type"),
		Title: store.Str(it, "title"), Message: store.Str(it, "message"), Link: store.Str(it, "link"),
		ActorID: store.Str(it, "actor_id"), EventID: store.Str(it, "event_id"), Read: boolAttr(it, "read")}
	json.Unmarshal([]byte(store.Str(it, "data")), &n.Data)
	if n.Data == nil {
		n.Data = map[string]any{}
	}
	n.CreatedAt, _ = time.Parse(time.RFC3339Nano, store.Str(it, "created_at"))
	if s := store.Str(it, "read_at"); s != "" {
		t, _ := time.Parse(time.RFC3339Nano, s)
		n.ReadAt = &t
	}
	return n
}

// New is a notification made now.
func New(user, typ, title, message string, data map[string]any) *Notification {
	return &Notification{ID: ids.New(), UserID: user, Type: typ, Title: title, Message: message, Data: data, CreatedAt: time.Now().UTC()}
}

// PutOp writes a new notification (unread) in a transaction.
func PutOp(n *Notification) store.Op { return store.PutOp(toItem(n), store.NotExists()) }

// Filter selects a user's notifications.
type Filter struct {
	Read   *bool  // nil: all
	Type   string // "" or one of Types
	Limit  int
	Offset int
	Cursor string
}

func notFound() error { return crm.Errorf(crm.ENOTFOUND, "notification not found") }

// List returns a page of the user's notifications, newest first, the
// number that match, and the next cursor. Unread ones are read from the
// sparse unread index.
func List(ctx context.Context, t store.Table, user string, f Filter) ([]Notification, int, string, error) {
	q := store.Query{PK: partition(user), SK: store.SKPrefix("N#"), Reverse: true, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	if f.Read != nil && !*f.Read {
		q = store.Query{Index: "GSI1", PK: unreadIndex(user), Reverse: true, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	} else if f.Read != nil {
		q.Filter = append(q.Filter, store.Eq("read", true))
	}
	if f.Type != "" {
		q.Filter = append(q.Filter, store.Eq("type", f.Type))
	}
	return store.List(ctx, t, q, func(it store.Item) (Notification, error) { return fromItem(it), nil })
}

// Unread counts the user's unread notifications (a count of the sparse
// unread index: exact, with no counter to drift).
func Unread(ctx context.Context, t store.Table, user string) (int, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: unreadIndex(user), CountOnly: true})
	return p.Count, err
}

// Get reads one of the user's notifications; ENOTFOUND for another's.
func Get(ctx context.Context, t store.Table, user, id string) (*Notification, error) {
	if !ids.Valid(id) {
		return nil, notFound()
	}
	it, err := store.GetOr(ctx, t, Key(user, id), notFound)
	if err != nil {
		return nil, err
	}
	n := fromItem(it)
	return &n, nil
}

// SetRead marks one notification read or unread; ENOTFOUND.
func SetRead(ctx context.Context, t store.Table, user, id string, read bool) (*Notification, error) {
	if !ids.Valid(id) {
		return nil, notFound()
	}
	u := store.Update{Key: Key(user, id), Cond: []store.Cond{store.Exists()}}
	if read {
		u.Set = store.Item{"read": store.AV(true), "read_at": store.AV(time.Now().UTC().Format(time.RFC3339Nano))}
		u.Remove = []string{"GSI1PK", "GSI1SK"}
	} else {
		u.Set = store.Item{"read": store.AV(false), "GSI1PK": store.AV(unreadIndex(user)), "GSI1SK": store.AV(id)}
		u.Remove = []string{"read_at"}
	}
	it, err := t.Update(ctx, u)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	n := fromItem(it)
	return &n, nil
}

// MarkRead marks the user's notifications with these ids read (ids of
// other users' notifications change nothing) and returns how many
// changed from unread.
func MarkRead(ctx context.Context, t store.Table, user string, idList []string) (int, error) {
	n := 0
	seen := map[string]bool{}
	for _, id := range idList {
		id = strings.TrimSpace(id)
		if seen[id] || !ids.Valid(id) {
			continue
		}
		seen[id] = true
		_, err := t.Update(ctx, store.Update{Key: Key(user, id), Cond: []store.Cond{store.Exists(), store.Eq("read", false)},
			Set: store.Item{"read": store.AV(true), "read_at": store.AV(time.Now().UTC().Format(time.RFC3339Nano))}, Remove: []string{"GSI1PK", "GSI1SK"}})
		switch crm.ErrorCode(err) {
		case "":
			n++
		case crm.ECONFLICT: // missing, another's, or already read
		default:
			return n, err
		}
	}
	return n, nil
}

// MarkAllRead marks every unread notification of the user read, in
// transactions of up to 100 from the unread index.
func MarkAllRead(ctx context.Context, t store.Table, user string) (int, error) {
	total := 0
	for range 1000 {
		p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: unreadIndex(user), Limit: store.MaxTransactOps})
		if err != nil {
			return total, err
		}
		if len(p.Items) == 0 {
			return total, nil
		}
		now := store.AV(time.Now().UTC().Format(time.RFC3339Nano))
		ops := make([]store.Op, 0, len(p.Items))
		for _, it := range p.Items {
			ops = append(ops, store.UpdateOp(store.Update{Key: store.KeyOf(it), Cond: []store.Cond{store.Eq("read", false)},
				Set: store.Item{"read": store.AV(true), "read_at": now}, Remove: []string{"GSI1PK", "GSI1SK"}}))
		}
		if err := t.TransactWrite(ctx, ops...); err != nil {
			if crm.ErrorCode(err) == crm.ECONFLICT {
				continue // one was read meanwhile: read the index again
			}
			return total, err
		}
		total += len(ops)
	}
	return total, nil
}

// Delete removes one of the user's notifications; ENOTFOUND.
func Delete(ctx context.Context, t store.Table, user, id string) error {
	if !ids.Valid(id) {
		return notFound()
	}
	err := t.Delete(ctx, Key(user, id), store.Exists())
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return notFound()
	}
	return err
}

func boolAttr(it store.Item, attr string) bool {
	b, ok := it[attr].(*types.AttributeValueMemberBOOL)
	return ok && b.Value
}
