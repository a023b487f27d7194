// Package documents keeps a tenant's documents: files in the blob store
// with their metadata, categories, counters and share tokens, in the
// tenant table (keys in docs/data-model.md).
package documents

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// Limits of files.
const (
	MaxUploadBytes    = 10 << 20  // through the API (multipart)
	MaxPresignedBytes = 500 << 20 // by a presigned PUT
	presignTTL        = 15 * time.Minute
)

// DefaultQuota is the storage of a plan not in PlanQuotas.
const DefaultQuota int64 = 1 << 30

// PlanQuotas are the bytes each plan may store (by plan name, lowercased).
var PlanQuotas = map[string]int64{
	"free": 200 << 20, "trial": 200 << 20, "basic": 1 << 30, "starter": 1 << 30,
	"professional": 10 << 30, "pro": 10 << 30, "business": 50 << 30, "enterprise": 100 << 30,
}

// TableSource finds the caller's tenant table from the context.
type TableSource interface {
	TenantTable(ctx context.Context) (store.Table, error)
}

// Service keeps documents.
type Service struct {
	Tables TableSource
	Blob   blob.Store
	// Quota is the caller's tenant's storage quota in bytes (nil: DefaultQuota).
	Quota func(ctx context.Context) (int64, error)
	Now   func() time.Time
}

// Document is a stored file with its metadata.
type Document struct {
	ID           string    `dynamo:"id" json:"id"`
	Name         string    `dynamo:"name" json:"name"`
	OriginalName string    `dynamo:"original_name" json:"original_name"`
	Title        string    `dynamo:"-" json:"title"`
	Description  string    `dynamo:"description" json:"description"`
	CategoryID   string    `dynamo:"category_id" json:"category_id"`
	Tags         []string  `dynamo:"tags" json:"tags"`
	CustomerID   string    `dynamo:"customer_id" json:"customer_id"`
	DealID       string    `dynamo:"deal_id" json:"deal_id"`
	TaskID       string    `dynamo:"task_id" json:"task_id"`
	OwnerID      string    `dynamo:"owner_id" json:"owner_id"`
	ContentType  string    `dynamo:"content_type" json:"content_type"`
	Type         string    `dynamo:"type" json:"type" doc:"pdf, image, document, spreadsheet, presentation, text, archive, audio, video or other"`
	Size         int64     `dynamo:"size" json:"size"`
	SharesCount  int64     `dynamo:"shares_count" json:"shares_count"`
	BlobKey      string    `dynamo:"blob_key" json:"-"`
	Version      int64     `dynamo:"version" json:"version"`
	FileVersion  int64     `dynamo:"file_version" json:"file_version" doc:"The number of the current file (GET /api/documents/{id}/versions lists them all)"`
	CreatedAt    time.Time `dynamo:"created_at" json:"created_at"`
	UpdatedAt    time.Time `dynamo:"updated_at" json:"updated_at"`
}

// Meta is what an upload or an edit sets besides the bytes.
type Meta struct {
	Name        *string
	Description *string
	CategoryID  *string
	Tags        *[]string
	CustomerID  *string
	DealID      *string
	TaskID      *string
	Version     *int64
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) table(ctx context.Context) (store.Table, error) { return s.Tables.TenantTable(ctx) }

// Key builders: all in one place.
func docKey(id string) store.Key     { return store.Key{PK: "DOC#" + id, SK: "#DOC"} }
func docPK(id string) string         { return "DOC#" + id }
func shareKey(hash string) store.Key { return store.Key{PK: "DOCSHARE#" + hash, SK: "S"} }
func docShareKey(docID, hash string) store.Key {
	return store.Key{PK: "DOC#" + docID, SK: "SHARE#" + hash}
}
func catKey(id string) store.Key { return store.Key{PK: "DOCCATS", SK: id} }
func countersKey() store.Key     { return store.Key{PK: "COUNTER#DOCUMENTS", SK: "STATS"} }

// DocKey is a document's item (global search reads it).
func DocKey(id string) store.Key { return docKey(id) }

// DecodeDocument reads a document item.
func DecodeDocument(it store.Item) (*Document, error) { return docFromItem(it) }

// SearchKind is the documents' kind in the search index.
const SearchKind = "document"

