// Package documentsapi is the documents route group: documents (multipart
// or presigned uploads, metadata, downloads), their categories, stats and
// share tokens, with the public pages a share token opens.
package documentsapi

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/documents"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
)

// Deps are what the routes use.
type Deps struct {
	Docs    *documents.Service
	Control *tenancy.ControlPlane
	// Mail sends documents by e-mail (a share link per address); AppURL
	// is the SPA the links open (/documents/shared/<token>).
	Mail   mail.Sender
	AppURL string
	// MailFor is the organization's own sender when it configured one
	// (mailsettings); nil: Mail.
	MailFor func(ctx context.Context) (mail.Sender, error)
	// Presign answers downloads with a redirect to a presigned S3 URL (on
	// AWS a Lambda answer is at most 6 MB); locally the API streams them.
	Presign bool
}

// DocumentView is a document as the API shows it.
type DocumentView struct {
	documents.Document
	URL             string `json:"url" doc:"The download link (needs the caller's credentials)"`
	CreatedAtJalali string `json:"created_at_jalali"`
	UpdatedAtJalali string `json:"updated_at_jalali"`
}

func view(ctx context.Context, d *documents.Document) DocumentView {
	loc := httpapi.LocationFrom(ctx)
	return DocumentView{Document: *d, URL: "/api/documents/" + d.ID + "/download",
		CreatedAtJalali: jalali.Format(d.CreatedAt, loc), UpdatedAtJalali: jalali.Format(d.UpdatedAt, loc)}
}

// ShareView is one share of a document.
type ShareView struct {
	documents.Share
	URL             string `json:"url,omitempty" doc:"The public link (only when the token is shown)"`
	ViewURL         string `json:"view_url,omitempty"`
	ExpiresAtJalali string `json:"expires_at_jalali"`
	CreatedAtJalali string `json:"created_at_jalali"`
}

func shareView(ctx context.Context, sh *documents.Share) ShareView {
	loc := httpapi.LocationFrom(ctx)
	v := ShareView{Share: *sh, CreatedAtJalali: jalali.Format(sh.CreatedAt, loc)}
	if sh.ExpiresAt != nil {
		v.ExpiresAtJalali = jalali.Format(*sh.ExpiresAt, loc)
	}
	if sh.Token != "" {
		v.URL, v.ViewURL = "/api/documents/shared/"+sh.Token, "/api/documents/view/"+sh.Token
	}
	return v
}

func route(method, path, op, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: path, ID: "documents-" + op, Summary: summary, Tags: []string{"Documents"},
		Realm: httpapi.TenantUsers, Module: "documents", Feature: "documents"}
}

// MetaFields are the writable metadata; both seeds' names are understood.
type MetaFields struct {
	Name        *string   `json:"name,omitempty" maxLength:"200"`
	Title       *string   `json:"title,omitempty" maxLength:"200" doc:"Alias of name"`
	Description *string   `json:"description,omitempty" maxLength:"5000"`
	CategoryID  *string   `json:"category_id,omitempty" maxLength:"36"`
	Category    *string   `json:"category,omitempty" maxLength:"36" doc:"Alias of category_id"`
	Tags        *[]string `json:"tags,omitempty" maxItems:"30"`
	CustomerID  *string   `json:"customer_id,omitempty" maxLength:"36"`
	DealID      *string   `json:"deal_id,omitempty" maxLength:"36"`
	TaskID      *string   `json:"task_id,omitempty" maxLength:"36"`
	Version     *int64    `json:"version,omitempty" doc:"Send the version you read to refuse overwriting a newer change (409)."`
}

func (f *MetaFields) meta() documents.Meta {
	m := documents.Meta{Name: f.Name, Description: f.Description, CategoryID: f.CategoryID, Tags: f.Tags,
		CustomerID: f.CustomerID, DealID: f.DealID, TaskID: f.TaskID, Version: f.Version}
	if m.Name == nil {
		m.Name = f.Title
	}
	if m.CategoryID == nil {
		m.CategoryID = f.Category
	}
	return m
}

