package relay_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/shared/relay"
	"payvand.dev/shared/store/embedded"
	"payvand.dev/shared/tenancy"
)

// fakeAWS answers DescribeTable, UpdateTable and the Lambda event source
// mapping API as AWS does, and records the calls.
type fakeAWS struct {
	mu       sync.Mutex
	stream   bool
	mappings map[string]map[string]any // uuid → mapping
	calls    []string
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
		http.Error(w, "unsigned", 403)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	json.Unmarshal(body, &in)
	call := r.Method + " " + r.URL.Path
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		call = t
	}
	f.calls = append(f.calls, call)
	arn := "arn:aws:dynamodb:us-east-1:1:table/" + "pv-tenant-acme" + "/stream/2026"
	switch {
	case call == "DynamoDB_20120810.DescribeTable":
		tbl := map[string]any{"TableName": in["TableName"]}
		if f.stream {
			tbl["LatestStreamArn"] = arn
			tbl["StreamSpecification"] = map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}
		}
		json.NewEncoder(w).Encode(map[string]any{"Table": tbl})
	case call == "DynamoDB_20120810.UpdateTable":
		f.stream = true
		w.Write([]byte("{}"))
	case r.Method == "GET" && r.URL.Path == "/2015-03-31/event-source-mappings/":
		out := []map[string]any{}
		for id, m := range f.mappings {
			if m["EventSourceArn"] == r.URL.Query().Get("EventSourceArn") && m["FunctionName"] == r.URL.Query().Get("FunctionName") {
				c := map[string]any{"UUID": id, "State": "Enabled"}
				for k, v := range m {
					c[k] = v
				}
				out = append(out, c)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"EventSourceMappings": out})
	case r.Method == "POST" && r.URL.Path == "/2015-03-31/event-source-mappings/":
		id := "uuid-" + time.Now().Format("150405.000000")
		f.mappings[id] = in
		w.WriteHeader(202)
		json.NewEncoder(w).Encode(map[string]any{"UUID": id})
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/2015-03-31/event-source-mappings/"):
		m := f.mappings[strings.TrimPrefix(r.URL.Path, "/2015-03-31/event-source-mappings/")]
		if m == nil {
			http.Error(w, `{"Type":"ResourceNotFoundException"}`, 404)
			return
		}
		for k, v := range in { // UpdateEventSourceMapping changes only what it is given
			m[k] = v
		}
		w.WriteHeader(202)
		w.Write([]byte("{}"))
	case r.Method == "DELETE" && strings.HasPrefix(r.URL.Path, "/2015-03-31/event-source-mappings/"):
		delete(f.mappings, strings.TrimPrefix(r.URL.Path, "/2015-03-31/event-source-mappings/"))
		w.WriteHeader(202)
		w.Write([]byte("{}"))
	default:
		http.Error(w, "unexpected "+call, 400)
	}
}