// words are a document's search index words: its name, description and tags.
func words(d *Document) []string {
	if d == nil {
		return nil
	}
	return search.NewWords(40).Text(d.Name, d.Description, strings.Join(d.Tags, " ")).List()
}

// StorageKey is the tenant's bytes-stored counter (shared with task files and avatars).
func StorageKey() store.Key { return store.Key{PK: "COUNTER#STORAGE", SK: "STATS"} }

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "document not found", Key: "not-found-resource", Args: []any{"document"}}
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation", Fields: map[string][]string{field: {msg}}}
}

func forbidden(msg string) error { return &crm.Error{Code: crm.EFORBIDDEN, Message: msg} }

func principal(ctx context.Context) *auth.Principal {
	if p := auth.PrincipalFrom(ctx); p != nil {
		return p
	}
	return &auth.Principal{}
}

// kind is the document's type for filters: from the sniffed content type,
// then (for zip-based office files and the like) the name's extension.
func kind(contentType, name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	switch {
	case contentType == "application/pdf":
		return "pdf"
	case strings.HasPrefix(contentType, "image/"):
		return "image"
	case strings.HasPrefix(contentType, "audio/"):
		return "audio"
	case strings.HasPrefix(contentType, "video/"):
		return "video"
	}
	switch ext {
	case "doc", "docx", "odt", "rtf":
		return "document"
	case "xls", "xlsx", "ods", "csv":
		return "spreadsheet"
	case "ppt", "pptx", "odp":
		return "presentation"
	case "zip", "rar", "7z", "gz", "tar":
		return "archive"
	}
	if strings.HasPrefix(contentType, "text/") {
		return "text"
	}
	if contentType == "application/zip" || contentType == "application/x-gzip" || contentType == "application/x-rar-compressed" {
		return "archive"
	}
	return "other"
}

func cleanTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(out, t) && len(out) < 30 {
			out = append(out, t)
		}
	}
	return out
}

func blobKey(ctx context.Context, id string) string {
	return "documents/" + principal(ctx).TenantKey + "/" + id
}

