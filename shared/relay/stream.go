package relay

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// StreamEvent is what Lambda passes for a DynamoDB stream batch (only
// the members the relay reads; declared here so the relay binary needs
// no Lambda event library).
type StreamEvent struct {
	Records []StreamRecord `json:"Records"`
}

// StreamRecord is one change of a tenant table.
type StreamRecord struct {
	EventID        string `json:"eventID"`
	EventName      string `json:"eventName"` // INSERT | MODIFY | REMOVE
	EventSourceARN string `json:"eventSourceARN"`
	DynamoDB       struct {
		Keys           map[string]Attr `json:"Keys"`
		NewImage       map[string]Attr `json:"NewImage"`
		SequenceNumber string          `json:"SequenceNumber"`
	} `json:"dynamodb"`
}

// Attr is an attribute value in DynamoDB's JSON form; outbox records
// hold only strings and numbers.
type Attr struct {
	S *string `json:"S,omitempty"`
	N *string `json:"N,omitempty"`
}

// BatchResponse reports the records to retry (ReportBatchItemFailures):
// Lambda resumes the shard from the lowest failed sequence number.
type BatchResponse struct {
	BatchItemFailures []ItemFailure `json:"batchItemFailures"`
}

// ItemFailure names a record by its sequence number.
type ItemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
}

// Stream is the relay Lambda's handler.
type Stream struct {
	// Delete removes a published outbox record (DeleteOf(db), or
	// SignedDelete to keep the DynamoDB client out of the relay binary).
	Delete func(ctx context.Context, table string, key store.Key) error
	Prefix string
	Pub    Publisher
}

// DeleteOf deletes through a store.
func DeleteOf(db store.DB) func(context.Context, string, store.Key) error {
	return func(ctx context.Context, table string, key store.Key) error { return db.Table(table).Delete(ctx, key) }
}

// TableOfARN is the table name in a stream ARN
// (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>).
func TableOfARN(arn string) string {
	_, rest, ok := strings.Cut(arn, ":table/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func (r StreamRecord) item() store.Item {
	it := store.Item{}
	for k, v := range r.DynamoDB.NewImage {
		switch {
		case v.S != nil:
			it[k] = &types.AttributeValueMemberS{Value: *v.S}
		case v.N != nil:
			it[k] = &types.AttributeValueMemberN{Value: *v.N}
		}
	}
	return it
}

// Handle publishes the outbox records of a batch and deletes them from
// their tables; records the bus refused are reported for a retry.
func (s *Stream) Handle(ctx context.Context, ev StreamEvent) (BatchResponse, error) {
	type pending struct {
		ev    outbox.Event
		table string
		seq   string
	}
	var todo []pending
	for _, r := range ev.Records {
		if r.EventName != "INSERT" {
			continue // the relay's own deletes, and writes the filter let through
		}
		it := r.item()
		if store.Str(it, store.PK) != outbox.Partition {
			continue
		}
		table := TableOfARN(r.EventSourceARN)
		tenant, ok := TenantOf(s.Prefix, table)
		if !ok {
			slog.WarnContext(ctx, "relay: record of a table that is not a tenant's", "arn", r.EventSourceARN)
			continue
		}
		e, err := outbox.FromItem(it, tenant)
		if err != nil {
			// Left in the outbox: the sweep dead-letters it (a retry
			// here could not make it readable).
			slog.WarnContext(ctx, "relay: unreadable outbox record skipped", "err", err, "seq", r.DynamoDB.SequenceNumber)
			continue
		}
		todo = append(todo, pending{ev: e, table: table, seq: r.DynamoDB.SequenceNumber})
	}
	evs := make([]outbox.Event, len(todo))
	for i, p := range todo {
		evs[i] = p.ev
	}
	var out BatchResponse
	for i, err := range publish(ctx, s.Pub, evs) {
		p := todo[i]
		if err != nil {
			slog.WarnContext(ctx, "relay: bus refused an event", "id", p.ev.ID, "type", p.ev.Type, "err", err)
			out.BatchItemFailures = append(out.BatchItemFailures, ItemFailure{ItemIdentifier: p.seq})
			continue
		}
		// Published: the record has done its work. Should the delete
		// fail, its ttl removes it; the stream will not send it again.
		if err := s.Delete(ctx, p.table, outbox.Key(p.ev.ID)); err != nil {
			slog.WarnContext(ctx, "relay: delete published outbox record", "id", p.ev.ID, "err", err)
		}
	}
	// Lambda retries from the lowest failed sequence number; sort so the
	// first one is that (numeric strings of equal length per shard, but
	// compare by length first to be safe).
	sort.Slice(out.BatchItemFailures, func(i, j int) bool {
		a, b := out.BatchItemFailures[i].ItemIdentifier, out.BatchItemFailures[j].ItemIdentifier
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	if out.BatchItemFailures == nil {
		out.BatchItemFailures = []ItemFailure{}
	}
	return out, nil
}

// Backfill publishes and deletes what is in a table's outbox (records
// written before its stream was connected).
func Backfill(ctx context.Context, t store.Table, tenant string, pub Publisher) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return Drain(ctx, t, tenant, pub)
}
