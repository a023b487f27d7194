package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
)

// Envelope is what every consumer receives: {id, type, version, tenant,
// actor, occurred_at, data} (DESIGN §7). On EventBridge it is the detail
// of an event whose detail-type is Envelope.Type.
type Envelope = outbox.Event

// maxEntries is EventBridge's limit of entries per PutEvents request.
const maxEntries = 10

// PublishEnvelopes sends envelopes in PutEvents requests of at most ten
// entries and returns one error per envelope (nil when EventBridge took
// it), so a relay keeps only what was refused. It implements
// relay.Publisher.
func (b *EventBridge) PublishEnvelopes(ctx context.Context, evs []Envelope) []error {
	errs := make([]error, len(evs))
	for start := 0; start < len(evs); start += maxEntries {
		end := min(start+maxEntries, len(evs))
		entries := make([]map[string]any, 0, end-start)
		for _, ev := range evs[start:end] {
			d, _ := json.Marshal(ev)
			entries = append(entries, map[string]any{"Source": Source, "DetailType": ev.Type, "Detail": string(d), "EventBusName": b.BusName})
		}
		var out struct {
			FailedEntryCount int
			Entries          []struct{ EventId, ErrorCode, ErrorMessage string }
		}
		err := awssign.Do(ctx, b.Config, awssign.Request{Service: "events", Host: "events",
			Headers:  map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"},
			Body:     map[string]any{"Entries": entries},
			Response: &out})
		for i := start; i < end; i++ {
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("eventbridge: %w", err)
			case i-start < len(out.Entries) && out.Entries[i-start].ErrorCode != "":
				e := out.Entries[i-start]
				errs[i] = fmt.Errorf("eventbridge: %s: %s", e.ErrorCode, e.ErrorMessage)
			case i-start >= len(out.Entries) && out.FailedEntryCount > 0:
				errs[i] = errors.New("eventbridge: entry not acknowledged")
			}
		}
	}
	return errs
}

// Handler is a consumer: the same function runs behind an EventBridge
// rule on AWS and in the in-process bus locally. It must be idempotent
// by Envelope.ID (outbox.ProcessedOp).
type Handler func(ctx context.Context, ev Envelope) error

// InProcess is the local bus: it calls the consumers subscribed to an
// envelope's type, as EventBridge rules do on AWS.
type InProcess struct {
	mu   sync.RWMutex
	subs []subscription
}

type subscription struct {
	name  string
	types map[string]bool // nil: every type
	h     Handler
}

// Subscribe adds a consumer of the detail types (every type when none).
func (b *InProcess) Subscribe(name string, types []string, h Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var set map[string]bool
	if len(types) > 0 {
		set = map[string]bool{}
		for _, t := range types {
			set[t] = true
		}
	}
	b.subs = append(b.subs, subscription{name: name, types: set, h: h})
}

// PublishEnvelopes delivers each envelope to its consumers; an envelope
// one of them failed is reported, and the relay delivers it again later
// to all of them (each drops what it already took in).
func (b *InProcess) PublishEnvelopes(ctx context.Context, evs []Envelope) []error {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	errs := make([]error, len(evs))
	for i, ev := range evs {
		for _, s := range subs {
			if s.types != nil && !s.types[ev.Type] {
				continue
			}
			if err := s.h(ctx, ev); err != nil {
				slog.WarnContext(ctx, "consumer failed", "consumer", s.name, "type", ev.Type, "id", ev.ID, "err", err)
				errs[i] = errors.Join(errs[i], fmt.Errorf("%s: %w", s.name, err))
			}
		}
	}
	return errs
}

// Publish lets the in-process bus stand where a Bus is wanted (events
// published directly, not through an outbox).
func (b *InProcess) Publish(ctx context.Context, detailType string, detail any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return errors.Join(b.PublishEnvelopes(ctx, []Envelope{{ID: ids.New(), Type: detailType, Version: outbox.Version, OccurredAt: time.Now().UTC(), Data: d}})...)
}

// Publisher adapts a PublishEnvelopes method to the relay's port.
type Publisher func(ctx context.Context, evs []Envelope) []error

func (p Publisher) Publish(ctx context.Context, evs []Envelope) []error { return p(ctx, evs) }
