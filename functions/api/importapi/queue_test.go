package importapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/api/importapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/imports"
)

type recordingBus struct{ requests []imports.Request }

func (b *recordingBus) Publish(_ context.Context, detailType string, detail any) error {
	if detailType != "import.requested" {
		return fmt.Errorf("unexpected %s", detailType)
	}
	raw, _ := json.Marshal(detail)
	var r imports.Request
	json.Unmarshal(raw, &r)
	b.requests = append(b.requests, r)
	return nil
}

// TestLargeImportGoesToTheWorker: as on AWS (no background goroutines), a
// large file is stored and announced on the bus; the worker's Serve runs
// the job from the stored file.
func TestLargeImportGoesToTheWorker(t *testing.T) {
	e := apitest.New(t)
	bus := &recordingBus{}
	e.Deps.Background, e.Deps.Bus = nil, bus
	h, err := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), importapi.Mount(), authapi.Mount())
	if err != nil {
		t.Fatal(err)
	}
	lambdaLike := &apitest.Env{T: t, Deps: e.Deps, Server: httptest.NewServer(h)}
	defer lambdaLike.Server.Close()
	tok := lambdaLike.CEO("alpha")
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "Queued %03d,q%03d@x.ir\n", i, i)
	}
	code, m := upload(t, lambdaLike, tok, "/api/import/customers", "q.csv", []byte(b.String()))
	if code != 202 || len(bus.requests) != 1 {
		t.Fatalf("queue: %d %v %v", code, m, bus.requests)
	}
	r := bus.requests[0]
	im := &imports.Importer{Service: e.Deps.Customers, Tables: e.Deps.Control}
	if err := im.Serve(context.Background(), e.Deps.Blob, r); err != nil {
		t.Fatal(err)
	}
	job := lambdaLike.Do("GET", "/api/import/jobs/"+r.JobID, tok, nil).Want(t, 200).Data()
	if job["status"] != "completed" || job["report"].(map[string]any)["created"] != float64(300) {
		t.Fatalf("job = %v", job)
	}
	if _, _, _, err := e.Deps.Blob.Get(context.Background(), r.FileKey); err == nil {
		t.Fatal("the import file was kept")
	}
	// A redelivered event does nothing.
	if err := im.Serve(context.Background(), e.Deps.Blob, r); err != nil {
		t.Fatal(err)
	}
}

// TestXLSXWithoutAReaderGoesToTheWorker: a binary without the spreadsheet
// library (the imports Lambda) hands XLSX files to the worker.
func TestXLSXWithoutAReaderGoesToTheWorker(t *testing.T) {
	e := apitest.New(t)
	bus := &recordingBus{}
	e.Deps.Background, e.Deps.Bus = nil, bus
	h, _ := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), importapi.Mount(), authapi.Mount())
	env := &apitest.Env{T: t, Deps: e.Deps, Server: httptest.NewServer(h)}
	defer env.Server.Close()
	tok := env.CEO("alpha")
	restore := imports.SwapXLSXReader(nil)
	code, m := upload(t, env, tok, "/api/import/contacts", "c.xlsx", file(t, "contacts_persian.xlsx"))
	restore()
	if code != 202 || len(bus.requests) != 1 {
		t.Fatalf("xlsx: %d %v", code, m)
	}
	im := &imports.Importer{Service: e.Deps.Customers, Tables: e.Deps.Control}
	if err := im.Serve(context.Background(), e.Deps.Blob, bus.requests[0]); err != nil {
		t.Fatal(err)
	}
	job := env.Do("GET", "/api/import/jobs/"+bus.requests[0].JobID, tok, nil).Want(t, 200).Data()
	if rep := job["report"].(map[string]any); job["status"] != "completed" || rep["created"] != float64(3) || rep["total"] != float64(3) {
		t.Fatalf("job = %v", job)
	}
}
