package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/events"
	"payvand.dev/shared/awssign"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// putOld records an event as a write made at `at` would have.
func putOld(t *testing.T, tb store.Table, tenant string, at time.Time, typ, detail string) string {
	t.Helper()
	ms := uint64(at.UnixMilli())
	id := fmt.Sprintf("%08x-%04x-7%03x-8000-%012x", ms>>16, ms&0xffff, at.Nanosecond()%0x1000, at.UnixNano()%0x1000000000000)
	it := store.Item{store.PK: store.AV(outbox.Partition), store.SK: store.AV(id), "detail_type": store.AV(typ),
		"detail": store.AV(detail), "at": store.AV(at.UTC().Format(time.RFC3339Nano)), "tenant": store.AV(tenant),
		store.TTL: store.AV(at.Add(outbox.Retention).Unix())}
	if err := tb.Put(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return id
}

// refuse stands for a bus that can never take one type (a poison record).
type refuse struct {
	next relay.Publisher
	typ  string
}

func (r refuse) Publish(ctx context.Context, evs []outbox.Event) []error {
	errs := make([]error, len(evs))
	var pass []outbox.Event
	var at []int
	for i, ev := range evs {
		if ev.Type == r.typ {
			errs[i] = errors.New("eventbridge: ValidationException: refused")
			continue
		}
		pass, at = append(pass, ev), append(at, i)
	}
	if len(pass) > 0 {
		for j, err := range r.next.Publish(ctx, pass) {
			errs[at[j]] = err
		}
	}
	return errs
}

func provision(t *testing.T, db store.DB, control, prefix string) *tenancy.ControlPlane {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateTable(ctx, control); err != nil {
		t.Fatal(err)
	}
	cp := &tenancy.ControlPlane{DB: db, Table: db.Table(control), TablePrefix: prefix}
	for _, k := range []string{"acme", "globex"} {
		if _, _, err := cp.Provision(ctx, tenancy.NewTenant{Key: k, CompanyName: k, AdminName: "A", AdminEmail: "a@" + k + ".test", AdminPassword: "correct-horse-42"}); err != nil {
			t.Fatal(err)
		}
	}
	return cp
}

// sqsCall is one signed request of SQS's JSON protocol.
func sqsCall(t *testing.T, cfg aws.Config, op string, body, out any) {
	t.Helper()
	if err := awssign.Do(context.Background(), cfg, awssign.Request{Service: "sqs", Host: "sqs",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + op},
		Body:    body, Response: out}); err != nil {
		t.Fatalf("sqs %s: %v", op, err)
	}
}

func eventsCall(t *testing.T, cfg aws.Config, op string, body any) {
	t.Helper()
	if err := awssign.Do(context.Background(), cfg, awssign.Request{Service: "events", Host: "events",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents." + op},
		Body:    body}); err != nil {
		t.Fatalf("events %s: %v", op, err)
	}
}

