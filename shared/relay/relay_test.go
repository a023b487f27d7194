package relay_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

type recorder struct {
	mu   sync.Mutex
	got  []outbox.Event
	fail map[string]bool // types refused
}

func (r *recorder) Publish(_ context.Context, evs []outbox.Event) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := make([]error, len(evs))
	for i, ev := range evs {
		if r.fail[ev.Type] {
			errs[i] = errors.New("refused")
			continue
		}
		r.got = append(r.got, ev)
	}
	return errs
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.got {
		out = append(out, e.Type)
	}
	return out
}

func open(t *testing.T) store.DB {
	db, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateTable(context.Background(), "pt-acme"); err != nil {
		t.Fatal(err)
	}
	return db
}

func write(t *testing.T, tb store.Table, typ string) {
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, Subject: "u1", TenantKey: "acme"})
	if err := tb.TransactWrite(ctx, store.PutOp(store.Item{store.PK: store.AV("X"), store.SK: store.AV(typ)}), outbox.Op(ctx, typ, map[string]any{"n": 1})); err != nil {
		t.Fatal(err)
	}
}

func outboxLen(t *testing.T, tb store.Table) int {
	p, err := tb.Query(context.Background(), store.Query{PK: outbox.Partition, CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

func TestDrainPublishesInOrderAndKeepsWhatTheBusRefused(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	for _, typ := range []string{"a.one", "b.two", "a.three"} {
		write(t, tb, typ)
	}
	pub := &recorder{fail: map[string]bool{"b.two": true}}
	n, err := relay.Drain(context.Background(), tb, "acme", pub)
	if err == nil || n != 2 {
		t.Fatalf("drain = %d, %v; want 2 and the refusal", n, err)
	}
	if got := pub.types(); len(got) != 2 || got[0] != "a.one" || got[1] != "a.three" {
		t.Fatalf("published %v", got)
	}
	if outboxLen(t, tb) != 1 {
		t.Fatal("the refused event is not kept alone")
	}
	ev := pub.got[0]
	if ev.Tenant != "acme" || ev.Actor != "u1" || ev.Version != 1 || ev.OccurredAt.IsZero() || string(ev.Data) != `{"n":1}` {
		t.Fatalf("envelope %+v", ev)
	}
	pub.fail = nil
	if n, err := relay.Drain(context.Background(), tb, "acme", pub); n != 1 || err != nil {
		t.Fatalf("second drain = %d, %v", n, err)
	}
	if outboxLen(t, tb) != 0 {
		t.Fatal("outbox not empty")
	}
}

func TestLocalRelayWakesOnCommitAndSweepsAtStart(t *testing.T) {
	db := open(t)
	write(t, db.Table("pt-acme"), "left.behind") // before the relay runs: a crash's leftover
	pub := &recorder{}
	l := &relay.Local{DB: db, Prefix: "pt-", Pub: pub, Every: time.Hour,
		Tenants: func(context.Context) ([]string, error) { return []string{"acme"}, nil }}
	watched := l.Watch(db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	write(t, watched.Table("pt-acme"), "after.start")
	// The relay deletes a record after the bus took it: wait for both.
	deadline := time.Now().Add(5 * time.Second)
	for (len(pub.types()) < 2 || outboxLen(t, db.Table("pt-acme")) != 0) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := pub.types()
	if len(got) != 2 || got[0] != "left.behind" || got[1] != "after.start" {
		t.Fatalf("published %v", got)
	}
	if outboxLen(t, db.Table("pt-acme")) != 0 {
		t.Fatal("outbox not drained")
	}
}

func TestStreamHandlerPublishesOutboxInsertsAndReportsRefusals(t *testing.T) {
	db := open(t)
	tb := db.Table("pt-acme")
	write(t, tb, "x.ok")
	write(t, tb, "x.refused")
	p, _ := tb.Query(context.Background(), store.Query{PK: outbox.Partition})
	var ev relay.StreamEvent
	for i, it := range p.Items {
		var r relay.StreamRecord
		r.EventName, r.EventSourceARN = "INSERT", "arn:aws:dynamodb:eu-west-1:1:table/pt-acme/stream/2026"
		r.DynamoDB.SequenceNumber = []string{"100", "200"}[i]
		r.DynamoDB.NewImage = map[string]relay.Attr{}
		for k := range it {
			s, n := store.Str(it, k), ""
			if k == store.TTL {
				s, n = "", "1"
			}
			if s != "" {
				r.DynamoDB.NewImage[k] = relay.Attr{S: &s}
			} else {
				r.DynamoDB.NewImage[k] = relay.Attr{N: &n}
			}
		}
		ev.Records = append(ev.Records, r)
	}
	ev.Records = append(ev.Records, relay.StreamRecord{EventName: "REMOVE"})
	pub := &recorder{fail: map[string]bool{"x.refused": true}}
	resp, err := (&relay.Stream{Delete: relay.DeleteOf(db), Prefix: "pt-", Pub: pub}).Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "200" {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if got := pub.types(); len(got) != 1 || got[0] != "x.ok" || pub.got[0].Tenant != "acme" {
		t.Fatalf("published %+v", pub.got)
	}
	if outboxLen(t, tb) != 1 {
		t.Fatal("the published record was not deleted, or the refused one was")
	}
}

func TestTableOfARN(t *testing.T) {
	if got := relay.TableOfARN("arn:aws:dynamodb:eu-west-1:123:table/payvand-prod-tenant-acme/stream/2026-11-28T06:00:00.000"); got != "payvand-prod-tenant-acme" {
		t.Fatal(got)
	}
}
