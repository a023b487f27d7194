package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"payvand.dev/functions/consumers"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/awssign"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func event(t *testing.T, typ string, detail any) awsevents.CloudWatchEvent {
	b, _ := json.Marshal(detail)
	return awsevents.CloudWatchEvent{DetailType: typ, Source: "payvand", Detail: b}
}

// The worker Lambda's path against moto: a scheduled campaign gets a
// one-time EventBridge Scheduler schedule that puts email.campaign_due on
// the bus no earlier than its time (made once, however often the event
// comes); the due event releases it; the queued event sends it.
func TestScheduledCampaignThroughEventBridgeScheduler(t *testing.T) {
	e := apitest.NewDynamoDB(t)
	ctx := context.Background()
	bus := "arn:aws:events:us-east-1:123456789012:event-bus/payvand-test-events"
	timer := &campaign.SchedulerTimer{AWS: e.Deps.AWS, BusARN: bus, RoleARN: "arn:aws:iam::123456789012:role/payvand-test-scheduler"}
	tables := func(tenant string) store.Table { return e.Deps.Control.TableFor(tenant) }
	w, err := consumers.CampaignWorker(e.Deps, tables, timer)
	if err != nil {
		t.Fatal(err)
	}
	ceo := e.CEO("alpha")
	at := time.Now().Add(time.Hour).UTC()
	id := e.Do("POST", "/api/email/bulk", ceo, map[string]any{"subject": "Later", "text": "x", "recipients": []string{"a@example.com", "b@example.com"},
		"schedule_at": at.Format(time.RFC3339Nano)}).Want(t, 202).JSON["campaign_id"].(string)

	var scheduled outbox.Event
	p, err := tables("alpha").Query(ctx, store.Query{PK: outbox.Partition})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if store.Str(it, "detail_type") == campaign.EventScheduled {
			scheduled = outbox.Event{ID: store.Str(it, store.SK), Type: campaign.EventScheduled, Tenant: "alpha", Data: json.RawMessage(store.Str(it, "detail"))}
		}
	}
	if scheduled.ID == "" {
		t.Fatal("no email.campaign_scheduled event in the outbox")
	}
	for range 2 { // a redelivered event makes no second schedule
		if err := Handle(ctx, w, event(t, campaign.EventScheduled, scheduled)); err != nil {
			t.Fatal(err)
		}
	}
	var got struct {
		ScheduleExpression, ScheduleExpressionTimezone, ActionAfterCompletion string
		Target                                                                struct {
			Arn, RoleArn, Input   string
			EventBridgeParameters struct{ DetailType, Source string }
		}
	}
	if err := awssign.Do(ctx, e.Deps.AWS, awssign.Request{Service: "scheduler", Host: "scheduler", Method: "GET", Path: "/schedules/" + url.PathEscape("campaign-"+id), Response: &got}); err != nil {
		t.Fatal(err)
	}
	fires, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(strings.TrimPrefix(got.ScheduleExpression, "at("), ")"))
	if err != nil || fires.Before(at) || fires.After(at.Add(2*time.Second)) || got.ScheduleExpressionTimezone != "UTC" || got.ActionAfterCompletion != "DELETE" {
		t.Fatalf("schedule %+v (at %s)", got, at)
	}
	if got.Target.Arn != bus || got.Target.EventBridgeParameters.DetailType != campaign.EventDue || got.Target.EventBridgeParameters.Source != "payvand" {
		t.Fatalf("target %+v", got.Target)
	}
	var due campaign.Due
	if json.Unmarshal([]byte(got.Target.Input), &due) != nil || due.Tenant != "alpha" || due.CampaignID != id {
		t.Fatalf("input %q", got.Target.Input)
	}

	// Early (a clock skew, a replay): nothing happens.
	if err := Handle(ctx, w, event(t, campaign.EventDue, due)); err != nil {
		t.Fatal(err)
	}
	if c := e.Do("GET", "/api/email/bulk/"+id, ceo, nil).Want(t, 200).Data(); c["status"] != "scheduled" {
		t.Fatalf("released before its time: %v", c["status"])
	}
	// At its time: released, then sent by the queued event.
	if err := campaign.Release(ctx, tables("alpha"), id, at); err != nil {
		t.Fatal(err)
	}
	queued := outbox.Event{ID: "q1", Type: campaign.EventQueued, Tenant: "alpha", Data: json.RawMessage(`{"campaign_id":"` + id + `"}`)}
	if err := Handle(ctx, w, event(t, campaign.EventQueued, queued)); err != nil {
		t.Fatal(err)
	}
	if c := e.Do("GET", "/api/email/bulk/"+id, ceo, nil).Want(t, 200).Data(); c["status"] != "completed" || c["sent"] != float64(2) {
		t.Fatalf("campaign %v", c)
	}
	// Malformed events are dropped, not retried.
	if err := Handle(ctx, w, awsevents.CloudWatchEvent{DetailType: campaign.EventDue, Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}
