package documents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

func unmarshal(it store.Item, v any) error {
	return crm.Wrap(dynamo.UnmarshalItem(it, v), "decode")
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// ---- listing ----

// Filter selects documents; at most one of the indexed filters picks the
// index, the others are conditions on it.
type Filter struct {
	CategoryID, OwnerID, CustomerID, Type, Tag, Search string
	Limit, Offset                                      int
	Cursor                                             string
}

// List reads one page of documents, newest first, and their total.
func (s *Service) List(ctx context.Context, f Filter) ([]*Document, int, string, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	q := store.Query{Index: "GSI1", PK: "DOCS", Reverse: true, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	var conds []store.Cond
	switch {
	case f.CategoryID != "":
		q.Index, q.PK = "GSI2", "DOCS#CAT#"+f.CategoryID
	case f.CustomerID != "":
		q.Index, q.PK = "GSI4", "DOCS#CUSTOMER#"+f.CustomerID
	case f.OwnerID != "":
		q.Index, q.PK = "GSI3", "DOCS#OWNER#"+f.OwnerID
	}
	if f.OwnerID != "" && q.Index != "GSI3" {
		conds = append(conds, store.Eq("owner_id", f.OwnerID))
	}
	if f.CustomerID != "" && q.Index != "GSI4" {
		conds = append(conds, store.Eq("customer_id", f.CustomerID))
	}
	if f.Type != "" {
		ty := strings.ToLower(f.Type)
		// pdf, image … or an extension the client knows the file by.
		switch ty {
		case "pdf", "image", "document", "spreadsheet", "presentation", "text", "archive", "audio", "video", "other":
			conds = append(conds, store.Eq("type", ty))
		default:
			conds = append(conds, store.Contains("content_type", ty))
		}
	}
	if f.Tag != "" {
		conds = append(conds, store.Contains("tags", f.Tag))
	}
	if f.Search != "" {
		for _, w := range search.Tokens(f.Search) {
			conds = append(conds, store.Contains("name_norm", w))
		}
	}
	q.Filter = conds
	return store.List(ctx, t, q, docFromItem)
}

// ---- presigned uploads ----

// PendingUpload is a presigned PUT the client uploads a large file to.
type PendingUpload = blob.PendingUpload

// BeginUpload hands out a presigned PUT; the document exists once
// ConfirmUpload has checked the bytes.
func (s *Service) BeginUpload(ctx context.Context, name string, size int64, m Meta) (*PendingUpload, error) {
	if !blob.CanPresign(s.Blob) {
		return nil, crm.Errorf(crm.EVALIDATION, "this installation takes files through the API only")
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if size <= 0 || size > MaxPresignedBytes {
		return nil, invalid("size", "must be more than 0 and at most 500 MB")
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
	if _, err := s.quotaCheck(ctx, t, size); err != nil {
		return nil, err
	}
	d.BlobKey = blobKey(ctx, d.ID)
	url, err := blob.PresignPut(ctx, s.Blob, d.BlobKey, presignTTL)
	if err != nil {
		return nil, err
	}
	it, err := docItem(d, true)
	if err != nil {
		return nil, err
	}
	it["pending"] = store.AV("1")
	it["declared_size"] = store.AV(size)
	it[store.TTL] = store.AV(now.Add(presignTTL + time.Hour).Unix())
	if err := t.Put(ctx, it, store.NotExists()); err != nil {
		return nil, err
	}
	return &PendingUpload{ID: d.ID, URL: url, Method: http.MethodPut, ExpiresAt: now.Add(presignTTL), MaxBytes: size}, nil
}

// ConfirmUpload checks the uploaded bytes (type sniffed, size at most the
// declared one, the quota) and records the document.
func (s *Service) ConfirmUpload(ctx context.Context, uploadID string) (*Document, error) {
	if !blob.CanPresign(s.Blob) || !ids.Valid(uploadID) {
		return nil, notFound()
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	it, err := store.GetOr(ctx, t, docKey(uploadID), notFound)
	if err != nil {
		return nil, err
	}
	if store.Str(it, "pending") == "" {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the upload is already confirmed"}
	}
	d, err := docFromItem(it)
	if err != nil {
		return nil, err
	}
	if d.OwnerID != principal(ctx).Subject {
		return nil, notFound()
	}
	head, size, err := blob.Uploaded(ctx, s.Blob, d.BlobKey)
	if err != nil {
		return nil, invalid("upload_id", "nothing was uploaded to the URL yet")
	}
	if size == 0 || size > store.Int(it, "declared_size") {
		s.Blob.Delete(ctx, d.BlobKey)
		t.Delete(ctx, docKey(uploadID))
		return nil, invalid("file", "the uploaded file is empty or larger than declared")
	}
	quota, err := s.quotaCheck(ctx, t, size)
	if err != nil {
		s.Blob.Delete(ctx, d.BlobKey)
		t.Delete(ctx, docKey(uploadID))
		return nil, err
	}
	d.Size, d.ContentType = size, blob.Sniff(head)
	d.Type = kind(d.ContentType, d.OriginalName)
	d.CreatedAt, d.UpdatedAt = s.now(), s.now()
	if err := s.record(ctx, t, d, store.AttrExists("pending"), quota); err != nil {
		if crm.ErrorCode(err) == crm.ETOOLARGE {
			s.Blob.Delete(ctx, d.BlobKey)
			t.Delete(ctx, docKey(uploadID))
			return nil, err
		}
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "the upload is already confirmed"}
		}
		return nil, err
	}
	return d, nil
}

// ---- bytes ----

// Open returns a document's bytes.
func (s *Service) Open(ctx context.Context, d *Document) (io.ReadCloser, error) {
	rc, _, _, err := s.Blob.Get(ctx, d.BlobKey)
	return rc, err
}

// PresignedDownload is a short-lived GET URL of the bytes ("" when the
// store cannot presign).
func (s *Service) PresignedDownload(ctx context.Context, d *Document, inline bool) (string, error) {
	k := "attachment"
	if inline {
		k = "inline"
	}
	return blob.PresignGet(ctx, s.Blob, d.BlobKey, d.ContentType, blob.Disposition(k, d.Name), presignTTL)
}

// ---- categories ----

// Category groups documents.
type Category struct {
	ID          string    `dynamo:"id" json:"id"`
	Name        string    `dynamo:"name" json:"name"`
	Description string    `dynamo:"description" json:"description"`
	Color       string    `dynamo:"color" json:"color"`
	ParentID    string    `dynamo:"parent_id" json:"parent_id"`
	Documents   int64     `dynamo:"-" json:"documents_count"`
	CreatedAt   time.Time `dynamo:"created_at" json:"created_at"`
	UpdatedAt   time.Time `dynamo:"updated_at" json:"updated_at"`
}

func catMissing() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "category not found", Key: "not-found-resource", Args: []any{"category"}}
}

// Categories lists every category with its document count: one Query and
// one GetItem of the counters.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	p, err := t.Query(ctx, store.Query{PK: "DOCCATS"})
	if err != nil {
		return nil, err
	}
	counters, err := t.Get(ctx, countersKey())
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return nil, err
	}
	out := make([]*Category, 0, len(p.Items))
	for _, it := range p.Items {
		var c Category
		if err := unmarshal(it, &c); err != nil {
			return nil, err
		}
		c.Documents = store.Int(counters, "cat_"+hexID(c.ID))
		out = append(out, &c)
	}
	sort.SliceStable(out, func(i, j int) bool { return search.Normalize(out[i].Name) < search.Normalize(out[j].Name) })
	return out, nil
}

