package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
)

// putOld records an event as a write made at `at` would have (its id is
// a UUIDv7 of that time).
func putOld(t *testing.T, tb store.Table, at time.Time, typ, detail string) string {
	t.Helper()
	ms := uint64(at.UnixMilli())
	id := fmt.Sprintf("%08x-%04x-7%03x-8000-%012x", ms>>16, ms&0xffff, at.Nanosecond()%0x1000, at.UnixNano()%0x1000000000000)
	it := store.Item{store.PK: store.AV(outbox.Partition), store.SK: store.AV(id), "detail_type": store.AV(typ),
		"detail": store.AV(detail), "at": store.AV(at.UTC().Format(time.RFC3339Nano)), "tenant": store.AV("acme"),
		store.TTL: store.AV(at.Add(outbox.Retention).Unix())}
	if err := tb.Put(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return id
}

func partition(t *testing.T, tb store.Table, pk string) []store.Item {
	t.Helper()
	p, err := tb.Query(context.Background(), store.Query{PK: pk})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// bus refuses some types for good and fails the whole request while down.
type bus struct {
	mu     sync.Mutex
	got    []outbox.Event
	calls  [][]outbox.Event
	poison map[string]bool
	down   bool
}

func (b *bus) Publish(_ context.Context, evs []outbox.Event) []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, evs)
	errs := make([]error, len(evs))
	for i, ev := range evs {
		switch {
		case b.down:
			errs[i] = fmt.Errorf("eventbridge: %w", &awssign.Error{Status: 503, Code: "ServiceUnavailable"})
		case b.poison[ev.Type]:
			errs[i] = errors.New("eventbridge: ValidationException: detail type is not valid")
		default:
			b.got = append(b.got, ev)
		}
	}
	return errs
}

func (b *bus) ids() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for _, e := range b.got {
		out[e.ID]++
	}
	return out
}

func TestSweepRepublishesWhatTheStreamMissedAndLeavesRecentRecords(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	now := time.Now()
	old1 := putOld(t, tb, now.Add(-time.Hour), "task.created", `{"id":"t1"}`)
	old2 := putOld(t, tb, now.Add(-relay.SweepAge-time.Second), "deal.won", `{"id":"d1"}`)
	recent := putOld(t, tb, now.Add(-relay.SweepAge+time.Minute), "task.updated", `{"id":"t1"}`)
	b := &bus{}
	sw := &relay.Sweeper{Pub: b, MinAge: relay.SweepAge, Now: func() time.Time { return now }}
	got, err := sw.Table(context.Background(), tb, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.Published != 2 || got.Refused != 0 || got.DeadLettered != 0 || got.Dead != 0 {
		t.Fatalf("swept %+v", got)
	}
	ids := b.ids()
	if ids[old1] != 1 || ids[old2] != 1 || ids[recent] != 0 {
		t.Fatalf("published %v; want the two old records only", ids)
	}
	if left := partition(t, tb, outbox.Partition); len(left) != 1 || store.Str(left[0], store.SK) != recent {
		t.Fatalf("outbox keeps %d records, want only the recent one", len(left))
	}
	if b.got[0].Tenant != "acme" || string(b.got[0].Data) != `{"id":"t1"}` {
		t.Fatalf("envelope %+v", b.got[0])
	}
}

func TestSweepDeadLettersAPoisonRecordAfterMaxAttemptsAndRequeueBringsItBack(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	now := time.Now()
	poison := putOld(t, tb, now.Add(-time.Hour), "bad.type", `{"id":"p"}`)
	putOld(t, tb, now.Add(-time.Hour+time.Second), "task.created", `{"id":"t1"}`)
	b := &bus{poison: map[string]bool{"bad.type": true}}
	sw := &relay.Sweeper{Pub: b, MinAge: relay.SweepAge, MaxAttempts: 3}
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		got, err := sw.Table(ctx, tb, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			left := partition(t, tb, outbox.Partition)
			if got.Refused != 1 || len(left) != 1 || store.Int(left[0], "attempts") != int64(i) || !strings.Contains(store.Str(left[0], "last_error"), "ValidationException") {
				t.Fatalf("sweep %d: %+v, outbox %v", i, got, left)
			}
			continue
		}
		if got.DeadLettered != 1 || got.Dead != 1 {
			t.Fatalf("sweep %d: %+v", i, got)
		}
	}
	if n := len(partition(t, tb, outbox.Partition)); n != 0 {
		t.Fatalf("%d records left in the outbox; the poison one should have left it", n)
	}
	dead := partition(t, tb, relay.DeadPartition)
	if len(dead) != 1 || store.Str(dead[0], store.SK) != poison || store.Str(dead[0], "detail") != `{"id":"p"}` ||
		!strings.Contains(store.Str(dead[0], "dead_reason"), "refused 3 times") || dead[0][store.TTL] != nil {
		t.Fatalf("dead letter %v", dead)
	}
	// A fourth sweep does not touch it.
	if got, _ := sw.Table(ctx, tb, "acme"); got.Refused+got.DeadLettered+got.Published != 0 || got.Dead != 1 {
		t.Fatalf("sweep after dead-lettering: %+v", got)
	}
	// The cause fixed, an operator requeues: the record is published.
	b.poison = nil
	if n, err := relay.Requeue(ctx, tb); n != 1 || err != nil {
		t.Fatalf("requeue %d %v", n, err)
	}
	back := partition(t, tb, outbox.Partition)
	if len(back) != 1 || back[0]["attempts"] != nil || store.Int(back[0], store.TTL) < time.Now().Unix() {
		t.Fatalf("requeued %v", back)
	}
	if got, err := sw.Table(ctx, tb, "acme"); err != nil || got.Published != 1 || got.Dead != 0 {
		t.Fatalf("sweep after requeue %+v %v", got, err)
	}
	if b.ids()[poison] != 1 {
		t.Fatal("the requeued record was not published")
	}
}

