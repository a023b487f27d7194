package relay

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"

	"payvand.dev/shared/outbox"
)

// EntryLimit is EventBridge's size limit of a PutEvents request: the sum
// of its entries' sizes must stay below 256 KB
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
const EntryLimit = 256 * 1024

// maxEntries is EventBridge's limit of entries per PutEvents request.
const maxEntries = 10

// keptBudget bounds what a shrunk event keeps of its data.
const keptBudget = 16 * 1024

// Source is the source of Payvand events on the bus (events.Source; the
// relay does not import the bus package).
const source = "payvand"

// EntrySize is an event's size as EventBridge counts it: the UTF-8 bytes
// of its source, detail type and detail (the envelope), with no time or
// resources, which the relay does not send.
func EntrySize(ev outbox.Event) int {
	d, _ := json.Marshal(ev)
	return len(source) + len(ev.Type) + len(d)
}

// Fit returns the event as the bus can take it. An event of EntryLimit
// or more (a domain write can carry up to DynamoDB's 400 KB) keeps its
// envelope, and its data keeps only the short members — the entity's id
// and the other ids and flags a consumer routes on — with
// "data_truncated": true and "data_bytes": the original size, so a
// consumer that needs the rest reads the entity again. Consumers already
// treat events as notices (they are idempotent by event id and read the
// store), so this loses no state, only the copy. The second result says
// whether the data was cut.
func Fit(ev outbox.Event) (outbox.Event, bool) {
	size := EntrySize(ev)
	if size < EntryLimit {
		return ev, false
	}
	kept := map[string]any{"data_truncated": true, "data_bytes": len(ev.Data)}
	var members map[string]json.RawMessage
	if json.Unmarshal(ev.Data, &members) == nil {
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		// Ids first (they are what a consumer re-reads by), then the rest
		// by name, so the same event always shrinks the same way.
		sort.Slice(keys, func(i, j int) bool {
			a, b := isID(keys[i]), isID(keys[j])
			if a != b {
				return a
			}
			return keys[i] < keys[j]
		})
		used := 0
		for _, k := range keys {
			v := members[k]
			if _, taken := kept[k]; taken || !shortScalar(v) || used+len(k)+len(v) > keptBudget {
				continue
			}
			kept[k] = v
			used += len(k) + len(v) + 4
		}
	}
	ev.Data, _ = json.Marshal(kept)
	return ev, true
}

func isID(k string) bool {
	return k == "id" || len(k) > 3 && k[len(k)-3:] == "_id"
}

// shortScalar is a string of at most 256 bytes, a number, a boolean or null.
func shortScalar(v json.RawMessage) bool {
	if len(v) == 0 || len(v) > 258 {
		return false
	}
	switch v[0] {
	case '{', '[':
		return false
	}
	return true
}

// publish hands events to the bus in requests EventBridge accepts: each
// event fitted (Fit), at most ten a request and their sizes together
// below EntryLimit. It returns one error per event, like Publisher.
func publish(ctx context.Context, pub Publisher, evs []outbox.Event) []error {
	errs := make([]error, len(evs))
	fitted := make([]outbox.Event, len(evs))
	sizes := make([]int, len(evs))
	for i, ev := range evs {
		f, cut := Fit(ev)
		if cut {
			slog.WarnContext(ctx, "relay: event too large for the bus, data shrunk", "id", ev.ID, "type", ev.Type,
				"tenant", ev.Tenant, "bytes", EntrySize(ev), "limit", EntryLimit)
		}
		fitted[i], sizes[i] = f, EntrySize(f)
	}
	for start := 0; start < len(fitted); {
		end, total := start, 0
		for end < len(fitted) && end-start < maxEntries && (end == start || total+sizes[end] < EntryLimit) {
			total += sizes[end]
			end++
		}
		copy(errs[start:end], pub.Publish(ctx, fitted[start:end]))
		start = end
	}
	return errs
}
