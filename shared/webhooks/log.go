package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// LogRetention is how long the delivery log keeps an attempt.
const LogRetention = 30 * 24 * time.Hour

// Delivery is one attempt to deliver an event to an endpoint, as its
// delivery log shows it.
type Delivery struct {
	ID            string     `json:"id"`
	WebhookID     string     `json:"webhook_id"`
	EventID       string     `json:"event_id" doc:"also the webhook-id header the receiver got"`
	EventType     string     `json:"event_type"`
	Attempt       int        `json:"attempt" doc:"1 for the first attempt at this event"`
	Trigger       string     `json:"trigger" enum:"event,retry,manual,test"`
	Status        string     `json:"status" enum:"succeeded,retrying,failed"`
	StatusCode    int        `json:"status_code,omitempty" doc:"the receiver's HTTP status; absent when it did not answer"`
	DurationMS    int64      `json:"duration_ms"`
	Error         string     `json:"error,omitempty" doc:"why the attempt failed, in short"`
	Response      string     `json:"response,omitempty" doc:"the first 1 KB of the receiver's answer"`
	At            time.Time  `json:"at"`
	NextAttemptAt *time.Time `json:"next_attempt_at" doc:"when the next attempt is due; null when none follows"`
}

// The log of an endpoint: PK=WEBHOOKLOG#<endpoint id>, SK=<delivery id>
// (UUIDv7: a reverse Query lists it newest first), with the body sent so
// that an attempt can be redelivered, and a ttl of LogRetention.
const logPrefix = "WEBHOOKLOG#"

func logKey(endpointID, id string) store.Key { return store.Key{PK: logPrefix + endpointID, SK: id} }

func logOp(dl *Delivery, body []byte) store.Op {
	it := store.KeyItem(logKey(dl.WebhookID, dl.ID))
	b, _ := json.Marshal(dl)
	it["delivery"], it["body"] = store.AV(string(b)), store.AV(string(body))
	it["status"], it["event_id"] = store.AV(dl.Status), store.AV(dl.EventID)
	it[store.TTL] = store.AV(dl.At.Add(LogRetention).Unix())
	return store.PutOp(it)
}

func deliveryOf(it store.Item) (Delivery, error) {
	var dl Delivery
	err := json.Unmarshal([]byte(store.Str(it, "delivery")), &dl)
	return dl, err
}

// LogFilter pages and narrows an endpoint's log.
type LogFilter struct {
	Status  string // succeeded, retrying or failed
	EventID string
	Limit   int
	Offset  int
	Cursor  string
}

// Deliveries lists an endpoint's attempts newest first: the page, the
// number that match, and the cursor of the next page.
func Deliveries(ctx context.Context, t store.Table, endpointID string, f LogFilter) ([]Delivery, int, string, error) {
	q := store.Query{PK: logPrefix + endpointID, Reverse: true, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	if f.Status != "" {
		q.Filter = append(q.Filter, store.Eq("status", f.Status))
	}
	if f.EventID != "" {
		q.Filter = append(q.Filter, store.Eq("event_id", f.EventID))
	}
	return store.List(ctx, t, q, deliveryOf)
}

func deliveryNotFound() error { return crm.Errorf(crm.ENOTFOUND, "delivery not found") }

// Redeliver sends the event of one logged attempt again now, whatever the
// endpoint's state, and logs it (trigger manual). A success counts as the
// event's delivery and ends its pending retries; a failure schedules
// nothing and counts towards nothing. ENOTFOUND.
func (d *Deliverer) Redeliver(ctx context.Context, t store.Table, e *Endpoint, deliveryID string) (*Delivery, error) {
	if !ids.Valid(deliveryID) {
		return nil, deliveryNotFound()
	}
	it, err := store.GetOr(ctx, t, logKey(e.ID, deliveryID), deliveryNotFound)
	if err != nil {
		return nil, err
	}
	src, err := deliveryOf(it)
	if err != nil {
		return nil, err
	}
	trigger := TriggerManual
	if src.Trigger == TriggerTest {
		trigger = TriggerTest // a ping again, never an event's delivery
	}
	return d.deliver(ctx, t, job{ep: e, eventID: src.EventID, eventType: src.EventType, body: []byte(store.Str(it, "body")),
		attempt: src.Attempt + 1, first: d.now(), trigger: trigger})
}

// PingType is the event of a test delivery.
const PingType = "webhook.test"

// Ping sends a webhook.test event to the endpoint now and logs it; the
// receiver's answer is in the Delivery.
func (d *Deliverer) Ping(ctx context.Context, t store.Table, e *Endpoint, tenant string) (*Delivery, error) {
	data, _ := json.Marshal(map[string]any{"webhook_id": e.ID, "url": e.URL})
	ev := outbox.Event{ID: ids.New(), Type: PingType, Version: outbox.Version, Tenant: tenant, OccurredAt: d.now(), Data: data}
	return d.deliver(ctx, t, job{ep: e, eventID: ev.ID, eventType: ev.Type, body: Payload(ev), attempt: 1, first: ev.OccurredAt, trigger: TriggerTest})
}