func TestSweepDoesNotCountAnOutageAgainstTheRecords(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	putOld(t, tb, time.Now().Add(-time.Hour), "task.created", `{}`)
	b := &bus{down: true}
	sw := &relay.Sweeper{Pub: b, MinAge: relay.SweepAge, MaxAttempts: 1}
	for range 3 {
		got, err := sw.Table(context.Background(), tb, "acme")
		if err == nil || got.Deferred != 1 || got.Refused+got.DeadLettered != 0 {
			t.Fatalf("sweep while the bus is down: %+v, %v", got, err)
		}
	}
	left := partition(t, tb, outbox.Partition)
	if len(left) != 1 || left[0]["attempts"] != nil {
		t.Fatalf("outbox after the outage %v", left)
	}
	b.down = false
	if got, err := sw.Table(context.Background(), tb, "acme"); err != nil || got.Published != 1 {
		t.Fatalf("sweep after the outage %+v %v", got, err)
	}
}

func TestUnreadableRecordsAreDeadLetteredNotDropped(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	id := putOld(t, tb, time.Now().Add(-time.Hour), "", `{}`) // no detail type
	got, err := (&relay.Sweeper{Pub: &bus{}}).Table(context.Background(), tb, "acme")
	if err != nil || got.DeadLettered != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	if dead := partition(t, tb, relay.DeadPartition); len(dead) != 1 || store.Str(dead[0], store.SK) != id || !strings.Contains(store.Str(dead[0], "dead_reason"), "unreadable") {
		t.Fatalf("dead %v", dead)
	}
	// The drain of the local relay does the same.
	id2 := putOld(t, tb, time.Now(), "", `{}`)
	if _, err := relay.Drain(context.Background(), tb, "acme", &bus{}); err != nil {
		t.Fatal(err)
	}
	if dead := partition(t, tb, relay.DeadPartition); len(dead) != 2 || store.Str(dead[1], store.SK) != id2 {
		t.Fatalf("dead after drain %v", dead)
	}
}

func TestLocalSweepDeadLettersLikeTheAWSSweep(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	write(t, tb, "bad.type")
	write(t, tb, "good.type")
	b := &bus{poison: map[string]bool{"bad.type": true}}
	l := &relay.Local{DB: db, Prefix: "pt-", Pub: b, MaxAttempts: 2,
		Tenants: func(context.Context) ([]string, error) { return []string{"acme"}, nil }}
	l.Sweep(context.Background())
	if len(b.ids()) != 1 || len(partition(t, tb, outbox.Partition)) != 1 {
		t.Fatalf("first sweep: published %v", b.ids())
	}
	l.Sweep(context.Background())
	if len(partition(t, tb, outbox.Partition)) != 0 || len(partition(t, tb, relay.DeadPartition)) != 1 {
		t.Fatal("the local sweep did not dead-letter the poison record")
	}
}

