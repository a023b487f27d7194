package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/store"
)

// Wiring connects tenant tables' streams to the relay Lambda by signed
// requests (the Lambda and DynamoDB SDK clients would weigh on every
// function that provisions tenants). It implements tenancy.StreamWiring.
type Wiring struct {
	AWS      aws.Config
	Function string // the relay function's name or ARN
	// OnFailure is the ARN of the queue a mapping sends a batch to when
	// the relay failed it RetryAttempts times (the value of
	// FailureQueueEnv when empty; no destination when both are).
	OnFailure string
}

// FailureQueueEnv names the variable that carries the ARN of the relay's
// on-failure queue to the functions that attach mappings (manifest.Env).
const FailureQueueEnv = "PAYVAND_RELAY_FAILURE_QUEUE_ARN"

// RetryAttempts bounds the retries of a failed batch (bisected on every
// failure, so ten retries isolate a poison record in a batch of 100):
// after them the mapping sends the batch's description to the on-failure
// queue and moves on, and the record waits in the outbox for the sweep
// (Sweeper), which republishes it or dead-letters it. Unbounded retries
// (-1) would hold the whole shard behind one poison record for 24 hours
// and then drop it.
const RetryAttempts = 10

func (w *Wiring) onFailure() string {
	if w.OnFailure != "" {
		return w.OnFailure
	}
	return os.Getenv(FailureQueueEnv)
}

// config is what every relay mapping is made with and converged to.
func (w *Wiring) config() map[string]any {
	c := map[string]any{
		"FunctionName": w.Function, "Enabled": true,
		"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0,
		"FunctionResponseTypes":      []string{"ReportBatchItemFailures"},
		"BisectBatchOnFunctionError": true,
		"MaximumRetryAttempts":       RetryAttempts,
		"MaximumRecordAgeInSeconds":  -1, // the retries bound the wait, not the age
		"FilterCriteria":             map[string]any{"Filters": []map[string]string{{"Pattern": outboxFilter}}},
	}
	if d := w.onFailure(); d != "" {
		c["DestinationConfig"] = map[string]any{"OnFailure": map[string]string{"Destination": d}}
	}
	return c
}

// outboxFilter lets only new outbox records invoke the relay: a tenant
// table's other writes never cost an invocation.
const outboxFilter = `{"eventName":["INSERT"],"dynamodb":{"Keys":{"PK":{"S":["OUTBOX"]}}}}`