func docItem(d *Document, pending bool) (store.Item, error) {
	it, err := store.Marshal(docKey(d.ID), d)
	if err != nil {
		return nil, err
	}
	it["name_norm"] = store.AV(search.Normalize(d.Name + " " + d.Description + " " + strings.Join(d.Tags, " ")))
	if pending {
		// Not yet in any list: the index keys come with the confirmation.
		return it, nil
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV("DOCS"), store.AV(d.ID)
	if d.CategoryID != "" {
		it["GSI2PK"], it["GSI2SK"] = store.AV("DOCS#CAT#"+d.CategoryID), store.AV(d.ID)
	}
	it["GSI3PK"], it["GSI3SK"] = store.AV("DOCS#OWNER#"+d.OwnerID), store.AV(d.ID)
	if d.CustomerID != "" {
		it["GSI4PK"], it["GSI4SK"] = store.AV("DOCS#CUSTOMER#"+d.CustomerID), store.AV(d.ID)
	}
	return it, nil
}

func docFromItem(it store.Item) (*Document, error) {
	var d Document
	if err := unmarshal(it, &d); err != nil {
		return nil, err
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	d.Title = d.Name
	return &d, nil
}

func (s *Service) load(ctx context.Context, t store.Table, id string) (*Document, store.Item, error) {
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	it, err := store.GetOr(ctx, t, docKey(id), notFound)
	if err != nil {
		return nil, nil, err
	}
	if store.Str(it, "pending") != "" {
		return nil, nil, notFound()
	}
	d, err := docFromItem(it)
	return d, it, err
}

// checkRefs validates the category and the ids a document links to.
func (s *Service) checkRefs(ctx context.Context, t store.Table, d *Document) error {
	f := crm.FieldErrors{}
	for _, r := range []struct{ field, v string }{{"customer_id", d.CustomerID}, {"deal_id", d.DealID}, {"task_id", d.TaskID}, {"category_id", d.CategoryID}} {
		if r.v != "" && !ids.Valid(r.v) {
			f.Add(r.field, "is not a valid id")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	var keys []store.Key
	want := map[store.Key]string{}
	add := func(field, id string, k store.Key) {
		if id != "" {
			keys = append(keys, k)
			want[k] = field
		}
	}
	add("category_id", d.CategoryID, catKey(d.CategoryID))
	add("customer_id", d.CustomerID, store.Key{PK: "CUSTOMER#" + d.CustomerID, SK: "#CUSTOMER"})
	add("deal_id", d.DealID, store.Key{PK: "DEAL#" + d.DealID, SK: "#DEAL"})
	add("task_id", d.TaskID, store.Key{PK: "TASK#" + d.TaskID, SK: "#TASK"})
	if len(keys) == 0 {
		return nil
	}
	found, err := t.BatchGet(ctx, keys)
	if err != nil {
		return err
	}
	for _, it := range found {
		delete(want, store.KeyOf(it))
	}
	for _, field := range want {
		f.Add(field, "no such record in this organization")
	}
	return f.Err()
}

func (d *Document) apply(m Meta) error {
	f := crm.FieldErrors{}
	if m.Name != nil {
		if n := strings.TrimSpace(*m.Name); n == "" {
			f.Add("name", "must not be empty")
		} else {
			d.Name = blob.CleanName(n)
		}
	}
	if m.Description != nil {
		if len(*m.Description) > 5000 {
			f.Add("description", "at most 5000 characters")
		}
		d.Description = strings.TrimSpace(*m.Description)
	}
	if m.CategoryID != nil {
		d.CategoryID = strings.TrimSpace(*m.CategoryID)
	}
	if m.Tags != nil {
		d.Tags = cleanTags(*m.Tags)
	}
	if m.CustomerID != nil {
		d.CustomerID = strings.TrimSpace(*m.CustomerID)
	}
	if m.DealID != nil {
		d.DealID = strings.TrimSpace(*m.DealID)
	}
	if m.TaskID != nil {
		d.TaskID = strings.TrimSpace(*m.TaskID)
	}
	return f.Err()
}

// quotaCheck refuses a file that would take the tenant over its quota and
// returns the quota, which the write's transaction checks again (so two
// uploads at once cannot both pass it). The read makes sure the counter
// has its attribute, which that condition compares.
func (s *Service) quotaCheck(ctx context.Context, t store.Table, size int64) (int64, error) {
	quota := DefaultQuota
	if s.Quota != nil {
		q, err := s.Quota(ctx)
		if err != nil {
			return 0, err
		}
		quota = q
	}
	it, err := t.Update(ctx, store.Update{Key: StorageKey(), Add: map[string]int64{"bytes": 0}})
	if err != nil {
		return 0, err
	}
	if used := store.Int(it, "bytes"); used+size > quota {
		return 0, quotaError(used, quota, size)
	}
	return quota, nil
}

func quotaError(used, quota, size int64) error {
	return &crm.Error{Code: crm.ETOOLARGE, Message: "storage quota exceeded: the organization stores " + humanBytes(used) +
		" of its plan's " + humanBytes(quota) + " and this file needs " + humanBytes(size)}
}

func humanBytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strings.TrimSuffix(strings.TrimSuffix(formatFloat(f), ".0"), ".00") + " " + units[i]
}

// Upload stores a file through the API: the bytes go to the file store,
// then one transaction writes the document, the counters and the event.
func (s *Service) Upload(ctx context.Context, name string, body []byte, m Meta) (*Document, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, invalid("file", "the file is empty")
	}
	if len(body) > MaxUploadBytes {
		return nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the file is larger than 10 MB; ask for a presigned upload (POST /api/documents/presign)"}
	}
	now := s.now()
	d := &Document{ID: ids.New(), OriginalName: blob.CleanName(name), OwnerID: principal(ctx).Subject, CreatedAt: now, UpdatedAt: now, Version: 1, Tags: []string{}}
	d.Name = d.OriginalName
	if err := d.apply(m); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, t, d); err != nil {
		return nil, err
	}
	quota, err := s.quotaCheck(ctx, t, int64(len(body)))
	if err != nil {
		return nil, err
	}
	d.ContentType = blob.Sniff(body[:min(len(body), 512)])
	d.Type, d.Size, d.BlobKey = kind(d.ContentType, d.OriginalName), int64(len(body)), blobKey(ctx, d.ID)
	if err := s.Blob.Put(ctx, d.BlobKey, d.ContentType, body); err != nil {
		return nil, err
	}
	if err := s.record(ctx, t, d, store.NotExists(), quota); err != nil {
		s.Blob.Delete(ctx, d.BlobKey)
		return nil, err
	}
	return d, nil
}

func (s *Service) record(ctx context.Context, t store.Table, d *Document, cond store.Cond, quota int64) error {
	d.FileVersion = 1
	it, err := docItem(d, false)
	if err != nil {
		return err
	}
	vit, err := versionItem(d.ID, d.current())
	if err != nil {
		return err
	}
	add := map[string]int64{"total": 1, "size": d.Size}
	if d.CategoryID != "" {
		add["cat_"+hexID(d.CategoryID)] = 1
	}
	ops := []store.Op{store.PutOp(it, cond),
		store.UpdateOp(store.Update{Key: StorageKey(), Add: map[string]int64{"bytes": d.Size}, Cond: []store.Cond{store.Le("bytes", quota-d.Size)}}),
		store.UpdateOp(store.Update{Key: countersKey(), Add: add}),
		outbox.Op(ctx, "document.uploaded", map[string]any{"document_id": d.ID, "name": d.Name, "size": d.Size, "customer_id": d.CustomerID})}
	ops = append(ops, store.PutOp(vit))
	ops = append(ops, linkOps(nil, d)...)
	ops = append(ops, search.Ops(SearchKind, d.ID, nil, words(d))...)
	err = t.TransactWrite(ctx, ops...)
	var tx *store.TxError
	if errors.As(err, &tx) && tx.Index == 1 && tx.Reason == "ConditionalCheckFailed" {
		used := int64(0)
		if it, gerr := t.Get(ctx, StorageKey()); gerr == nil {
			used = store.Int(it, "bytes")
		}
		return quotaError(used, quota, d.Size)
	}
	return err
}

// Get reads one document.
func (s *Service) Get(ctx context.Context, id string) (*Document, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	d, _, err := s.load(ctx, t, id)
	return d, err
}

// canWrite: the owner, the organization's top roles, or a user the
// document is shared with for editing.
func (s *Service) canWrite(ctx context.Context, t store.Table, d *Document) error {
	p := principal(ctx)
	if p.Subject == d.OwnerID || slices.Contains(auth.AllModulesRoles, p.Role) {
		return nil
	}
	shares, err := s.shares(ctx, t, d.ID)
	if err != nil {
		return err
	}
	for _, sh := range shares {
		if sh.Permission == "edit" && sh.active(s.now()) && (sh.UserID == p.Subject || (sh.Email != "" && strings.EqualFold(sh.Email, p.Email))) {
			return nil
		}
	}
	return forbidden("only the document's owner, an administrator or a user it is shared with for editing may change it")
}

// Update changes a document's metadata.
func (s *Service) Update(ctx context.Context, id string, m Meta) (*Document, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	d, _, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if err := s.canWrite(ctx, t, d); err != nil {
		return nil, err
	}
	if m.Version != nil && *m.Version != d.Version {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the document was changed meanwhile; read it again"}
	}
	old := *d
	if err := d.apply(m); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, t, d); err != nil {
		return nil, err
	}
	d.Version++
	d.UpdatedAt = s.now()
	it, err := docItem(d, false)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{store.PutOp(it, store.VersionIs(old.Version))}
	if old.CategoryID != d.CategoryID {
		add := map[string]int64{}
		if old.CategoryID != "" {
			add["cat_"+hexID(old.CategoryID)] = -1
		}
		if d.CategoryID != "" {
			add["cat_"+hexID(d.CategoryID)] = 1
		}
		ops = append(ops, store.UpdateOp(store.Update{Key: countersKey(), Add: add}))
	}
	ops = append(ops, linkOps(&old, d)...)
	ops = append(ops, search.Ops(SearchKind, d.ID, words(&old), words(d))...)
	ops = append(ops, outbox.Op(ctx, "document.updated", map[string]any{"document_id": d.ID, "name": d.Name}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the document was changed meanwhile; read it again"}
		}
		return nil, err
	}
	return d, nil
}