// formMeta reads the metadata fields of a multipart upload.
func formMeta(form map[string][]string) documents.Meta {
	get := func(names ...string) *string {
		for _, n := range names {
			if v, ok := form[n]; ok && len(v) > 0 {
				s := v[0]
				return &s
			}
		}
		return nil
	}
	m := documents.Meta{Name: get("name", "title"), Description: get("description"), CategoryID: get("category_id", "category"),
		CustomerID: get("customer_id"), DealID: get("deal_id"), TaskID: get("task_id")}
	if v, ok := form["tags"]; ok {
		var tags []string
		for _, t := range v {
			// tags=a,b or tags=a&tags=b or a JSON list.
			t = strings.Trim(strings.TrimSpace(t), "[]")
			for _, p := range strings.Split(t, ",") {
				tags = append(tags, strings.Trim(strings.TrimSpace(p), `"`))
			}
		}
		m.Tags = &tags
	}
	if v, ok := form["tags[]"]; ok && m.Tags == nil {
		m.Tags = &v
	}
	return m
}

const maxMultipart = documents.MaxUploadBytes + 256<<10

// UploadInput is a multipart upload.
type UploadInput struct {
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"false" doc:"At most 10 MB (larger files: POST /api/documents/presign); the bytes decide the type, not the name"`
	}]
}

// DownloadOutput is a file's bytes, or a redirect to a presigned URL.
type DownloadOutput struct {
	Status      int
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Location    string `header:"Location"`
	CSP         string `header:"Content-Security-Policy"`
	Body        []byte
}

func (d Deps) bytesOf(ctx context.Context, doc *documents.Document, inline bool) (*DownloadOutput, error) {
	var presign func() (string, error)
	if d.Presign {
		presign = func() (string, error) { return d.Docs.PresignedDownload(ctx, doc, inline) }
	}
	u, body, err := blob.Download(presign, func() (io.ReadCloser, error) { return d.Docs.Open(ctx, doc) })
	if err != nil {
		return nil, err
	}
	if u != "" {
		return &DownloadOutput{Status: http.StatusFound, Location: u}, nil
	}
	kind := "attachment"
	if inline && inlineable(doc.ContentType) {
		kind = "inline"
	}
	// A document never runs as a page of ours: no scripts, nothing loaded.
	return &DownloadOutput{Status: http.StatusOK, ContentType: doc.ContentType, Body: body, CSP: "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
		Disposition: blob.Disposition(kind, doc.Name)}, nil
}

func inlineable(ct string) bool {
	return ct == "application/pdf" || (strings.HasPrefix(ct, "image/") && ct != "image/svg+xml")
}

// ListInput is the list's query: filter[x] and x= forms.
type ListInput struct {
	httpapi.ListParams
	CategoryID string `query:"category_id" doc:"Also filter[category_id], category"`
	OwnerID    string `query:"owner_id" doc:"Also filter[owner_id]"`
	Type       string `query:"type" doc:"pdf, image, document, spreadsheet, presentation, text, archive, audio, video, other (or part of a content type); also filter[type]"`
	CustomerID string `query:"customer_id" doc:"Also filter[customer_id], customer"`
	Tag        string `query:"tag" doc:"Also filter[tag]"`
}

func first(in *ListInput, names ...string) string {
	for _, n := range names {
		if v := in.Filter(n); v != "" {
			return v
		}
	}
	return ""
}

// Register mounts the routes.
func Register(s *httpapi.Server, d Deps) {
	svc := d.Docs
	httpapi.Register(s, route(http.MethodGet, "/api/documents", "list", "List documents (category_id, owner_id, type, customer_id, tag, search; x= or filter[x]=)"),
		func(ctx context.Context, in *ListInput) (*httpapi.ListBody[DocumentView], error) {
			cursor, offset, err := s.Cursors.Window(ctx, "documents", &in.ListParams)
			if err != nil {
				return nil, err
			}
			f := documents.Filter{CategoryID: first(in, "category_id", "category"), OwnerID: first(in, "owner_id", "owner"),
				Type: first(in, "type"), CustomerID: first(in, "customer_id", "customer"), Tag: first(in, "tag", "tags"),
				Search: strings.TrimSpace(first(in, "search")), Limit: in.Size(), Offset: offset, Cursor: cursor}
			docs, total, next, err := svc.List(ctx, f)
			if err != nil {
				return nil, err
			}
			out := make([]DocumentView, len(docs))
			for i, doc := range docs {
				out[i] = view(ctx, doc)
			}
			return httpapi.SealedList(ctx, s.Cursors, "documents", &in.ListParams, out, total, next)
		})

	up := route(http.MethodPost, "/api/documents", "upload", "Upload a document (multipart file ≤ 10 MB, name, description, category_id, tags, customer_id, deal_id, task_id)")
	up.Description = "On AWS a Lambda takes requests of at most 6 MB: send larger files by POST /api/documents/presign and confirm."
	up.Status, up.RateClass, up.MaxBodySize = http.StatusCreated, "upload", maxMultipart
	httpapi.Register(s, up, func(ctx context.Context, in *UploadInput) (*httpapi.Body[DocumentView], error) {
		f := in.RawBody.Data().File
		if !f.IsSet {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"file": {"send the file in the file field"}}}
		}
		raw, err := io.ReadAll(io.LimitReader(f, documents.MaxUploadBytes+1))
		if err != nil {
			return nil, crm.Wrap(err, "read upload")
		}
		var form map[string][]string
		if in.RawBody.Form != nil {
			form = in.RawBody.Form.Value
		}
		doc, err := svc.Upload(ctx, f.Filename, raw, formMeta(form))
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, doc), "document uploaded"), nil
	})

	presign := route(http.MethodPost, "/api/documents/presign", "presign", "A presigned PUT for a large file (≤ 500 MB); confirm it afterwards")
	presign.Status, presign.RateClass = http.StatusCreated, "upload"
	httpapi.Register(s, presign, func(ctx context.Context, in *struct {
		Body struct {
			MetaFields
			FileName string `json:"file_name,omitempty" maxLength:"255" doc:"The file's own name (default: name)"`
			Size     int64  `json:"size" doc:"Bytes the client will upload"`
		}
	}) (*httpapi.Body[PendingView], error) {
		m := in.Body.meta()
		fn := in.Body.FileName
		if fn == "" && m.Name != nil {
			fn = *m.Name
		}
		if strings.TrimSpace(fn) == "" {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"name": {"required"}}}
		}
		p, err := svc.BeginUpload(ctx, fn, in.Body.Size, m)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(PendingView{PendingUpload: *p, ExpiresAtJalali: jalali.Format(p.ExpiresAt, httpapi.LocationFrom(ctx))},
			"upload the file with a PUT to upload_url, then confirm"), nil
	})
	confirm := route(http.MethodPost, "/api/documents/confirm", "confirm", "Confirm a presigned upload: the bytes are checked and the document recorded")
	confirm.Status = http.StatusCreated
	httpapi.Register(s, confirm, func(ctx context.Context, in *struct {
		Body struct {
			UploadID string `json:"upload_id" minLength:"1" maxLength:"36"`
		}
	}) (*httpapi.Body[DocumentView], error) {
		doc, err := svc.ConfirmUpload(ctx, in.Body.UploadID)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, doc), "document uploaded"), nil
	})

	type detail struct {
		DocumentView
		SharedWith []ShareView `json:"shared_with"`
	}
	httpapi.Register(s, route(http.MethodGet, "/api/documents/{id}", "get", "A document with whom it is shared"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[detail], error) {
			doc, shares, err := svc.Detail(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := detail{DocumentView: view(ctx, doc), SharedWith: make([]ShareView, len(shares))}
			for i, sh := range shares {
				out.SharedWith[i] = shareView(ctx, sh)
			}
			return httpapi.OK(out, ""), nil
		})
	for _, m := range []struct{ method, id string }{{http.MethodPut, "update"}, {http.MethodPatch, "patch"}} {
		httpapi.Register(s, route(m.method, "/api/documents/{id}", m.id, "Change a document's metadata (its owner, an administrator, or a user it is shared with for editing); members not sent stay"),
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body MetaFields
			}) (*httpapi.Body[DocumentView], error) {
				doc, err := svc.Update(ctx, in.ID, in.Body.meta())
				if err != nil {
					return nil, err
				}
				return httpapi.OK(view(ctx, doc), "document updated"), nil
			})
	}
	httpapi.Register(s, route(http.MethodDelete, "/api/documents/{id}", "delete", "Delete a document: its file and every share link go with it"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[any], error) {
			if err := svc.Delete(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "document deleted"), nil
		})
	// {action} rather than a literal: /api/documents/shared/{token} is a
	// public route of the same shape, and Go's mux refuses two patterns
	// neither of which is more specific.
	// GET …/versions answers here too (its JSON in the body), for the same reason.
	httpapi.Register(s, route(http.MethodGet, "/api/documents/{id}/{action}", "download", "Download a document (action: download; ?version=N for an earlier file): the exact bytes, named with RFC 5987's filename* (a redirect to a presigned URL on AWS). action: versions lists the document's files, newest first: {data: [{number, size, content_type, type, original_name, uploaded_by, created_at, created_at_jalali, url}]}"),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			Action  string `path:"action" doc:"download or versions"`
			Version int64  `query:"version" doc:"The version to download (default: the current file)"`
		}) (*DownloadOutput, error) {
			switch in.Action {
			case "versions":
				return versionsOf(ctx, svc, in.ID)
			case "download":
			default:
				return nil, &crm.Error{Code: crm.ENOTFOUND, Message: "not found", Key: "route-not-found"}
			}
			doc, err := svc.Get(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if in.Version != 0 {
				if doc, err = svc.AtVersion(ctx, doc, in.Version); err != nil {
					return nil, err
				}
			}
			return d.bytesOf(ctx, doc, false)
		})
	addVersion := route(http.MethodPost, "/api/documents/{id}/versions", "version-add", "Add a new version of a document (multipart file ≤ 10 MB): it becomes the current file, the earlier ones stay (GET /api/documents/{id}/versions, ?version=N on the download)")
	addVersion.Status, addVersion.RateClass, addVersion.MaxBodySize = http.StatusCreated, "upload", maxMultipart
	httpapi.Register(s, addVersion, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		RawBody huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" required:"false" doc:"At most 10 MB; the bytes decide the type, not the name"`
		}]
	}) (*httpapi.Body[VersionAdded], error) {
		f := in.RawBody.Data().File
		if !f.IsSet {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"file": {"send the file in the file field"}}}
		}
		raw, err := io.ReadAll(io.LimitReader(f, documents.MaxUploadBytes+1))
		if err != nil {
			return nil, crm.Wrap(err, "read upload")
		}
		doc, v, err := svc.AddVersion(ctx, in.ID, f.Filename, raw)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(VersionAdded{DocumentView: view(ctx, doc), AddedVersion: versionView(ctx, doc.ID, v)}, "version added"), nil
	})

	registerSharing(s, d)
	registerCategories(s, d)
}