// Against moto: the tenants' tables on DynamoDB and the events through a
// real PutEvents to a bus whose rule sends every Payvand event to an SQS
// queue, read back to see exactly what consumers would get.
func TestSweepRepublishesMissedRecordsThroughEventBridge(t *testing.T) {
	cfg := moto.AWS(t)
	ctx := context.Background()
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	cp := provision(t, dynamodb.New(cfg, nil), "pvsweep-control-"+run, "pvsweep"+run+"-")
	busName, queue := "pvsweep-bus-"+run, "pvsweep-events-"+run
	eventsCall(t, cfg, "CreateEventBus", map[string]string{"Name": busName})
	var q struct{ QueueUrl string }
	sqsCall(t, cfg, "CreateQueue", map[string]string{"QueueName": queue}, &q)
	eventsCall(t, cfg, "PutRule", map[string]string{"Name": "all", "EventBusName": busName, "EventPattern": `{"source":["payvand"]}`})
	eventsCall(t, cfg, "PutTargets", map[string]any{"Rule": "all", "EventBusName": busName,
		"Targets": []map[string]string{{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:" + queue}}})

	// Drain what provisioning recorded: this test is about what the
	// stream relay missed.
	bus := &events.EventBridge{Config: cfg, BusName: busName}
	for _, k := range []string{"acme", "globex"} {
		relay.Drain(ctx, cp.TableFor(k), k, &refuse{next: events.Publisher(bus.PublishEnvelopes)})
	}
	purge(t, cfg, q.QueueUrl)

	now := time.Now()
	acme, globex := cp.TableFor("acme"), cp.TableFor("globex")
	missed := putOld(t, acme, "acme", now.Add(-time.Hour), "customer.created", `{"id":"c1","name":"Sara"}`)
	big := putOld(t, globex, "globex", now.Add(-30*time.Minute), "document.updated",
		`{"id":"d1","title":"Report","body":"`+strings.Repeat("z", 300*1024)+`"}`)
	poison := putOld(t, acme, "acme", now.Add(-20*time.Minute), "bad.type", `{"id":"p1"}`)
	recent := putOld(t, acme, "acme", now.Add(-time.Minute), "customer.updated", `{"id":"c1"}`)

	sw := &relay.Sweeper{Pub: refuse{next: events.Publisher(bus.PublishEnvelopes), typ: "bad.type"}, MinAge: relay.SweepAge, MaxAttempts: 2}
	got, err := Run(ctx, cp, sw)
	if err != nil || got.Published != 2 || got.Refused != 1 || got.DeadLettered != 0 {
		t.Fatalf("first sweep %+v %v", got, err)
	}
	sent := received(t, cfg, q.QueueUrl, 2)
	var m map[string]any
	json.Unmarshal(sent[missed].Data, &m)
	if e := sent[missed]; e.Tenant != "acme" || e.Type != "customer.created" || len(m) != 2 || m["id"] != "c1" || m["name"] != "Sara" {
		t.Errorf("the missed event arrived as %+v", e)
	}
	var d map[string]any
	json.Unmarshal(sent[big].Data, &d)
	if d["data_truncated"] != true || d["id"] != "d1" || d["title"] != "Report" || d["body"] != nil || sent[big].Tenant != "globex" {
		t.Errorf("the 300 KB event arrived as %s", sent[big].Data)
	}
	if _, ok := sent[recent]; ok {
		t.Error("a record younger than the sweep age was swept (the stream relay's)")
	}
	got, err = Run(ctx, cp, sw)
	if err != nil || got.DeadLettered != 1 || got.Dead != 1 || got.Published != 0 {
		t.Fatalf("second sweep %+v %v", got, err)
	}
	p, _ := acme.Query(ctx, store.Query{PK: relay.DeadPartition})
	if len(p.Items) != 1 || store.Str(p.Items[0], store.SK) != poison {
		t.Fatalf("dead letters %v", p.Items)
	}
	p, _ = acme.Query(ctx, store.Query{PK: outbox.Partition})
	if len(p.Items) != 1 || store.Str(p.Items[0], store.SK) != recent {
		t.Fatalf("acme's outbox keeps %d records, want the recent one", len(p.Items))
	}
	var buf bytes.Buffer
	Metrics(&buf, "dev", got, now)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["OutboxDead"] != float64(1) || line["Stage"] != "dev" ||
		!strings.Contains(buf.String(), `"Namespace":"Payvand"`) || !strings.Contains(buf.String(), `"Name":"OutboxDead"`) {
		t.Fatalf("metrics line %s", buf.String())
	}
}

// The same sweep on the local shape: the embedded store and the
// in-process bus.
func TestSweepOnTheEmbeddedStore(t *testing.T) {
	db, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cp := provision(t, db, "control", "pv-tenant-")
	bus := &events.InProcess{}
	var got []outbox.Event
	bus.Subscribe("test", nil, func(_ context.Context, ev outbox.Event) error { got = append(got, ev); return nil })
	ctx := context.Background()
	for _, k := range []string{"acme", "globex"} {
		relay.Drain(ctx, cp.TableFor(k), k, events.Publisher(bus.PublishEnvelopes))
	}
	got = nil
	missed := putOld(t, cp.TableFor("globex"), "globex", time.Now().Add(-time.Hour), "deal.won", `{"id":"d9"}`)
	sw := &relay.Sweeper{Pub: events.Publisher(bus.PublishEnvelopes), MinAge: relay.SweepAge}
	if s, err := Run(ctx, cp, sw); err != nil || s.Published != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	if len(got) != 1 || got[0].ID != missed || got[0].Tenant != "globex" {
		t.Fatalf("delivered %+v", got)
	}
}

func purge(t *testing.T, cfg aws.Config, url string) {
	sqsCall(t, cfg, "PurgeQueue", map[string]string{"QueueUrl": url}, nil)
}

// received reads n events from the queue (the rule's copies), by id.
func received(t *testing.T, cfg aws.Config, url string, n int) map[string]outbox.Event {
	t.Helper()
	out := map[string]outbox.Event{}
	for range 10 {
		var r struct{ Messages []struct{ Body string } }
		sqsCall(t, cfg, "ReceiveMessage", map[string]any{"QueueUrl": url, "MaxNumberOfMessages": 10}, &r)
		for _, m := range r.Messages {
			var e struct {
				DetailType string       `json:"detail-type"`
				Source     string       `json:"source"`
				Detail     outbox.Event `json:"detail"`
			}
			if err := json.Unmarshal([]byte(m.Body), &e); err != nil {
				t.Fatalf("message %s: %v", m.Body, err)
			}
			if e.Source != "payvand" || e.DetailType != e.Detail.Type {
				t.Fatalf("event %s", m.Body)
			}
			out[e.Detail.ID] = e.Detail
		}
		if len(out) >= n || len(r.Messages) == 0 {
			break
		}
	}
	if len(out) != n {
		t.Fatalf("%d events on the bus, want %d", len(out), n)
	}
	return out
}
