// Package importapi is the import route group: customers and contacts
// from CSV or XLSX, small files answered at once, large ones as jobs.
package importapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/events"
	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/imports"
)

// SyncRows is the largest file answered in the request; beyond it the
// import runs as a job and the request returns 202 at once.
const SyncRows = 200

// MaxFileBytes bounds an upload.
const MaxFileBytes = 20 << 20

// Deps are what imports use.
type Deps struct {
	Importer *imports.Importer
	// Background runs a job after the response (local mode).
	Background func(func(ctx context.Context))
	// Queue hands a job to the worker function (AWS): the file goes to the
	// file store and an import.requested event to the bus.
	Queue func(ctx context.Context, r imports.Request, file []byte) error
}

// UploadInput is the multipart file (field "file"); dry_run checks every
// row without writing.
type UploadInput struct {
	DryRun   bool   `query:"dry_run" doc:"Validate and match every row, write nothing"`
	Encoding string `query:"encoding" doc:"The text encoding of a CSV file (also a form field): utf-8, utf-16, utf-16le, utf-16be, windows-1256 or windows-1252; detected when left out"`
	RawBody  huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"CSV or tab-separated text (UTF-8, UTF-16, Windows-1256 or Windows-1252: detected, or named by encoding) or XLSX"`
	}]
}

// Accepted is a finished import (200: data holds only its status and
// report) or a started job (202: data is the job record, with job_id and
// status_url). Rabin's imported_count is created + updated.
type Accepted struct {
	Status int
	Body   struct {
		Success       bool         `json:"success"`
		ImportedCount int          `json:"imported_count"`
		Data          *imports.Job `json:"data"`
		JobID         string       `json:"job_id,omitempty"`
		StatusURL     string       `json:"status_url,omitempty"`
		Message       string       `json:"message"`
	}
}

// modules are what each kind of import needs: to start one, and to read
// its job's counts and errors.
var modules = map[string]string{imports.Customers: "customers", imports.Contacts: "contacts"}

func noModule(module string) error {
	return &crm.Error{Code: crm.EFORBIDDEN, Message: "You do not have access to the " + module + " module.", Key: "module-forbidden", Args: []any{module}}
}

// Register mounts the import routes.
func Register(s *httpapi.Server, d Deps) {
	for _, kind := range []string{imports.Customers, imports.Contacts} {
		httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/import/" + kind, ID: "import-" + kind, Tags: []string{"Import"},
			Realm: httpapi.TenantUsers, Module: modules[kind], Feature: modules[kind], RateClass: "upload", MaxBodySize: MaxFileBytes + 1<<20, Status: http.StatusOK,
			Summary: "Import " + kind + " from CSV or XLSX (English or Persian headers); matching email or phone updates instead of adding"},
			func(ctx context.Context, in *UploadInput) (*Accepted, error) { return d.upload(ctx, kind, in) })
	}
	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/import/jobs/{id}", ID: "import-job", Tags: []string{"Import"},
		Realm: httpapi.TenantUsers, Summary: "An import job's status, counts and first errors (needs the module of its kind: customers or contacts)"},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[*imports.Job], error) {
			// A caller with neither module is refused before anything is
			// read; the job's own kind decides once it is.
			p := auth.PrincipalFrom(ctx)
			if !p.HasModule(modules[imports.Customers]) && !p.HasModule(modules[imports.Contacts]) {
				return nil, noModule(modules[imports.Customers])
			}
			t, err := d.Importer.Tables.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			j, err := imports.GetJob(ctx, t, in.ID)
			if err != nil {
				return nil, err
			}
			if m := modules[j.Report.Kind]; !p.HasModule(m) {
				return nil, noModule(m)
			}
			return httpapi.OK(j, ""), nil
		})
}

func (d Deps) upload(ctx context.Context, kind string, in *UploadInput) (*Accepted, error) {
	f := in.RawBody.Data().File
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, crm.Wrap(err, "read upload")
	}
	if len(data) > MaxFileBytes {
		return nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the file is larger than 20 MB"}
	}
	dry := in.DryRun
	if v := in.RawBody.Form.Value["dry_run"]; len(v) > 0 && (v[0] == "true" || v[0] == "1") {
		dry = true
	}
	enc := in.Encoding
	if v := in.RawBody.Form.Value["encoding"]; len(v) > 0 && v[0] != "" {
		enc = v[0]
	}
	if enc, err = imports.CheckEncoding(enc); err != nil {
		return nil, err
	}
	tbl, err := imports.ParseEncoding(data, enc)
	needsWorker := errors.Is(err, imports.ErrNeedsWorker) && d.Queue != nil
	if err != nil && !needsWorker {
		return nil, err
	}
	out := &Accepted{Status: http.StatusOK}
	if !needsWorker && (len(tbl.Rows) <= SyncRows || (d.Background == nil && d.Queue == nil)) {
		r, err := d.Importer.Run(ctx, kind, tbl, dry, nil)
		if err != nil {
			return nil, err
		}
		out.Body.Success, out.Body.Message, out.Body.ImportedCount = true, "import finished", r.Created+r.Updated
		if dry {
			out.Body.Message, out.Body.ImportedCount = "dry run: nothing written", 0
		}
		out.Body.Data = &imports.Job{Status: imports.Completed, Report: r}
		return out, nil
	}
	p := auth.PrincipalFrom(ctx)
	total := 0 // an XLSX file is counted by the worker
	if tbl != nil {
		total = len(tbl.Rows)
	}
	j := imports.NewJob(imports.Report{Kind: kind, DryRun: dry, Total: total, Unmapped: []string{}, Errors: []imports.RowError{}}, p.Subject)
	t, err := d.Importer.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if err := imports.SaveJob(ctx, t, j); err != nil {
		return nil, err
	}
	if d.Queue != nil {
		req := imports.Request{TenantKey: p.TenantKey, JobID: j.ID, Kind: kind, FileKey: imports.FileKey(p.TenantKey, j.ID), Actor: p.Subject, Encoding: enc}
		if err := d.Queue(ctx, req, data); err != nil {
			return nil, err
		}
	} else {
		// The job outlives the request but keeps its tenant and caller.
		jobCtx := auth.WithPrincipal(context.WithoutCancel(ctx), p)
		d.Background(func(context.Context) {
			defer func() {
				if v := recover(); v != nil {
					slog.Error("import job panicked", "job", j.ID, "panic", v)
				}
			}()
			d.Importer.RunJob(jobCtx, j, kind, tbl)
		})
	}
	out.Status = http.StatusAccepted
	out.Body.Success, out.Body.Data, out.Body.JobID = true, j, j.ID
	out.Body.StatusURL, out.Body.Message = "/api/import/jobs/"+j.ID, "import started"
	return out, nil
}

// Mount is the import route group. Locally jobs run in a goroutine of the
// process; on AWS they go to the worker function through S3 and the bus.
func Mount() app.Mount {
	return app.Mount{Name: "imports", Register: func(s *httpapi.Server, d *app.Deps) {
		deps := Deps{Importer: &imports.Importer{Service: d.Customers, Tables: d.Control}, Background: d.Background}
		if d.Background == nil && d.Bus != nil && d.Blob != nil {
			deps.Queue = func(ctx context.Context, r imports.Request, file []byte) error {
				if err := d.Blob.Put(ctx, r.FileKey, "application/octet-stream", file); err != nil {
					return err
				}
				return d.Bus.Publish(ctx, events.ImportRequested, r)
			}
		}
		Register(s, deps)
	}}
}