// VersionView is one file of a document.
type VersionView struct {
	documents.Version
	URL             string `json:"url" doc:"This version's download link"`
	CreatedAtJalali string `json:"created_at_jalali"`
}

func versionView(ctx context.Context, docID string, v *documents.Version) VersionView {
	return VersionView{Version: *v, URL: "/api/documents/" + docID + "/download?version=" + strconv.FormatInt(v.Number, 10),
		CreatedAtJalali: jalali.Format(v.CreatedAt, httpapi.LocationFrom(ctx))}
}

// VersionAdded is the document after a new version, and that version.
type VersionAdded struct {
	DocumentView
	AddedVersion VersionView `json:"added_version"`
}

// versionsOf answers GET /api/documents/{id}/versions.
func versionsOf(ctx context.Context, svc *documents.Service, id string) (*DownloadOutput, error) {
	doc, vs, err := svc.Versions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]VersionView, len(vs))
	for i, v := range vs {
		out[i] = versionView(ctx, doc.ID, v)
	}
	b, err := json.Marshal(map[string]any{"success": true, "data": out})
	if err != nil {
		return nil, crm.Wrap(err, "encode versions")
	}
	return &DownloadOutput{Status: http.StatusOK, ContentType: "application/json", Body: b}, nil
}

// PendingView is a presigned upload waiting for its confirmation.
type PendingView struct {
	documents.PendingUpload
	ExpiresAtJalali string `json:"expires_at_jalali"`
}