// Delete removes a document, its bytes and every share token of it.
func (s *Service) Delete(ctx context.Context, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	d, _, err := s.load(ctx, t, id)
	if err != nil {
		return err
	}
	if err := s.canWrite(ctx, t, d); err != nil {
		return err
	}
	shares, err := s.shares(ctx, t, id)
	if err != nil {
		return err
	}
	versions, err := s.versions(ctx, t, d)
	if err != nil {
		return err
	}
	stored := int64(0)
	for _, v := range versions {
		stored += v.Size
	}
	// The tokens first (in batches a transaction takes), so no token ever
	// outlives its document.
	var ops []store.Op
	for _, sh := range shares {
		ops = append(ops, store.DeleteOp(shareKey(sh.hash)), store.DeleteOp(docShareKey(id, sh.hash)))
		if len(ops) >= 50 {
			if err := t.TransactWrite(ctx, ops...); err != nil {
				return err
			}
			ops = nil
		}
	}
	// Then the earlier versions' items (the current one goes with the document).
	for _, v := range versions[1:] {
		ops = append(ops, store.DeleteOp(versionKey(id, v.Number)))
		if len(ops) >= 50 {
			if err := t.TransactWrite(ctx, ops...); err != nil {
				return err
			}
			ops = nil
		}
	}
	add := map[string]int64{"total": -1, "size": -d.Size}
	if d.CategoryID != "" {
		add["cat_"+hexID(d.CategoryID)] = -1
	}
	ops = append(ops, store.DeleteOp(docKey(id), store.Exists()),
		store.DeleteOp(versionKey(id, d.fileVersion())),
		store.UpdateOp(store.Update{Key: StorageKey(), Add: map[string]int64{"bytes": -stored}}),
		store.UpdateOp(store.Update{Key: countersKey(), Add: add, Remove: []string{"sh_" + hexID(id), "shn_" + hexID(id)}}),
		outbox.Op(ctx, "document.deleted", map[string]any{"document_id": id}))
	ops = append(ops, linkOps(d, nil)...)
	ops = append(ops, search.Ops(SearchKind, d.ID, words(d), nil)...)
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return notFound()
		}
		return err
	}
	for _, v := range versions {
		s.Blob.Delete(ctx, v.BlobKey)
	}
	return nil
}

