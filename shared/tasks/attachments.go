package tasks

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Attachment limits: through the API, and by a presigned PUT.
const (
	MaxUploadBytes    = 10 << 20
	MaxPresignedBytes = 200 << 20
	presignTTL        = 15 * time.Minute
)

func attachmentMissing() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "attachment not found", Key: "not-found-resource", Args: []any{"attachment"}}
}

func blobKey(ctx context.Context, taskID, id string) string {
	tenant := ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		tenant = p.TenantKey
	}
	if taskID == "" {
		return "tasks/" + tenant + "/uploads/" + id
	}
	return "tasks/" + tenant + "/" + taskID + "/" + id
}

// AddAttachment stores a file (on a task, or an upload on none when
// taskID is ""): the bytes go to the file store, then one transaction
// writes the attachment, the task's count, the tenant's storage counter
// and the event.
func (s *Service) AddAttachment(ctx context.Context, taskID, name, description string, body []byte) (*crm.TaskAttachment, error) {
	if s.Blob == nil {
		return nil, crm.Errorf(crm.EINTERNAL, "no file store")
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if taskID != "" && !ids.Valid(taskID) {
		return nil, notFound()
	}
	if len(body) == 0 {
		return nil, invalid("file", "the file is empty")
	}
	if len(body) > MaxUploadBytes {
		return nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the file is larger than 10 MB; ask for a presigned upload"}
	}
	if len(description) > 2000 {
		return nil, invalid("description", "at most 2000 characters")
	}
	a := &crm.TaskAttachment{ID: ids.New(), TaskID: taskID, Name: blob.CleanName(name), ContentType: blob.Sniff(body[:min(len(body), 512)]),
		Size: int64(len(body)), Description: strings.TrimSpace(description), UploadedBy: subject(ctx), CreatedAt: s.now()}
	a.BlobKey = blobKey(ctx, taskID, a.ID)
	if taskID != "" {
		// Refuse before storing bytes for a task that is not there.
		if _, _, err := s.load(ctx, t, taskID); err != nil {
			return nil, err
		}
	}
	if err := s.Blob.Put(ctx, a.BlobKey, a.ContentType, body); err != nil {
		return nil, err
	}
	if err := s.recordAttachment(ctx, t, a, store.NotExists()); err != nil {
		s.Blob.Delete(ctx, a.BlobKey)
		return nil, err
	}
	return a, nil
}

func (s *Service) recordAttachment(ctx context.Context, t store.Table, a *crm.TaskAttachment, cond store.Cond) error {
	it, err := attachItem(a)
	if err != nil {
		return err
	}
	ops := []store.Op{store.PutOp(it, cond), store.UpdateOp(store.Update{Key: storageKey(), Add: map[string]int64{"bytes": a.Size}})}
	if a.TaskID != "" {
		ops = append(ops, bump(a.TaskID, map[string]int64{"attachments_count": 1}))
	}
	ops = append(ops, outbox.Op(ctx, "task.attachment_added", map[string]any{"task_id": a.TaskID, "attachment_id": a.ID, "name": a.Name, "size": a.Size}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		return taskMissing(err, a.TaskID)
	}
	return nil
}

// Attachment reads one attachment of a task (taskID "": an upload).
func (s *Service) Attachment(ctx context.Context, taskID, id string) (*crm.TaskAttachment, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) || (taskID != "" && !ids.Valid(taskID)) {
		return nil, attachmentMissing()
	}
	k := uploadKey(id)
	if taskID != "" {
		k = attachKey(taskID, id)
	}
	it, err := store.GetOr(ctx, t, k, attachmentMissing)
	if err != nil {
		return nil, err
	}
	if store.Str(it, "pending") != "" {
		return nil, attachmentMissing()
	}
	return attachFromItem(it)
}

// Open returns an attachment's bytes.
func (s *Service) Open(ctx context.Context, a *crm.TaskAttachment) (io.ReadCloser, error) {
	if s.Blob == nil {
		return nil, crm.Errorf(crm.EINTERNAL, "no file store")
	}
	rc, _, _, err := s.Blob.Get(ctx, a.BlobKey)
	return rc, err
}

// DeleteAttachment removes a file (its uploader or the task's creator).
func (s *Service) DeleteAttachment(ctx context.Context, taskID, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	a, err := s.Attachment(ctx, taskID, id)
	if err != nil {
		return err
	}
	task, _, err := s.load(ctx, t, taskID)
	if err != nil {
		return err
	}
	if me := subject(ctx); me != a.UploadedBy && me != task.CreatedBy {
		return forbidden("only who uploaded a file or created the task may delete it")
	}
	err = t.TransactWrite(ctx, store.DeleteOp(attachKey(taskID, id), store.Exists()),
		store.UpdateOp(store.Update{Key: storageKey(), Add: map[string]int64{"bytes": -a.Size}}),
		bump(taskID, map[string]int64{"attachments_count": -1}),
		outbox.Op(ctx, "task.attachment_deleted", map[string]any{"task_id": taskID, "attachment_id": id}))
	if err != nil {
		return taskMissing(err, taskID)
	}
	if s.Blob != nil {
		s.Blob.Delete(ctx, a.BlobKey)
	}
	return nil
}

// PresignedDownload is a short-lived GET URL of the attachment's bytes
// ("" when the store cannot presign).
func (s *Service) PresignedDownload(ctx context.Context, a *crm.TaskAttachment) (string, error) {
	return blob.PresignGet(ctx, s.Blob, a.BlobKey, a.ContentType, blob.Disposition("attachment", a.Name), presignTTL)
}

// PendingUpload is a presigned PUT the client uploads a large file to.
type PendingUpload = blob.PendingUpload

// BeginUpload hands out a presigned PUT for a file on a task; the
// attachment exists once ConfirmUpload has checked the bytes.
func (s *Service) BeginUpload(ctx context.Context, taskID, name string, size int64) (*PendingUpload, error) {
	if !blob.CanPresign(s.Blob) {
		return nil, crm.Errorf(crm.EVALIDATION, "this installation takes files through the API only")
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.load(ctx, t, taskID); err != nil {
		return nil, err
	}
	if size <= 0 || size > MaxPresignedBytes {
		return nil, invalid("size", "must be more than 0 and at most 200 MB")
	}
	now := s.now()
	a := &crm.TaskAttachment{ID: ids.New(), TaskID: taskID, Name: blob.CleanName(name), UploadedBy: subject(ctx), CreatedAt: now}
	a.BlobKey = blobKey(ctx, taskID, a.ID)
	url, err := blob.PresignPut(ctx, s.Blob, a.BlobKey, presignTTL)
	if err != nil {
		return nil, err
	}
	it, err := attachItem(a)
	if err != nil {
		return nil, err
	}
	it["pending"] = store.AV("1")
	it["declared_size"] = store.AV(size)
	it[store.TTL] = store.AV(now.Add(presignTTL + time.Hour).Unix())
	if err := t.Put(ctx, it, store.NotExists()); err != nil {
		return nil, err
	}
	return &PendingUpload{ID: a.ID, URL: url, Method: http.MethodPut, ExpiresAt: now.Add(presignTTL), MaxBytes: size}, nil
}

// ConfirmUpload checks the uploaded bytes (type sniffed from them, size at
// most the declared one) and records the attachment.
func (s *Service) ConfirmUpload(ctx context.Context, taskID, uploadID, description string) (*crm.TaskAttachment, error) {
	if !blob.CanPresign(s.Blob) {
		return nil, attachmentMissing()
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if !ids.Valid(taskID) || !ids.Valid(uploadID) {
		return nil, attachmentMissing()
	}
	it, err := store.GetOr(ctx, t, attachKey(taskID, uploadID), attachmentMissing)
	if err != nil {
		return nil, err
	}
	if store.Str(it, "pending") == "" {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the upload is already confirmed"}
	}
	a, err := attachFromItem(it)
	if err != nil {
		return nil, err
	}
	if a.UploadedBy != subject(ctx) {
		return nil, forbidden("only who began an upload may confirm it")
	}
	head, size, err := blob.Uploaded(ctx, s.Blob, a.BlobKey)
	if err != nil {
		return nil, invalid("upload_id", "nothing was uploaded to the URL yet")
	}
	if size == 0 || size > store.Int(it, "declared_size") {
		s.Blob.Delete(ctx, a.BlobKey)
		t.Delete(ctx, attachKey(taskID, uploadID))
		return nil, invalid("file", "the uploaded file is empty or larger than declared")
	}
	a.Size, a.ContentType, a.Description = size, blob.Sniff(head), strings.TrimSpace(description)
	a.CreatedAt = s.now()
	if err := s.recordAttachment(ctx, t, a, store.AttrExists("pending")); err != nil {
		return nil, err
	}
	return a, nil
}

// adoptUploads moves the caller's uploads (Rabin: files uploaded before
// the task existed) into a new task's collection, in the task's
// transaction: one batch read; an unknown upload, or someone else's, is a
// 422 naming attachment_ids.
func (s *Service) adoptUploads(ctx context.Context, t store.Table, task *crm.Task, uploadIDs []string) ([]store.Op, error) {
	if len(uploadIDs) == 0 {
		return nil, nil
	}
	if len(uploadIDs) > 20 {
		return nil, invalid("attachment_ids", "at most 20 files")
	}
	keys := make([]store.Key, 0, len(uploadIDs))
	for _, id := range uploadIDs {
		if !ids.Valid(id) {
			return nil, invalid("attachment_ids", "no upload of yours has the id "+id)
		}
		keys = append(keys, uploadKey(id))
	}
	found, err := store.Batch(ctx, t, keys, attachFromItem)
	if err != nil {
		return nil, err
	}
	me := subject(ctx)
	var ops []store.Op
	for _, a := range found {
		if a.UploadedBy != me {
			continue
		}
		moved := *a
		moved.TaskID = task.ID
		it, err := attachItem(&moved)
		if err != nil {
			return nil, err
		}
		ops = append(ops, store.DeleteOp(uploadKey(a.ID), store.Eq("uploaded_by", me)), store.PutOp(it, store.NotExists()))
	}
	if len(ops) != 2*len(uploadIDs) {
		return nil, invalid("attachment_ids", "each must be an upload of yours not yet on a task")
	}
	task.AttachmentsCount = int64(len(uploadIDs))
	return ops, nil
}