func registerSharing(s *httpapi.Server, d Deps) {
	svc := d.Docs
	type shareOut struct {
		ShareTokens []ShareView `json:"share_tokens"`
	}
	share := route(http.MethodPost, "/api/documents/{id}/share", "share", "Share a document: one unguessable link per recipient (user id or e-mail), view or edit, optionally expiring")
	share.Status = http.StatusCreated
	httpapi.Register(s, share, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body struct {
			Recipients []string   `json:"recipients" maxItems:"20" doc:"User ids of this organization or e-mail addresses"`
			Permission string     `json:"permission,omitempty" maxLength:"10" doc:"view (default) or edit"`
			ExpiresAt  *time.Time `json:"expires_at,omitempty"`
		}
	}) (*httpapi.Body[shareOut], error) {
		shares, err := svc.Share(ctx, in.ID, documents.ShareRequest{Recipients: in.Body.Recipients, Permission: in.Body.Permission, ExpiresAt: in.Body.ExpiresAt})
		if err != nil {
			return nil, err
		}
		out := shareOut{ShareTokens: make([]ShareView, len(shares))}
		for i, sh := range shares {
			out.ShareTokens[i] = shareView(ctx, sh)
		}
		return httpapi.OK(out, "document shared; each link is shown only now"), nil
	})
	httpapi.Register(s, route(http.MethodDelete, "/api/documents/{id}/shares/{shareId}", "unshare", "Revoke a share link"),
		func(ctx context.Context, in *struct {
			ID      string `path:"id"`
			ShareID string `path:"shareId"`
		}) (*httpapi.Body[any], error) {
			if err := svc.Revoke(ctx, in.ID, in.ShareID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "share revoked"), nil
		})
	type sharedDoc struct {
		DocumentView
		Permission      string     `json:"permission"`
		SharedBy        string     `json:"shared_by"`
		SharedAt        time.Time  `json:"shared_at"`
		SharedAtJalali  string     `json:"shared_at_jalali"`
		ExpiresAt       *time.Time `json:"expires_at"`
		ExpiresAtJalali string     `json:"expires_at_jalali"`
	}
	httpapi.Register(s, route(http.MethodGet, "/api/documents/shared", "shared-with-me", "Documents shared with me"),
		func(ctx context.Context, in *struct{}) (*httpapi.Body[[]sharedDoc], error) {
			docs, shares, err := svc.SharedWithMe(ctx)
			if err != nil {
				return nil, err
			}
			byID := map[string]*documents.Document{}
			for _, doc := range docs {
				byID[doc.ID] = doc
			}
			out := []sharedDoc{}
			seen := map[string]bool{}
			for _, sh := range shares {
				doc := byID[sh.DocumentID]
				if doc == nil || seen[doc.ID] {
					continue
				}
				seen[doc.ID] = true
				v := sharedDoc{DocumentView: view(ctx, doc), Permission: sh.Permission, SharedBy: sh.SharedBy, SharedAt: sh.CreatedAt, ExpiresAt: sh.ExpiresAt,
					SharedAtJalali: jalali.Format(sh.CreatedAt, httpapi.LocationFrom(ctx))}
				if sh.ExpiresAt != nil {
					v.ExpiresAtJalali = jalali.Format(*sh.ExpiresAt, httpapi.LocationFrom(ctx))
				}
				out = append(out, v)
			}
			return httpapi.OK(out, ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/documents/stats", "stats", "Document figures: total_documents, total_size, by_category, most_shared, storage used and quota (from counters)"),
		func(ctx context.Context, in *struct{}) (*httpapi.Body[documents.Stats], error) {
			st, err := svc.Stats(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(*st, ""), nil
		})

	type sent struct {
		Sent        int         `json:"sent"`
		ShareTokens []ShareView `json:"share_tokens"`
	}
	httpapi.Register(s, route(http.MethodPost, "/api/documents/{id}/send-email", "send-email", "Send a document by e-mail {to, subject, message}: each address gets its own view link (7 days)"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				To      Addresses `json:"to"`
				Subject string    `json:"subject,omitempty" maxLength:"300"`
				Message string    `json:"message,omitempty" maxLength:"10000"`
			}
		}) (*httpapi.Body[sent], error) {
			if d.Mail == nil {
				return nil, crm.Errorf(crm.EINTERNAL, "no mail sender")
			}
			if len(in.Body.To) == 0 || len(in.Body.To) > 20 {
				return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"to": {"1 to 20 e-mail addresses"}}}
			}
			for _, a := range in.Body.To {
				if !strings.Contains(a, "@") {
					return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"to": {"e-mail addresses only"}}}
				}
			}
			exp := now().UTC().Add(7 * 24 * time.Hour)
			shares, err := svc.Share(ctx, in.ID, documents.ShareRequest{Recipients: in.Body.To, Permission: "view", ExpiresAt: &exp})
			if err != nil {
				return nil, err
			}
			doc, err := svc.Get(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			subject := strings.TrimSpace(in.Body.Subject)
			if subject == "" {
				subject = doc.Name
			}
			sender := d.Mail
			if d.MailFor != nil {
				if sender, err = d.MailFor(ctx); err != nil {
					return nil, err
				}
			}
			if c, ok := sender.(io.Closer); ok {
				defer c.Close()
			}
			// Persian mail is laid out right to left.
			lang := campaign.Language(campaign.Content{}, subject+in.Body.Message+doc.Name)
			out := sent{ShareTokens: []ShareView{}}
			for _, sh := range shares {
				link := strings.TrimRight(d.AppURL, "/") + "/documents/shared/" + sh.Token
				text := strings.TrimSpace(in.Body.Message) + "\n\n" + doc.Name + ": " + link + "\n"
				html := campaign.Document(lang, "<p>"+htmlEscape(in.Body.Message)+"</p><p><a href=\""+htmlEscape(link)+"\">"+htmlEscape(doc.Name)+"</a></p>")
				m := mail.Message{To: []string{sh.Email}, Subject: subject, Text: text, HTML: html, Template: "document-share", Tenant: auth.PrincipalFrom(ctx).TenantKey}
				if _, err := sender.Send(ctx, m); err != nil {
					return nil, err
				}
				out.Sent++
				v := shareView(ctx, sh)
				v.Token, v.URL, v.ViewURL = "", "", "" // the link went by e-mail only
				out.ShareTokens = append(out.ShareTokens, v)
			}
			return httpapi.OK(out, "document sent"), nil
		})

	// The public side: a token opens its document, nothing else.
	pub := func(method, path, op, summary string) httpapi.Route {
		return httpapi.Route{Method: method, Path: path, ID: "documents-" + op, Summary: summary, Tags: []string{"Documents"}, Realm: httpapi.Public}
	}
	type publicDoc struct {
		Document struct {
			ID          string    `json:"id"`
			Name        string    `json:"name"`
			Description string    `json:"description"`
			ContentType string    `json:"content_type"`
			Type        string    `json:"type"`
			Size        int64     `json:"size"`
			CreatedAt   time.Time `json:"created_at"`
			CreatedAtJ  string    `json:"created_at_jalali"`
		} `json:"document"`
		Permission      string     `json:"permission"`
		ExpiresAt       *time.Time `json:"expires_at"`
		ExpiresAtJalali string     `json:"expires_at_jalali"`
		ContentURL      string     `json:"content_url"`
		ViewURL         string     `json:"view_url"`
	}
	httpapi.Register(s, pub(http.MethodGet, "/api/documents/shared/{token}", "shared-open", "Open a shared document (public): its metadata and a content_url serving the bytes"),
		func(ctx context.Context, in *struct {
			Token string `path:"token"`
		}) (*httpapi.Body[publicDoc], error) {
			o, err := d.open(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			var out publicDoc
			doc := o.Document
			out.Document.ID, out.Document.Name, out.Document.Description = doc.ID, doc.Name, doc.Description
			out.Document.ContentType, out.Document.Type, out.Document.Size, out.Document.CreatedAt = doc.ContentType, doc.Type, doc.Size, doc.CreatedAt
			out.Document.CreatedAtJ = jalali.Format(doc.CreatedAt, httpapi.LocationFrom(ctx))
			out.Permission, out.ExpiresAt = o.Share.Permission, o.Share.ExpiresAt
			if o.Share.ExpiresAt != nil {
				out.ExpiresAtJalali = jalali.Format(*o.Share.ExpiresAt, httpapi.LocationFrom(ctx))
			}
			out.ContentURL = "/api/documents/shared/" + in.Token + "/content"
			out.ViewURL = "/api/documents/view/" + in.Token
			return httpapi.OK(out, ""), nil
		})
	httpapi.Register(s, pub(http.MethodGet, "/api/documents/shared/{token}/content", "shared-content", "The bytes of a shared document (public)"),
		func(ctx context.Context, in *struct {
			Token  string `path:"token"`
			Inline bool   `query:"inline" doc:"Show a PDF or an image in the page instead of downloading it"`
		}) (*DownloadOutput, error) {
			o, err := d.open(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			return d.bytesOf(ctx, o.Document, in.Inline)
		})
	type page struct {
		ContentType string `header:"Content-Type"`
		CSP         string `header:"Content-Security-Policy"`
		Body        []byte
	}
	httpapi.Register(s, pub(http.MethodGet, "/api/documents/view/{token}", "view", "A small viewer page of a shared document (public): PDFs and images inline, other files as a download link"),
		func(ctx context.Context, in *struct {
			Token string `path:"token"`
		}) (*page, error) {
			o, err := d.open(ctx, in.Token)
			if err != nil {
				return nil, err
			}
			return &page{ContentType: "text/html; charset=utf-8", Body: viewer(o.Document, in.Token),
				CSP: "default-src 'none'; img-src 'self' https:; object-src 'self' https:; frame-src 'self' https:; style-src 'unsafe-inline'"}, nil
		})
}

// open resolves a public token: its tenant (active), then the share.
func (d Deps) open(ctx context.Context, tok string) (*documents.Opened, error) {
	missing := &crm.Error{Code: crm.ENOTFOUND, Message: "this link is invalid or has expired", Key: "not-found-resource", Args: []any{"document"}}
	key := documents.TokenTenant(tok)
	if key == "" || !tenancy.ValidTenantKey(key) {
		return nil, missing
	}
	t, err := d.Control.Tenant(ctx, key)
	if err != nil || t.Status != tenancy.StatusActive {
		return nil, missing
	}
	return d.Docs.OpenToken(ctx, d.Control.TableFor(key), tok)
}

func htmlEscape(s string) string { return html.EscapeString(s) }

// Addresses is one address or a list.
type Addresses []string

// Schema: a string or a list of strings.
func (Addresses) Schema(r huma.Registry) *huma.Schema {
	max := 254
	str := &huma.Schema{Type: huma.TypeString, MaxLength: &max}
	return &huma.Schema{OneOf: []*huma.Schema{str, {Type: huma.TypeArray, Items: str}}}
}

// UnmarshalJSON takes "a@b.c" or ["a@b.c", …].
func (a *Addresses) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = Addresses{strings.TrimSpace(one)}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	for i := range many {
		many[i] = strings.TrimSpace(many[i])
	}
	*a = many
	return nil
}