// StreamARN returns the table's stream, enabling it (NEW_IMAGE) on a
// table made before streams were (the backfill).
func (w *Wiring) StreamARN(ctx context.Context, table string) (string, error) {
	for i := 0; ; i++ {
		var out struct {
			Table struct {
				LatestStreamArn     string
				StreamSpecification *struct{ StreamEnabled bool }
			}
		}
		if err := w.dynamo(ctx, "DescribeTable", map[string]any{"TableName": table}, &out); err != nil {
			return "", err
		}
		if out.Table.LatestStreamArn != "" && out.Table.StreamSpecification != nil && out.Table.StreamSpecification.StreamEnabled {
			return out.Table.LatestStreamArn, nil
		}
		if i == 0 {
			err := w.dynamo(ctx, "UpdateTable", map[string]any{"TableName": table,
				"StreamSpecification": map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}, nil)
			if err != nil {
				return "", fmt.Errorf("enable the stream of %s: %w", table, err)
			}
		}
		if i > 60 {
			return "", fmt.Errorf("the stream of %s did not appear", table)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Attach makes the event source mapping of the table's stream, or
// brings an existing one to the current configuration (a mapping made
// before retries were bounded keeps MaximumRetryAttempts -1 until it is
// updated): running it again changes nothing.
func (w *Wiring) Attach(ctx context.Context, table string) error {
	arn, err := w.StreamARN(ctx, table)
	if err != nil {
		return err
	}
	ms, err := w.mappings(ctx, arn)
	if err != nil {
		return err
	}
	want := w.config()
	if len(ms) > 0 {
		for _, m := range ms {
			if m.matches(want) {
				continue
			}
			if err := w.update(ctx, m.UUID, want); err != nil {
				return fmt.Errorf("update the relay mapping %s of %s: %w", m.UUID, table, err)
			}
		}
		return nil
	}
	body := map[string]any{"EventSourceArn": arn,
		// From the stream's start: records written between the table's
		// creation and this mapping are relayed too.
		"StartingPosition": "TRIM_HORIZON"}
	for k, v := range want {
		body[k] = v
	}
	err = w.lambda(ctx, http.MethodPost, "/2015-03-31/event-source-mappings/", body, nil)
	var ae *awssign.Error
	if errors.As(err, &ae) && ae.Code == "ResourceConflictException" {
		return nil // made meanwhile
	}
	return err
}

// update sends UpdateEventSourceMapping, waiting while the mapping is
// still being created or updated (ResourceInUseException).
func (w *Wiring) update(ctx context.Context, uuid string, want map[string]any) error {
	for i := 0; ; i++ {
		err := w.lambda(ctx, http.MethodPut, "/2015-03-31/event-source-mappings/"+url.PathEscape(uuid), want, nil)
		var ae *awssign.Error
		if err == nil || !errors.As(err, &ae) || !strings.Contains(ae.Code, "ResourceInUseException") || i >= 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// Detach removes the table's mappings (before the table is purged).
func (w *Wiring) Detach(ctx context.Context, table string) error {
	var out struct {
		Table struct{ LatestStreamArn string }
	}
	if err := w.dynamo(ctx, "DescribeTable", map[string]any{"TableName": table}, &out); err != nil {
		var ae *awssign.Error
		if errors.As(err, &ae) && ae.Code != "" && (ae.Code == "ResourceNotFoundException" || hasSuffix(ae.Code, "#ResourceNotFoundException")) {
			return nil
		}
		return err
	}
	if out.Table.LatestStreamArn == "" {
		return nil
	}
	ms, err := w.mappings(ctx, out.Table.LatestStreamArn)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := w.lambda(ctx, http.MethodDelete, "/2015-03-31/event-source-mappings/"+url.PathEscape(m.UUID), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// mapping is what the relay reads of an event source mapping.
type mapping struct {
	UUID                           string
	BatchSize                      int
	MaximumBatchingWindowInSeconds int
	MaximumRetryAttempts           int
	MaximumRecordAgeInSeconds      int
	BisectBatchOnFunctionError     bool
	FunctionResponseTypes          []string
	State                          string
	FilterCriteria                 struct{ Filters []struct{ Pattern string } }
	DestinationConfig              struct{ OnFailure struct{ Destination string } }
}

// matches reports whether the mapping has the configuration want.
func (m mapping) matches(want map[string]any) bool {
	if m.MaximumRetryAttempts != want["MaximumRetryAttempts"] || m.MaximumRecordAgeInSeconds != want["MaximumRecordAgeInSeconds"] ||
		m.BisectBatchOnFunctionError != want["BisectBatchOnFunctionError"] || m.BatchSize != want["BatchSize"] ||
		m.MaximumBatchingWindowInSeconds != want["MaximumBatchingWindowInSeconds"] ||
		!slices.Equal(m.FunctionResponseTypes, want["FunctionResponseTypes"].([]string)) ||
		len(m.FilterCriteria.Filters) != 1 || !samePattern(m.FilterCriteria.Filters[0].Pattern, outboxFilter) {
		return false
	}
	if d, ok := want["DestinationConfig"].(map[string]any); ok {
		return m.DestinationConfig.OnFailure.Destination == d["OnFailure"].(map[string]string)["Destination"]
	}
	return true
}

// samePattern compares filter patterns as JSON (AWS may answer with
// other spacing or member order).
func samePattern(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

func (w *Wiring) mappings(ctx context.Context, streamARN string) ([]mapping, error) {
	var out struct {
		EventSourceMappings []mapping
	}
	q := url.Values{"EventSourceArn": {streamARN}, "FunctionName": {w.Function}}
	if err := w.lambda(ctx, http.MethodGet, "/2015-03-31/event-source-mappings/?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return out.EventSourceMappings, nil
}

func (w *Wiring) dynamo(ctx context.Context, target string, body, out any) error {
	return awssign.Do(ctx, w.AWS, awssign.Request{Service: "dynamodb", Host: "dynamodb",
		Headers: map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + target},
		Body:    body, Response: out})
}

// lambda sends one signed request to the Lambda REST API.
func (w *Wiring) lambda(ctx context.Context, method, path string, body, out any) error {
	return awssign.Do(ctx, w.AWS, awssign.Request{Service: "lambda", Host: "lambda", Method: method, Path: path, Body: body, Response: out})
}

// SignedDelete deletes outbox records with one signed DeleteItem request
// each, so the relay binary carries no DynamoDB client.
func SignedDelete(cfg aws.Config) func(context.Context, string, store.Key) error {
	return func(ctx context.Context, table string, key store.Key) error {
		return awssign.Do(ctx, cfg, awssign.Request{Service: "dynamodb", Host: "dynamodb",
			Headers: map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.DeleteItem"},
			Body: map[string]any{"TableName": table, "Key": map[string]any{
				store.PK: map[string]string{"S": key.PK}, store.SK: map[string]string{"S": key.SK}}}})
	}
}
