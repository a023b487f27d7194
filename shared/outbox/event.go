package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Version of the event envelope.
const Version = 1

// Event is the envelope every consumer receives (DESIGN §7): the outbox
// record of a committed write, with its tenant.
type Event struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	Tenant     string          `json:"tenant"`
	Actor      string          `json:"actor,omitempty"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// FromItem reads an outbox record. tenant is the key of the table's
// tenant, used when the record names none (writes made outside a
// request, such as the import worker's).
func FromItem(it store.Item, tenant string) (Event, error) {
	if store.Str(it, store.PK) != Partition {
		return Event{}, fmt.Errorf("outbox: %s is not an outbox record", store.Str(it, store.PK))
	}
	e := Event{ID: store.Str(it, store.SK), Type: store.Str(it, "detail_type"), Version: Version,
		Tenant: store.Str(it, "tenant"), Actor: store.Str(it, "actor")}
	if e.Tenant == "" {
		e.Tenant = tenant
	}
	e.OccurredAt, _ = time.Parse(time.RFC3339Nano, store.Str(it, "at"))
	d := store.Str(it, "detail")
	if d == "" || !json.Valid([]byte(d)) {
		d = "{}"
	}
	e.Data = json.RawMessage(d)
	if e.ID == "" || e.Type == "" {
		return Event{}, fmt.Errorf("outbox: record %q has no id or type", e.ID)
	}
	return e, nil
}

// Key is the outbox record of an event id.
func Key(id string) store.Key { return store.Key{PK: Partition, SK: id} }

// ProcessedRetention outlives the outbox's: a redelivery can only come
// from a record that still exists.
const ProcessedRetention = Retention + 24*time.Hour

const processedPrefix = "PROCESSED#"

// ProcessedOp marks an event as taken in by a consumer; put it in the
// consumer's own transaction, so the effect and the mark commit together
// and a second delivery fails the condition (see Duplicate).
func ProcessedOp(consumer, eventID string) store.Op {
	it := store.KeyItem(store.Key{PK: processedPrefix + consumer, SK: eventID})
	it[store.TTL] = store.AV(time.Now().Add(ProcessedRetention).Unix())
	return store.PutOp(it, store.NotExists())
}

// Processed reports whether the consumer already took the event in (for
// consumers whose effect is not a write of the tenant table).
func Processed(ctx context.Context, t store.Table, consumer, eventID string) (bool, error) {
	_, err := t.Get(ctx, store.Key{PK: processedPrefix + consumer, SK: eventID})
	if err == nil {
		return true, nil
	}
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return false, nil
	}
	return false, err
}

// Duplicate reports whether a transaction failed on a ProcessedOp: the
// event was handled before and this delivery must do nothing.
func Duplicate(err error) bool {
	var te *store.TxError
	return errors.As(err, &te) && strings.HasPrefix(te.Key.PK, processedPrefix)
}