// SaveCategory creates (id "") or changes a category; names are unique.
func (s *Service) SaveCategory(ctx context.Context, id string, name, description, color *string) (*Category, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var c *Category
	if id == "" {
		if name == nil || strings.TrimSpace(*name) == "" {
			return nil, invalid("name", "required")
		}
		c = &Category{ID: ids.New(), CreatedAt: s.now()}
	} else {
		for _, x := range all {
			if x.ID == id {
				c = x
			}
		}
		if c == nil {
			return nil, catMissing()
		}
	}
	if name != nil {
		n := strings.TrimSpace(*name)
		if n == "" || len([]rune(n)) > 100 {
			return nil, invalid("name", "1 to 100 characters")
		}
		for _, x := range all {
			if x.ID != c.ID && search.Normalize(x.Name) == search.Normalize(n) {
				return nil, &crm.Error{Code: crm.ECONFLICT, Message: "a category with this name exists", Fields: map[string][]string{"name": {"taken"}}}
			}
		}
		c.Name = n
	}
	if description != nil {
		c.Description = strings.TrimSpace(*description)
	}
	if color != nil {
		c.Color = strings.TrimSpace(*color)
	}
	c.UpdatedAt = s.now()
	it, err := store.Marshal(catKey(c.ID), c)
	if err != nil {
		return nil, err
	}
	cond := store.NotExists()
	ev := "document.category_created"
	if id != "" {
		cond, ev = store.Exists(), "document.category_updated"
	}
	if err := t.TransactWrite(ctx, store.PutOp(it, cond), outbox.Op(ctx, ev, map[string]any{"category_id": c.ID, "name": c.Name})); err != nil {
		if id != "" && crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, catMissing()
		}
		return nil, err
	}
	return c, nil
}

