package imports

import (
	"context"
	"io"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
)

// Request asks a worker to run a job whose file waits in the file store
// (the detail of the import.requested event).
type Request struct {
	TenantKey string `json:"tenant_key"`
	JobID     string `json:"job_id"`
	Kind      string `json:"kind"`
	FileKey   string `json:"file_key"`
	Actor     string `json:"actor"`
	// Encoding is the text encoding the client named for a CSV file
	// (canonical, see CheckEncoding); empty: detected.
	Encoding string `json:"encoding,omitempty"`
}

// FileKey is where a job's file waits.
func FileKey(tenant, job string) string { return "imports/" + tenant + "/" + job }

// Serve runs the job of a request as the user who started it, then removes
// the file.
func (im *Importer) Serve(ctx context.Context, files blob.Store, r Request) error {
	ctx = auth.WithPrincipal(ctx, &auth.Principal{Realm: auth.RealmTenant, TenantKey: r.TenantKey, Subject: r.Actor})
	t, err := im.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	j, err := GetJob(ctx, t, r.JobID)
	if err != nil {
		return err
	}
	if j.Status != Queued {
		return nil // a redelivered event: the job already ran or runs
	}
	body, _, _, err := files.Get(ctx, r.FileKey)
	if err != nil {
		return crm.Wrap(err, "read import file")
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		return crm.Wrap(err, "read import file")
	}
	tbl, err := ParseEncoding(data, r.Encoding)
	if crm.ErrorCode(err) == crm.EVALIDATION {
		// The file cannot be imported (too many rows, an unknown text
		// encoding …): the job says why, instead of staying queued while
		// the event is retried.
		now := time.Now().UTC()
		j.Status, j.Error, j.FinishedAt = Failed, crm.ErrorMessage(err), &now
		if err := SaveJob(ctx, t, j); err != nil {
			return err
		}
		return files.Delete(ctx, r.FileKey)
	}
	if err != nil {
		return err
	}
	im.RunJob(ctx, j, r.Kind, tbl)
	return files.Delete(ctx, r.FileKey)
}
