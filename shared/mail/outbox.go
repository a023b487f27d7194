package mail

import (
	"context"
	"encoding/json"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Outbox keeps every message in a table instead of sending it (local mode;
// SaaS admins read it through GET /api/admin/outbox). Messages expire
// after Retention.
type Outbox struct {
	Table     store.Table
	Retention time.Duration
}

const outboxPK = "MAILOUTBOX"

var _ Sender = (*Outbox)(nil)

func (o *Outbox) Send(ctx context.Context, m Message) (string, error) {
	m.ID = ids.New()
	m.SentAt = time.Now().UTC()
	b, _ := json.Marshal(m)
	keep := o.Retention
	if keep == 0 {
		keep = 30 * 24 * time.Hour
	}
	it := store.Item{
		store.PK:  store.AV(outboxPK),
		store.SK:  store.AV(m.ID),
		"message": store.AV(string(b)),
		store.TTL: store.AV(time.Now().Add(keep).Unix()),
	}
	return m.ID, o.Table.Put(ctx, it)
}

// List returns messages newest first, with a cursor for the next page.
func (o *Outbox) List(ctx context.Context, limit int, cursor string) ([]Message, string, error) {
	p, err := o.Table.Query(ctx, store.Query{PK: outboxPK, Reverse: true, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	out := make([]Message, 0, len(p.Items))
	for _, it := range p.Items {
		var m Message
		if json.Unmarshal([]byte(store.Str(it, "message")), &m) == nil {
			out = append(out, m)
		}
	}
	return out, p.Cursor, nil
}