func TestProvisioningAttachesTheRelayAndThePurgeDetachesIt(t *testing.T) {
	fake := &fakeAWS{mappings: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), BaseEndpoint: aws.String(srv.URL)}
	w := &relay.Wiring{AWS: cfg, Function: "payvand-dev-relay", OnFailure: failureQueue}

	ctx := context.Background()
	db, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.CreateTable(ctx, "control")
	cp := &tenancy.ControlPlane{DB: db, Table: db.Table("control"), TablePrefix: "pv-tenant-", Streams: w}
	// A table made before streams (the backfill case): Attach enables it.
	ten, _, err := cp.Provision(ctx, tenancy.NewTenant{Key: "acme", CompanyName: "Acme", AdminName: "A", AdminEmail: "a@acme.test", AdminPassword: "correct-horse-42"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.mappings) != 1 {
		t.Fatalf("%d mappings after provisioning, calls %v", len(fake.mappings), fake.calls)
	}
	for _, m := range fake.mappings {
		filter, _ := json.Marshal(m["FilterCriteria"])
		if m["FunctionName"] != "payvand-dev-relay" || m["StartingPosition"] != "TRIM_HORIZON" ||
			!strings.Contains(string(filter), `OUTBOX`) || m["FunctionResponseTypes"].([]any)[0] != "ReportBatchItemFailures" {
			t.Fatalf("mapping %v", m)
		}
		wantBounded(t, m)
	}
	// Idempotent: a second attach (the backfill run again) adds nothing
	// and changes nothing.
	fake.calls = nil
	if err := w.Attach(ctx, ten.Table); err != nil || len(fake.mappings) != 1 {
		t.Fatalf("second attach: %v, %d mappings", err, len(fake.mappings))
	}
	for _, c := range fake.calls {
		if !strings.HasPrefix(c, "GET ") && !strings.HasPrefix(c, "DynamoDB_20120810.Describe") {
			t.Fatalf("a second attach of a connected table sent %s", c)
		}
	}
	ten.Status = tenancy.StatusInactive
	if err := cp.SaveTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	if err := cp.ScheduleDeletion(ctx, ten, time.Now().Add(-2*tenancy.DeletionGrace)); err != nil {
		t.Fatal(err)
	}
	purged, err := cp.PurgeDue(ctx, time.Now())
	if err != nil || len(purged) != 1 {
		t.Fatalf("purge %v %v", purged, err)
	}
	if len(fake.mappings) != 0 {
		t.Fatalf("mapping left after the purge: %v", fake.mappings)
	}
}

const failureQueue = "arn:aws:sqs:us-east-1:1:payvand-dev-relay-failures"

// wantBounded checks a mapping never holds its shard for a poison record:
// bounded retries, bisection, and the failure queue.
func wantBounded(t *testing.T, m map[string]any) {
	t.Helper()
	dest, _ := json.Marshal(m["DestinationConfig"])
	if m["MaximumRetryAttempts"] != float64(relay.RetryAttempts) || m["BisectBatchOnFunctionError"] != true ||
		string(dest) != `{"OnFailure":{"Destination":"`+failureQueue+`"}}` {
		t.Fatalf("mapping retries %v, bisects %v, on failure %s", m["MaximumRetryAttempts"], m["BisectBatchOnFunctionError"], dest)
	}
}

// A mapping made before retries were bounded (MaximumRetryAttempts -1, no
// destination) is brought to the current configuration by the next
// attach (relaybackfill), once.
func TestAttachConvergesAnOldMapping(t *testing.T) {
	arn := "arn:aws:dynamodb:us-east-1:1:table/pv-tenant-acme/stream/2026"
	fake := &fakeAWS{stream: true, mappings: map[string]map[string]any{"old": {
		"EventSourceArn": arn, "FunctionName": "payvand-dev-relay", "Enabled": true, "StartingPosition": "TRIM_HORIZON",
		"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		"BisectBatchOnFunctionError": true, "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1,
		"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"eventName": ["INSERT"], "dynamodb": {"Keys": {"PK": {"S": ["OUTBOX"]}}}}`}}},
	}}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), BaseEndpoint: aws.String(srv.URL)}
	// The destination comes from the environment the stack sets.
	t.Setenv(relay.FailureQueueEnv, failureQueue)
	w := &relay.Wiring{AWS: cfg, Function: "payvand-dev-relay"}
	ctx := context.Background()
	if err := w.Attach(ctx, "pv-tenant-acme"); err != nil {
		t.Fatal(err)
	}
	if len(fake.mappings) != 1 || fake.mappings["old"] == nil {
		t.Fatalf("mappings %v: the old one should be updated, not replaced", fake.mappings)
	}
	wantBounded(t, fake.mappings["old"])
	puts := 0
	for _, c := range fake.calls {
		if c == "PUT /2015-03-31/event-source-mappings/old" {
			puts++
		}
	}
	if puts != 1 {
		t.Fatalf("%d updates, want 1 (calls %v)", puts, fake.calls)
	}
	fake.calls = nil
	if err := w.Attach(ctx, "pv-tenant-acme"); err != nil {
		t.Fatal(err)
	}
	for _, c := range fake.calls {
		if strings.HasPrefix(c, "PUT ") || strings.HasPrefix(c, "POST ") {
			t.Fatalf("a converged mapping was changed again: %v", fake.calls)
		}
	}
}