func viewer(doc *documents.Document, tok string) []byte {
	name := html.EscapeString(doc.Name)
	// The token matched a stored hash, so it is the tenant key and
	// base64url; escaped all the same.
	src := html.EscapeString("/api/documents/shared/" + url.PathEscape(tok) + "/content")
	var body string
	switch {
	case doc.ContentType == "application/pdf":
		body = `<object data="` + src + `?inline=true" type="application/pdf" width="100%" height="90%"><a href="` + src + `">` + name + `</a></object>`
	case inlineable(doc.ContentType):
		body = `<img src="` + src + `?inline=true" alt="` + name + `" style="max-width:100%">`
	default:
		body = `<p><a href="` + src + `" download>` + name + `</a></p>`
	}
	return []byte(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + name +
		`</title></head><body style="margin:0;font-family:sans-serif"><header style="padding:8px 12px;border-bottom:1px solid #ddd">` + name +
		` · <a href="` + src + `">download</a></header>` + body + `</body></html>`)
}

func registerCategories(s *httpapi.Server, d Deps) {
	svc := d.Docs
	type fields struct {
		Name        *string `json:"name,omitempty" maxLength:"100"`
		Description *string `json:"description,omitempty" maxLength:"1000"`
		Color       *string `json:"color,omitempty" maxLength:"20"`
	}
	type catOut struct {
		documents.Category
		CreatedAtJalali string `json:"created_at_jalali"`
		UpdatedAtJalali string `json:"updated_at_jalali"`
	}
	cv := func(ctx context.Context, c *documents.Category) catOut {
		loc := httpapi.LocationFrom(ctx)
		return catOut{Category: *c, CreatedAtJalali: jalali.Format(c.CreatedAt, loc), UpdatedAtJalali: jalali.Format(c.UpdatedAt, loc)}
	}
	httpapi.Register(s, route(http.MethodGet, "/api/documents/categories", "categories", "Document categories with their document counts"),
		func(ctx context.Context, in *struct{}) (*httpapi.Body[[]catOut], error) {
			cs, err := svc.Categories(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]catOut, len(cs))
			for i, c := range cs {
				out[i] = cv(ctx, c)
			}
			return httpapi.OK(out, ""), nil
		})
	create := route(http.MethodPost, "/api/documents/categories", "category-create", "Create a category (name unique)")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *struct{ Body fields }) (*httpapi.Body[catOut], error) {
		c, err := svc.SaveCategory(ctx, "", in.Body.Name, in.Body.Description, in.Body.Color)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(cv(ctx, c), "category created"), nil
	})
	// Rabin's path only: /api/documents/categories/{id} would be ambiguous
	// with /api/documents/{id}/share (a category id "share", a document
	// id "categories").
	httpapi.Register(s, route(http.MethodPut, "/api/document-categories/{id}", "category-update", "Change a category"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body fields
		}) (*httpapi.Body[catOut], error) {
			c, err := svc.SaveCategory(ctx, in.ID, in.Body.Name, in.Body.Description, in.Body.Color)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(cv(ctx, c), "category updated"), nil
		})
	httpapi.Register(s, route(http.MethodDelete, "/api/document-categories/{id}", "category-delete", "Delete a category without documents (409 otherwise)"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[any], error) {
			if err := svc.DeleteCategory(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "category deleted"), nil
		})
}