// The stream relay (here the local drain, the same publish and delete)
// deletes records while the sweep counts refusals on them: a count must
// never bring a deleted record back as a fragment (the Update's
// condition), so once both are done the outbox is empty and nothing was
// dead-lettered. Raced on the embedded store (moto does not isolate).
func TestSweepRacingTheRelayLeavesNoFragments(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	const n = 300
	for i := range n {
		putOld(t, tb, time.Now().Add(-time.Hour+time.Duration(i)*time.Millisecond), "task.created", `{}`)
	}
	refuser := &bus{poison: map[string]bool{"task.created": true}}
	taker := &bus{}
	sw := &relay.Sweeper{Pub: refuser, MinAge: relay.SweepAge, MaxAttempts: 1000}
	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := sw.Table(ctx, tb, "acme"); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := relay.Drain(ctx, tb, "acme", taker); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if _, err := relay.Drain(ctx, tb, "acme", taker); err != nil {
		t.Fatal(err)
	}
	if left := partition(t, tb, outbox.Partition); len(left) != 0 {
		t.Fatalf("%d records left: %v", len(left), left[0])
	}
	if dead := partition(t, tb, relay.DeadPartition); len(dead) != 0 {
		t.Fatalf("%d fragments dead-lettered: %v", len(dead), dead[0])
	}
	if got := taker.ids(); len(got) != n {
		t.Fatalf("%d of %d events published", len(got), n)
	}
}

func TestFitShrinksAnEventTooLargeForTheBus(t *testing.T) {
	big := strings.Repeat("x", 300*1024)
	data, _ := json.Marshal(map[string]any{"id": "c1", "customer_id": "cu9", "name": "Acme", "notes": big, "tags": []string{"a"}})
	ev := outbox.Event{ID: "e1", Type: "customer.updated", Version: 1, Tenant: "acme", Data: data}
	got, cut := relay.Fit(ev)
	if !cut || relay.EntrySize(got) >= relay.EntryLimit {
		t.Fatalf("cut %v, size %d", cut, relay.EntrySize(got))
	}
	var d map[string]any
	json.Unmarshal(got.Data, &d)
	if d["data_truncated"] != true || d["id"] != "c1" || d["customer_id"] != "cu9" || d["name"] != "Acme" || d["notes"] != nil || d["tags"] != nil ||
		d["data_bytes"] != float64(len(data)) || got.ID != "e1" || got.Tenant != "acme" || got.Type != "customer.updated" {
		t.Fatalf("shrunk to %s (%+v)", got.Data, got)
	}
	small := outbox.Event{ID: "e2", Type: "customer.updated", Data: json.RawMessage(`{"id":"c1"}`)}
	if got, cut := relay.Fit(small); cut || string(got.Data) != `{"id":"c1"}` {
		t.Fatal("a small event was changed")
	}
}

// Ten events of 100 KB are more than one PutEvents request may carry:
// the relay sends them in requests below the limit, each event once.
func TestPublishKeepsEveryRequestBelowTheBusLimit(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	for i := range 10 {
		putOld(t, tb, time.Now().Add(-time.Hour+time.Duration(i)*time.Millisecond), "document.updated", `{"body":"`+strings.Repeat("y", 100*1024)+`"}`)
	}
	b := &bus{}
	got, err := (&relay.Sweeper{Pub: b}).Table(context.Background(), tb, "acme")
	if err != nil || got.Published != 10 {
		t.Fatalf("%+v %v", got, err)
	}
	for _, call := range b.calls {
		size := 0
		for _, ev := range call {
			size += relay.EntrySize(ev)
		}
		if size >= relay.EntryLimit || len(call) > 10 {
			t.Fatalf("a request of %d events, %d bytes", len(call), size)
		}
	}
	if len(b.calls) < 4 {
		t.Fatalf("%d requests for 1 MB of events", len(b.calls))
	}
	for _, ev := range b.got {
		if strings.Contains(string(ev.Data), "data_truncated") {
			t.Fatal("an event below the limit was shrunk")
		}
	}
}
