package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/awssign"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// streamEvent reads every record of a table's stream through moto's
// DynamoDB Streams API and shapes them as Lambda hands them to the relay.
func streamEvent(t *testing.T, ctx context.Context, c *dynamodbstreams.Client, arn string) relay.StreamEvent {
	t.Helper()
	d, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var ev relay.StreamEvent
	for _, sh := range d.StreamDescription.Shards {
		it, err := c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: st.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs.Records {
			var out relay.StreamRecord
			out.EventName, out.EventSourceARN = string(r.EventName), arn
			out.DynamoDB.SequenceNumber = aws.ToString(r.Dynamodb.SequenceNumber)
			out.DynamoDB.NewImage = map[string]relay.Attr{}
			for k, v := range r.Dynamodb.NewImage {
				switch x := v.(type) {
				case *st.AttributeValueMemberS:
					out.DynamoDB.NewImage[k] = relay.Attr{S: aws.String(x.Value)}
				case *st.AttributeValueMemberN:
					out.DynamoDB.NewImage[k] = relay.Attr{N: aws.String(x.Value)}
				}
			}
			ev.Records = append(ev.Records, out)
		}
	}
	return ev
}

type refuse struct {
	next relay.Publisher
	typ  string
	got  []outbox.Event
}

func (r *refuse) Publish(ctx context.Context, evs []outbox.Event) []error {
	var pass []outbox.Event
	var at []int
	errs := make([]error, len(evs))
	for i, ev := range evs {
		if ev.Type == r.typ {
			errs[i] = errors.New("refused")
			continue
		}
		pass, at = append(pass, ev), append(at, i)
	}
	for j, err := range r.next.Publish(ctx, pass) {
		errs[at[j]] = err
		if err == nil {
			r.got = append(r.got, pass[j])
		}
	}
	return errs
}

