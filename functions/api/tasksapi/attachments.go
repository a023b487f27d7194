package tasksapi

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/tasks"
)

// AttachmentView is a file on a task with its download link.
type AttachmentView struct {
	crm.TaskAttachment
	URL             string `json:"url"`
	CreatedAtJalali string `json:"created_at_jalali"`
}

func attachmentView(ctx context.Context, a *crm.TaskAttachment) AttachmentView {
	u := "/api/tasks/" + a.TaskID + "/attachments/" + a.ID + "/download"
	if a.TaskID == "" {
		u = "/api/tasks/uploads/" + a.ID + "/download"
	}
	return AttachmentView{TaskAttachment: *a, URL: u, CreatedAtJalali: jalali.Format(a.CreatedAt, httpapi.LocationFrom(ctx))}
}

// multipart bodies: the file and its form fields, with some room for the
// form's framing.
const maxMultipart = tasks.MaxUploadBytes + 256<<10

// AttachmentInput is IshYar's upload: one file and a description.
type AttachmentInput struct {
	ID      string `path:"id"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"false" doc:"At most 10 MB; the bytes decide the type, not the name"`
	}]
}

// UploadInput is Rabin's upload: files (or file), optionally on a task.
type UploadInput struct {
	RawBody huma.MultipartFormFiles[struct {
		Files []huma.FormFile `form:"files" required:"false" doc:"One or more files, 10 MB in all"`
		File  huma.FormFile   `form:"file" required:"false"`
	}]
}

func formValue(f *huma.MultipartFormFiles[struct {
	File huma.FormFile `form:"file" required:"false" doc:"At most 10 MB; the bytes decide the type, not the name"`
}], name string) string {
	if f.Form == nil {
		return ""
	}
	if v := f.Form.Value[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func readFile(f huma.FormFile) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(f, tasks.MaxUploadBytes+1))
	if err != nil {
		return nil, crm.Wrap(err, "read upload")
	}
	if len(raw) > tasks.MaxUploadBytes {
		return nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the file is larger than 10 MB; ask for a presigned upload"}
	}
	return raw, nil
}

// DownloadOutput is a file's bytes, or a redirect to a presigned URL.
type DownloadOutput struct {
	Status      int
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Location    string `header:"Location"`
	Body        []byte
}

func (d Deps) download(ctx context.Context, taskID, id string) (*DownloadOutput, error) {
	a, err := d.Tasks.Attachment(ctx, taskID, id)
	if err != nil {
		return nil, err
	}
	var presign func() (string, error)
	if d.Presign {
		presign = func() (string, error) { return d.Tasks.PresignedDownload(ctx, a) }
	}
	u, body, err := blob.Download(presign, func() (io.ReadCloser, error) { return d.Tasks.Open(ctx, a) })
	if err != nil {
		return nil, err
	}
	if u != "" {
		return &DownloadOutput{Status: http.StatusFound, Location: u}, nil
	}
	return &DownloadOutput{Status: http.StatusOK, ContentType: a.ContentType, Body: body,
		Disposition: blob.Disposition("attachment", a.Name)}, nil
}

