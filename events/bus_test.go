package events_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"payvand.dev/events"
	"payvand.dev/shared/awssign"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestEventBridgePublish(t *testing.T) {
	ep := moto.Endpoint(t)
	cfg := moto.AWS(t)
	ctx := context.Background()
	if err := awssign.Do(ctx, cfg, awssign.Request{Service: "events", Host: "events",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.CreateEventBus"},
		Body:    map[string]string{"Name": "payvand-test"}}); err != nil {
		t.Fatal(err)
	}
	bus := &events.EventBridge{Config: cfg, BusName: "payvand-test"}
	if err := bus.Publish(ctx, events.ImportRequested, map[string]string{"job_id": "j1"}); err != nil {
		t.Fatal(err)
	}
	if err := (&events.EventBridge{Config: cfg, BusName: "no-such-bus"}).Publish(ctx, "x", nil); err == nil {
		t.Log("moto accepted a missing bus; real EventBridge reports it per entry")
	}
	resp, err := http.Get(ep + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data map[string]any
	json.NewDecoder(resp.Body).Decode(&data)
	b, _ := json.Marshal(data["events"])
	if !strings.Contains(string(b), "payvand-test") {
		t.Fatalf("moto has no bus: %.300s", b)
	}
}