func TestRelayPublishesRecordsReadFromTheTablesStream(t *testing.T) {
	cfg := moto.AWS(t)
	ctx := context.Background()
	db := dynamodb.New(cfg, nil)
	table := "pvrelay-tenant-acme"
	if err := db.CreateTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	// The table's stream is on from its creation (NEW_IMAGE).
	arn, err := (&relay.Wiring{AWS: cfg, Function: "relay"}).StreamARN(ctx, table)
	if err != nil || arn == "" {
		t.Fatalf("stream of a new tenant table: %q %v", arn, err)
	}
	wctx := auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, Subject: "u1", TenantKey: "acme"})
	tb := db.Table(table)
	// 12 events: more than one PutEvents request of 10.
	for i := range 12 {
		typ := "task.created"
		if i == 5 {
			typ = "task.deleted"
		}
		if err := tb.TransactWrite(wctx, store.PutOp(store.Item{store.PK: store.AV("X"), store.SK: store.AV(string(rune('a' + i)))}), outbox.Op(wctx, typ, map[string]any{"i": i})); err != nil {
			t.Fatal(err)
		}
	}
	if err := awssign.Do(ctx, cfg, awssign.Request{Service: "events", Host: "events",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.CreateEventBus"},
		Body:    map[string]string{"Name": "pvrelay-bus"}}); err != nil {
		t.Fatal(err)
	}
	pub := &refuse{typ: "task.deleted"}
	ev := streamEvent(t, ctx, dynamodbstreams.NewFromConfig(cfg), arn)
	if len(ev.Records) < 24 {
		t.Fatalf("%d stream records, want the 12 items and 12 outbox records", len(ev.Records))
	}
	h := handler(cfg, "pvrelay-tenant-", "pvrelay-bus") // as the Lambda builds it: signed DeleteItem
	pub.next = h.Pub
	h.Pub = pub
	resp, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.got) != 11 || pub.got[0].Tenant != "acme" || pub.got[0].Actor != "u1" || pub.got[0].Type != "task.created" {
		t.Fatalf("published %d: %+v", len(pub.got), pub.got)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier == "" {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	p, _ := tb.Query(ctx, store.Query{PK: outbox.Partition})
	if len(p.Items) != 1 || store.Str(p.Items[0], "detail_type") != "task.deleted" {
		t.Fatalf("outbox keeps %d records, want only the refused one", len(p.Items))
	}
}

// A write can carry up to DynamoDB's 400 KB, EventBridge takes 256 KB:
// the stream relay publishes such an event shrunk to its ids (with
// data_truncated) and deletes its record, rather than failing it until
// the mapping gives up. Read back through a rule that copies the bus to
// an SQS queue.
func TestRelayShrinksAnEventTooLargeForEventBridge(t *testing.T) {
	cfg := moto.AWS(t)
	ctx := context.Background()
	db := dynamodb.New(cfg, nil)
	table := "pvrelaybig-tenant-acme"
	if err := db.CreateTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	arn, err := (&relay.Wiring{AWS: cfg, Function: "relay"}).StreamARN(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	call := func(service, target, ctype string, body, out any) {
		t.Helper()
		if err := awssign.Do(ctx, cfg, awssign.Request{Service: service, Host: service,
			Headers: map[string]string{"Content-Type": ctype, "X-Amz-Target": target}, Body: body, Response: out}); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
	}
	const js11, js10 = "application/x-amz-json-1.1", "application/x-amz-json-1.0"
	call("events", "AWSEvents.CreateEventBus", js11, map[string]string{"Name": "pvrelaybig-bus"}, nil)
	var q struct{ QueueUrl string }
	call("sqs", "AmazonSQS.CreateQueue", js10, map[string]string{"QueueName": "pvrelaybig-events"}, &q)
	call("events", "AWSEvents.PutRule", js11, map[string]string{"Name": "all", "EventBusName": "pvrelaybig-bus", "EventPattern": `{"source":["payvand"]}`}, nil)
	call("events", "AWSEvents.PutTargets", js11, map[string]any{"Rule": "all", "EventBusName": "pvrelaybig-bus",
		"Targets": []map[string]string{{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:pvrelaybig-events"}}}, nil)

	wctx := auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, Subject: "u1", TenantKey: "acme"})
	body := strings.Repeat("z", 300*1024)
	if err := db.Table(table).TransactWrite(wctx, outbox.Op(wctx, "document.updated", map[string]any{"id": "doc1", "customer_id": "c7", "body": body})); err != nil {
		t.Fatal(err)
	}
	h := handler(cfg, "pvrelaybig-tenant-", "pvrelaybig-bus")
	resp, err := h.Handle(ctx, streamEvent(t, ctx, dynamodbstreams.NewFromConfig(cfg), arn))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handle: %+v %v", resp, err)
	}
	var r struct{ Messages []struct{ Body string } }
	call("sqs", "AmazonSQS.ReceiveMessage", js10, map[string]any{"QueueUrl": q.QueueUrl, "MaxNumberOfMessages": 10}, &r)
	if len(r.Messages) != 1 {
		t.Fatalf("%d events on the bus", len(r.Messages))
	}
	var got struct {
		Detail struct {
			Tenant string         `json:"tenant"`
			Data   map[string]any `json:"data"`
		} `json:"detail"`
	}
	json.Unmarshal([]byte(r.Messages[0].Body), &got)
	d := got.Detail.Data
	if got.Detail.Tenant != "acme" || d["data_truncated"] != true || d["id"] != "doc1" || d["customer_id"] != "c7" || d["body"] != nil {
		keys := []string{}
		for k, v := range d {
			keys = append(keys, fmt.Sprintf("%s(%d bytes)", k, len(fmt.Sprint(v))))
		}
		t.Fatalf("the bus got tenant %q, data %v", got.Detail.Tenant, keys)
	}
	if p, _ := db.Table(table).Query(ctx, store.Query{PK: outbox.Partition}); len(p.Items) != 0 {
		t.Fatal("the published record was not deleted")
	}
}