// DeleteCategory removes an empty category (409 while documents are in it).
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return catMissing()
	}
	if _, err := store.GetOr(ctx, t, catKey(id), catMissing); err != nil {
		return err
	}
	counters, err := t.Get(ctx, countersKey())
	if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
		return err
	}
	if store.Int(counters, "cat_"+hexID(id)) > 0 {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the category still has documents; move or delete them first"}
	}
	err = t.TransactWrite(ctx, store.DeleteOp(catKey(id), store.Exists()),
		outbox.Op(ctx, "document.category_deleted", map[string]any{"category_id": id}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return catMissing()
	}
	return err
}

// ---- stats ----

// Stats are the documents' figures, from the counters item.
type Stats struct {
	TotalDocuments int64            `json:"total_documents"`
	TotalSize      int64            `json:"total_size"`
	ByCategory     map[string]int64 `json:"by_category"`
	MostShared     []SharedCount    `json:"most_shared"`
	StorageUsed    int64            `json:"storage_used" doc:"Bytes of every file of the organization (documents, task files, avatars)"`
	StorageQuota   int64            `json:"storage_quota"`
}

// SharedCount is a document and how often it was shared.
type SharedCount struct {
	DocumentID string `json:"document_id"`
	Name       string `json:"name"`
	Shares     int64  `json:"shares"`
}

// Stats reads the counters: one BatchGet whatever the number of documents.
func (s *Service) Stats(ctx context.Context) (*Stats, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	items, err := t.BatchGet(ctx, []store.Key{countersKey(), StorageKey()})
	if err != nil {
		return nil, err
	}
	st := &Stats{ByCategory: map[string]int64{}, MostShared: []SharedCount{}, StorageQuota: DefaultQuota}
	if s.Quota != nil {
		if st.StorageQuota, err = s.Quota(ctx); err != nil {
			return nil, err
		}
	}
	for _, it := range items {
		if store.Str(it, store.PK) == StorageKey().PK {
			st.StorageUsed = store.Int(it, "bytes")
			continue
		}
		st.TotalDocuments, st.TotalSize = store.Int(it, "total"), store.Int(it, "size")
		for k := range it {
			switch {
			case strings.HasPrefix(k, "cat_"):
				if n := store.Int(it, k); n > 0 {
					st.ByCategory[dashed(strings.TrimPrefix(k, "cat_"))] = n
				}
			case strings.HasPrefix(k, "sh_"):
				h := strings.TrimPrefix(k, "sh_")
				if n := store.Int(it, k); n > 0 {
					st.MostShared = append(st.MostShared, SharedCount{DocumentID: dashed(h), Name: store.Str(it, "shn_"+h), Shares: n})
				}
			}
		}
	}
	sort.Slice(st.MostShared, func(i, j int) bool {
		a, b := st.MostShared[i], st.MostShared[j]
		return a.Shares > b.Shares || a.Shares == b.Shares && a.DocumentID > b.DocumentID
	})
	st.MostShared = st.MostShared[:min(len(st.MostShared), 10)]
	return st, nil
}