func registerAttachments(s *httpapi.Server, d Deps) {
	svc := d.Tasks
	for _, base := range []struct{ prefix, id string }{{"/api/tasks", "tasks"}, {"/api/tenant/tasks", "tenant-tasks"}} {
		route := taskRoute(base.prefix, base.id)
		upload := route(http.MethodPost, "/upload", "upload", "Upload files (files or file; task_id attaches them to a task)")
		upload.Status, upload.RateClass, upload.MaxBodySize = http.StatusCreated, "upload", maxMultipart
		httpapi.Register(s, upload, func(ctx context.Context, in *UploadInput) (*httpapi.Body[[]AttachmentView], error) {
			form := in.RawBody.Data()
			files := form.Files
			if form.File.IsSet {
				files = append(files, form.File)
			}
			if len(files) == 0 {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"files": {"send at least one file"}}}
			}
			taskID, desc := "", ""
			if f := in.RawBody.Form; f != nil {
				if v := f.Value["task_id"]; len(v) > 0 {
					taskID = strings.TrimSpace(v[0])
				}
				if v := f.Value["description"]; len(v) > 0 {
					desc = v[0]
				}
			}
			out := make([]AttachmentView, 0, len(files))
			for _, f := range files {
				raw, err := readFile(f)
				if err != nil {
					return nil, err
				}
				a, err := svc.AddAttachment(ctx, taskID, f.Filename, desc, raw)
				if err != nil {
					return nil, err
				}
				out = append(out, attachmentView(ctx, a))
			}
			return httpapi.OK(out, "files uploaded"), nil
		})
	}
	route := taskRoute("/api/tasks", "tasks")
	add := route(http.MethodPost, "/{id}/attachments", "attach", "Attach a file (multipart file ≤ 10 MB and description)")
	add.Status, add.RateClass, add.MaxBodySize = http.StatusCreated, "upload", maxMultipart
	httpapi.Register(s, add, func(ctx context.Context, in *AttachmentInput) (*httpapi.Body[AttachmentView], error) {
		f := in.RawBody.Data().File
		if !f.IsSet {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"file": {"send the file in the file field"}}}
		}
		raw, err := readFile(f)
		if err != nil {
			return nil, err
		}
		a, err := svc.AddAttachment(ctx, in.ID, f.Filename, formValue(&in.RawBody, "description"), raw)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(attachmentView(ctx, a), "file attached"), nil
	})
	presign := route(http.MethodPost, "/{id}/attachments/presign", "attach-presign", "A presigned PUT for a large file (≤ 200 MB); confirm it afterwards")
	presign.Status, presign.RateClass = http.StatusCreated, "upload"
	httpapi.Register(s, presign, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			Name string `json:"name" minLength:"1" maxLength:"255"`
			Size int64  `json:"size" doc:"Bytes the client will upload"`
		}
	}) (*httpapi.Body[PendingView], error) {
		p, err := svc.BeginUpload(ctx, in.ID, in.Body.Name, in.Body.Size)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(PendingView{PendingUpload: *p, ExpiresAtJalali: jalali.Format(p.ExpiresAt, httpapi.LocationFrom(ctx))},
			"upload the file with a PUT to upload_url, then confirm"), nil
	})
	confirm := route(http.MethodPost, "/{id}/attachments/confirm", "attach-confirm", "Confirm a presigned upload: the bytes are checked and the file attached")
	confirm.Status = http.StatusCreated
	httpapi.Register(s, confirm, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			UploadID    string `json:"upload_id" minLength:"1" maxLength:"36"`
			Description string `json:"description,omitempty" maxLength:"2000"`
		}
	}) (*httpapi.Body[AttachmentView], error) {
		a, err := svc.ConfirmUpload(ctx, in.ID, in.Body.UploadID, in.Body.Description)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(attachmentView(ctx, a), "file attached"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}/attachments/{attachmentId}/download", "attachment-download", "A file's bytes (a redirect to a presigned URL on AWS)"),
		func(ctx context.Context, in *struct {
			ID           string `path:"id"`
			AttachmentID string `path:"attachmentId"`
		}) (*DownloadOutput, error) {
			return d.download(ctx, in.ID, in.AttachmentID)
		})
	httpapi.Register(s, route(http.MethodGet, "/uploads/{attachmentId}/download", "upload-download", "An upload's bytes (not on a task)"),
		func(ctx context.Context, in *struct {
			AttachmentID string `path:"attachmentId"`
		}) (*DownloadOutput, error) {
			return d.download(ctx, "", in.AttachmentID)
		})
	httpapi.Register(s, route(http.MethodDelete, "/{id}/attachments/{attachmentId}", "attachment-delete", "Delete a file (its uploader or the task's creator)"),
		func(ctx context.Context, in *struct {
			ID           string `path:"id"`
			AttachmentID string `path:"attachmentId"`
		}) (*httpapi.Body[any], error) {
			if err := svc.DeleteAttachment(ctx, in.ID, in.AttachmentID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "file deleted"), nil
		})
}

// PendingView is a presigned upload waiting for its confirmation.
type PendingView struct {
	tasks.PendingUpload
	ExpiresAtJalali string `json:"expires_at_jalali"`
}