// linkOps keep the copy of a document in the item collection of its
// customer, deal and task (their details read `documents` in their one
// Query): out of the old one's, into the new one's.
func linkOps(old, d *Document) []store.Op {
	var ops []store.Op
	links := func(x *Document) [3][2]string {
		return [3][2]string{{"CUSTOMER#", x.CustomerID}, {"DEAL#", x.DealID}, {"TASK#", x.TaskID}}
	}
	var view string
	if d != nil {
		v, _ := json.Marshal(struct {
			*Document
			URL string `json:"url"`
		}{d, "/api/documents/" + d.ID + "/download"})
		view = string(v)
	}
	for i := range 3 {
		if old != nil {
			o := links(old)[i]
			if o[1] != "" && (d == nil || links(d)[i][1] != o[1]) {
				ops = append(ops, store.DeleteOp(store.Key{PK: o[0] + o[1], SK: "DOCUMENT#" + old.ID}))
			}
		}
		if d != nil {
			if n := links(d)[i]; n[1] != "" {
				ops = append(ops, store.PutOp(store.Item{store.PK: store.AV(n[0] + n[1]), store.SK: store.AV("DOCUMENT#" + d.ID),
					"document_id": store.AV(d.ID), "view": store.AV(view)}))
			}
		}
	}
	return ops
}

// hexID is an id usable in an attribute name.
func hexID(id string) string { return strings.ReplaceAll(id, "-", "") }

// LinkedViews are the API forms of the documents kept in a customer's,
// deal's or task's item collection (SK=DOCUMENT#…, "view"), newest first,
// with the Jalali twins of their dates.
func LinkedViews(raw []json.RawMessage, loc *time.Location) []map[string]any {
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		var m map[string]any
		if json.Unmarshal(r, &m) != nil {
			continue
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if s, ok := m[k].(string); ok {
				if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
					m[k+"_jalali"] = jalali.Format(at, loc)
				}
			}
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b map[string]any) int {
		x, _ := a["id"].(string)
		y, _ := b["id"].(string)
		return strings.Compare(y, x)
	})
	return out
}
