package emailapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/documents"
	pmail "payvand.dev/shared/mail"
)

// AttachmentInput is a document by id, or a small file inline.
type AttachmentInput struct {
	DocumentID  string `json:"document_id,omitempty" doc:"a document of the tenant (the caller needs the documents module)"`
	Filename    string `json:"filename,omitempty" maxLength:"255"`
	Content     string `json:"content,omitempty" doc:"the file, base64; 3 MB in all inline"`
	ContentType string `json:"content_type,omitempty" maxLength:"255"`
}

// Bounds of a message's attachments: SES takes 40 MB, but a message
// that large is rarely delivered.
const (
	maxAttachments = 10 << 20
	maxInline      = 3 << 20
)

// attachments reads the files a message carries.
func attachments(ctx context.Context, d *app.Deps, in []AttachmentInput) ([]pmail.Attachment, error) {
	var out []pmail.Attachment
	total, inline := 0, 0
	tooBig := func(i int, msg string) error {
		return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{fmt.Sprintf("attachments[%d]", i): {msg}}}
	}
	for i, a := range in {
		var att pmail.Attachment
		switch {
		case a.DocumentID != "":
			doc, data, err := document(ctx, d, a.DocumentID, maxAttachments-total)
			if err != nil {
				if crm.ErrorCode(err) == crm.ETOOLARGE {
					return nil, tooBig(i, "the attachments exceed 10 MB")
				}
				return nil, err
			}
			att = pmail.Attach(doc.Name, doc.ContentType, data)
		case a.Content != "":
			data, err := base64.StdEncoding.DecodeString(a.Content)
			if err != nil {
				return nil, tooBig(i, "content must be base64")
			}
			if inline += len(data); inline > maxInline {
				return nil, tooBig(i, "inline files exceed 3 MB; attach larger files as documents")
			}
			name := path.Base("/" + a.Filename)
			if a.Filename == "" || name == "/" {
				return nil, tooBig(i, "give the file's name")
			}
			ct := a.ContentType
			if _, _, err := mime.ParseMediaType(ct); err != nil {
				ct = http.DetectContentType(data)
			}
			att = pmail.Attach(name, ct, data)
		default:
			return nil, tooBig(i, "give document_id, or filename and content")
		}
		if total += att.Size; total > maxAttachments {
			return nil, tooBig(i, "the attachments exceed 10 MB")
		}
		out = append(out, att)
	}
	return out, nil
}

// document reads a document's current file, at most limit bytes.
func document(ctx context.Context, d *app.Deps, id string, limit int) (*documents.Document, []byte, error) {
	if p := auth.PrincipalFrom(ctx); !p.HasModule("documents") {
		return nil, nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "attaching documents needs the documents module"}
	}
	if d.Blob == nil {
		return nil, nil, crm.Errorf(crm.EINTERNAL, "this function cannot read documents")
	}
	svc := &documents.Service{Tables: d.Control, Blob: d.Blob}
	doc, err := svc.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if doc.Size > int64(limit) {
		return nil, nil, crm.Errorf(crm.ETOOLARGE, "too large")
	}
	rc, err := svc.Open(ctx, doc)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > limit {
		return nil, nil, crm.Errorf(crm.ETOOLARGE, "too large")
	}
	return doc, data, nil
}