func dashed(h string) string {
	if len(h) != 32 {
		return h
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ---- sharing ----

// Share is one recipient's token of a document. The token itself is shown
// once, when made; the store keeps its SHA-256.
type Share struct {
	Recipient  string     `dynamo:"recipient" json:"recipient"`
	UserID     string     `dynamo:"user_id" json:"user_id"`
	Email      string     `dynamo:"email" json:"email"`
	Permission string     `dynamo:"permission" json:"permission"`
	DocumentID string     `dynamo:"document_id" json:"document_id"`
	SharedBy   string     `dynamo:"shared_by" json:"shared_by"`
	ExpiresAt  *time.Time `dynamo:"expires_at" json:"expires_at"`
	CreatedAt  time.Time  `dynamo:"created_at" json:"created_at"`
	ShareID    string     `dynamo:"share_id" json:"share_id" doc:"Names the share for revocation (not the token)"`
	Token      string     `dynamo:"-" json:"token,omitempty"`
	hash       string
}

func (sh *Share) active(now time.Time) bool { return sh.ExpiresAt == nil || sh.ExpiresAt.After(now) }

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// newToken is the tenant's key and 256 random bits: the tenant part finds
// the table, the random part (hashed) the share.
func newToken(tenant string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return tenant + "." + base64.RawURLEncoding.EncodeToString(b)
}

// TokenTenant returns the tenant a token names ("" when malformed).
func TokenTenant(tok string) string {
	t, rest, ok := strings.Cut(tok, ".")
	if !ok || len(rest) != 43 {
		return ""
	}
	return t
}

func shareFromItem(it store.Item) (*Share, error) {
	var sh Share
	if err := unmarshal(it, &sh); err != nil {
		return nil, err
	}
	sh.hash = strings.TrimPrefix(store.Str(it, store.SK), "SHARE#")
	if sh.hash == "S" {
		sh.hash = strings.TrimPrefix(store.Str(it, store.PK), "DOCSHARE#")
	}
	return &sh, nil
}

func (s *Service) shares(ctx context.Context, t store.Table, docID string) ([]*Share, error) {
	p, err := t.Query(ctx, store.Query{PK: docPK(docID), SK: store.SKPrefix("SHARE#")})
	if err != nil {
		return nil, err
	}
	out := make([]*Share, 0, len(p.Items))
	for _, it := range p.Items {
		sh, err := shareFromItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, nil
}

// Detail is a document with whom it is shared.
func (s *Service) Detail(ctx context.Context, id string) (*Document, []*Share, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !ids.Valid(id) {
		return nil, nil, notFound()
	}
	// One Query: the document and its shares are one item collection.
	p, err := t.Query(ctx, store.Query{PK: docPK(id)})
	if err != nil {
		return nil, nil, err
	}
	var d *Document
	shares := []*Share{}
	now := s.now()
	for _, it := range p.Items {
		if store.Str(it, store.SK) == "#DOC" {
			if store.Str(it, "pending") != "" {
				return nil, nil, notFound()
			}
			if d, err = docFromItem(it); err != nil {
				return nil, nil, err
			}
			continue
		}
		if isVersion(it) {
			continue
		}
		sh, err := shareFromItem(it)
		if err != nil {
			return nil, nil, err
		}
		if sh.active(now) {
			shares = append(shares, sh)
		}
	}
	if d == nil {
		return nil, nil, notFound()
	}
	sort.Slice(shares, func(i, j int) bool { return shares[i].ShareID < shares[j].ShareID })
	return d, shares, nil
}

// ShareRequest shares a document.
type ShareRequest struct {
	Recipients []string
	Permission string
	ExpiresAt  *time.Time
}

// Share makes one token per recipient (a user id of the tenant or an
// e-mail address): one transaction with the counters and the event.
func (s *Service) Share(ctx context.Context, id string, r ShareRequest) ([]*Share, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	d, _, err := s.load(ctx, t, id)
	if err != nil {
		return nil, err
	}
	perm := strings.ToLower(strings.TrimSpace(r.Permission))
	if perm == "" {
		perm = "view"
	}
	f := crm.FieldErrors{}
	if perm != "view" && perm != "edit" {
		f.Add("permission", "view or edit")
	}
	if len(r.Recipients) == 0 || len(r.Recipients) > 20 {
		f.Add("recipients", "1 to 20 user ids or e-mail addresses")
	}
	now := s.now()
	if r.ExpiresAt != nil && !r.ExpiresAt.After(now) {
		f.Add("expires_at", "must be in the future")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// A link opens the document to anyone who holds it: only who may
	// change the document may hand one out.
	if err := s.canWrite(ctx, t, d); err != nil {
		return nil, err
	}
	var userKeys []store.Key
	for _, rc := range r.Recipients {
		rc = strings.TrimSpace(rc)
		if ids.Valid(rc) {
			userKeys = append(userKeys, users.Key(rc))
		} else if !strings.Contains(rc, "@") || len(rc) > 254 || strings.ContainsAny(rc, " <>\"") {
			return nil, invalid("recipients", "each must be a user id of this organization or an e-mail address")
		}
	}
	known := map[string]*users.User{}
	if len(userKeys) > 0 {
		us, err := store.Batch(ctx, t, userKeys, users.Decode)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			known[u.ID] = u
		}
		if len(known) != len(userKeys) {
			return nil, invalid("recipients", "each must be a user id of this organization or an e-mail address")
		}
	}
	tenant := principal(ctx).TenantKey
	var out []*Share
	var ops []store.Op
	for _, rc := range r.Recipients {
		rc = strings.TrimSpace(rc)
		sh := &Share{Recipient: rc, Permission: perm, DocumentID: id, SharedBy: principal(ctx).Subject, ExpiresAt: r.ExpiresAt, CreatedAt: now, ShareID: ids.New()}
		if u := known[rc]; u != nil {
			sh.UserID, sh.Email = u.ID, strings.ToLower(u.Email)
		} else {
			sh.Email = strings.ToLower(rc)
		}
		sh.Token = newToken(tenant)
		sh.hash = hashToken(sh.Token)
		lookup, err := store.Marshal(shareKey(sh.hash), sh)
		if err != nil {
			return nil, err
		}
		inDoc, err := store.Marshal(docShareKey(id, sh.hash), sh)
		if err != nil {
			return nil, err
		}
		who := sh.UserID
		if who == "" {
			who = sh.Email
		}
		inDoc["GSI1PK"], inDoc["GSI1SK"] = store.AV("DOCSHARED#"+who), store.AV(sh.ShareID)
		if sh.ExpiresAt != nil {
			ttl := store.AV(sh.ExpiresAt.Unix())
			lookup[store.TTL], inDoc[store.TTL] = ttl, ttl
		}
		ops = append(ops, store.PutOp(lookup, store.NotExists()), store.PutOp(inDoc, store.NotExists()))
		out = append(out, sh)
	}
	n := int64(len(out))
	ops = append(ops,
		store.UpdateOp(store.Update{Key: docKey(id), Add: map[string]int64{"shares_count": n}, Cond: []store.Cond{store.Exists()}}),
		store.UpdateOp(store.Update{Key: countersKey(), Add: map[string]int64{"sh_" + hexID(id): n}, Set: store.Item{"shn_" + hexID(id): store.AV(d.Name)}}),
		outbox.Op(ctx, "document.shared", map[string]any{"document_id": id, "recipients": r.Recipients, "permission": perm}))
	if err := t.TransactWrite(ctx, ops...); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, notFound()
		}
		return nil, err
	}
	return out, nil
}

// Revoke ends a share (by its share_id) of a document.
func (s *Service) Revoke(ctx context.Context, docID, shareID string) error {
	t, err := s.table(ctx)
	if err != nil {
		return err
	}
	d, _, err := s.load(ctx, t, docID)
	if err != nil {
		return err
	}
	shares, err := s.shares(ctx, t, docID)
	if err != nil {
		return err
	}
	for _, sh := range shares {
		if sh.ShareID != shareID {
			continue
		}
		if p := principal(ctx); sh.SharedBy != p.Subject {
			if err := s.canWrite(ctx, t, d); err != nil {
				return err
			}
		}
		return t.TransactWrite(ctx, store.DeleteOp(shareKey(sh.hash)), store.DeleteOp(docShareKey(docID, sh.hash)),
			store.UpdateOp(store.Update{Key: docKey(docID), Add: map[string]int64{"shares_count": -1}, Cond: []store.Cond{store.Exists()}}),
			outbox.Op(ctx, "document.share_revoked", map[string]any{"document_id": docID, "share_id": shareID}))
	}
	return &crm.Error{Code: crm.ENOTFOUND, Message: "share not found", Key: "not-found-resource", Args: []any{"share"}}
}

// SharedWithMe lists the documents shared with the caller (by user id or
// their address), newest share first, active shares only.
func (s *Service) SharedWithMe(ctx context.Context) ([]*Document, []*Share, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	p := principal(ctx)
	var shares []*Share
	for _, who := range []string{p.Subject, strings.ToLower(p.Email)} {
		if who == "" {
			continue
		}
		pg, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "DOCSHARED#" + who, Reverse: true, Limit: 100})
		if err != nil {
			return nil, nil, err
		}
		for _, it := range pg.Items {
			sh, err := shareFromItem(it)
			if err != nil {
				return nil, nil, err
			}
			if sh.active(s.now()) {
				shares = append(shares, sh)
			}
		}
	}
	seen := map[string]bool{}
	var keys []store.Key
	for _, sh := range shares {
		if !seen[sh.DocumentID] {
			seen[sh.DocumentID] = true
			keys = append(keys, docKey(sh.DocumentID))
		}
	}
	docs, err := store.Batch(ctx, t, keys, docFromItem)
	if err != nil {
		return nil, nil, err
	}
	return docs, shares, nil
}

