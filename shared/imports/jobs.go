package imports

import (
	"context"
	"encoding/json"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Job statuses.
const (
	Queued    = "queued"
	Running   = "running"
	Completed = "completed"
	Failed    = "failed"
)

// JobRetention keeps finished jobs this long.
const JobRetention = 30 * 24 * time.Hour

// Job is an import running in the background. An import answered in its
// request is no job: it shows only its status and report, without the
// record's fields.
type Job struct {
	ID         string     `json:"id,omitempty"`
	Status     string     `json:"status"`
	Report     Report     `json:"report"`
	Error      string     `json:"error,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at,omitzero"`
	UpdatedAt  time.Time  `json:"updated_at,omitzero"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

func jobKey(id string) store.Key { return store.Key{PK: "JOB#" + id, SK: "#JOB"} }

// NewJob makes a queued job for a report.
func NewJob(r Report, by string) *Job {
	now := time.Now().UTC()
	return &Job{ID: ids.New(), Status: Queued, Report: r, CreatedBy: by, CreatedAt: now, UpdatedAt: now}
}

// SaveJob writes the job and publishes its progress as an event in the
// same transaction.
func SaveJob(ctx context.Context, t store.Table, j *Job) error {
	j.UpdatedAt = time.Now().UTC()
	b, _ := json.Marshal(j)
	it := store.KeyItem(jobKey(j.ID))
	it["job"], it[store.TTL] = store.AV(string(b)), store.AV(j.CreatedAt.Add(JobRetention).Unix())
	return t.TransactWrite(ctx, store.PutOp(it), outbox.Op(ctx, "import.progress", map[string]any{
		"job_id": j.ID, "status": j.Status, "processed": j.Report.Processed, "total": j.Report.Total}))
}

func jobNotFound() error { return crm.Errorf(crm.ENOTFOUND, "import job not found") }

// GetJob reads a job; ENOTFOUND.
func GetJob(ctx context.Context, t store.Table, id string) (*Job, error) {
	if !ids.Valid(id) {
		return nil, jobNotFound()
	}
	it, err := store.GetOr(ctx, t, jobKey(id), jobNotFound)
	if err != nil {
		return nil, err
	}
	var j Job
	if err := json.Unmarshal([]byte(store.Str(it, "job")), &j); err != nil {
		return nil, crm.Wrap(err, "decode job")
	}
	return &j, nil
}

// RunJob runs an import as job j, saving its progress.
func (im *Importer) RunJob(ctx context.Context, j *Job, kind string, tbl *Table) {
	t, err := im.Tables.TenantTable(ctx)
	if err != nil {
		return
	}
	j.Status = Running
	SaveJob(ctx, t, j)
	r, err := im.Run(ctx, kind, tbl, j.Report.DryRun, func(r Report) {
		j.Report = r
		SaveJob(ctx, t, j)
	})
	now := time.Now().UTC()
	j.Report, j.FinishedAt, j.Status = r, &now, Completed
	if err != nil {
		j.Status, j.Error = Failed, crm.ErrorMessage(err)
	}
	SaveJob(ctx, t, j)
}
