package events

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssign"
)

// Source of every Payvand event on the bus.
const Source = "payvand"

// Detail types that start work in a consumer function.
const ImportRequested = "import.requested"

// Bus publishes events.
type Bus interface {
	Publish(ctx context.Context, detailType string, detail any) error
}

// EventBridge publishes to a bus with one signed PutEvents request (the
// SDK client would add its initialization to every cold start).
type EventBridge struct {
	Config  aws.Config
	BusName string
}

func (b *EventBridge) Publish(ctx context.Context, detailType string, detail any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var out struct {
		FailedEntryCount int
		Entries          []struct{ ErrorCode, ErrorMessage string }
	}
	err = awssign.Do(ctx, b.Config, awssign.Request{Service: "events", Host: "events",
		Headers:  map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"},
		Body:     map[string]any{"Entries": []map[string]any{{"Source": Source, "DetailType": detailType, "Detail": string(d), "EventBusName": b.BusName}}},
		Response: &out})
	if err != nil {
		return fmt.Errorf("eventbridge: %w", err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		return fmt.Errorf("eventbridge: %s: %s", out.Entries[0].ErrorCode, out.Entries[0].ErrorMessage)
	}
	return nil
}