// ---- public access by token ----

// Opened is what a valid token opens.
type Opened struct {
	Document *Document
	Share    *Share
}

// OpenToken finds the document of a share token in table t; ENOTFOUND for
// an unknown, tampered, revoked or expired token, or a deleted document.
func (s *Service) OpenToken(ctx context.Context, t store.Table, tok string) (*Opened, error) {
	missing := func() error {
		return &crm.Error{Code: crm.ENOTFOUND, Message: "this link is invalid or has expired", Key: "not-found-resource", Args: []any{"document"}}
	}
	if TokenTenant(tok) == "" {
		return nil, missing()
	}
	it, err := store.GetOr(ctx, t, shareKey(hashToken(tok)), missing)
	if err != nil {
		return nil, err
	}
	sh, err := shareFromItem(it)
	if err != nil {
		return nil, err
	}
	if !sh.active(s.now()) || store.Expired(it, s.now()) {
		return nil, missing()
	}
	dit, err := store.GetOr(ctx, t, docKey(sh.DocumentID), missing)
	if err != nil {
		return nil, err
	}
	if store.Str(dit, "pending") != "" {
		return nil, missing()
	}
	d, err := docFromItem(dit)
	if err != nil {
		return nil, err
	}
	return &Opened{Document: d, Share: sh}, nil
}
