package documents

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// Version is one file of a document: the first upload is number 1, every
// POST /api/documents/{id}/versions adds the next; the document's own
// fields describe the newest. Each version is its own blob (under the
// document's key prefix) and its own item in the document's collection.
type Version struct {
	Number       int64     `dynamo:"number" json:"number"`
	OriginalName string    `dynamo:"original_name" json:"original_name"`
	ContentType  string    `dynamo:"content_type" json:"content_type"`
	Type         string    `dynamo:"type" json:"type"`
	Size         int64     `dynamo:"size" json:"size"`
	UploadedBy   string    `dynamo:"uploaded_by" json:"uploaded_by"`
	CreatedAt    time.Time `dynamo:"created_at" json:"created_at"`
	BlobKey      string    `dynamo:"blob_key" json:"-"`
}

func versionKey(docID string, n int64) store.Key {
	return store.Key{PK: docPK(docID), SK: fmt.Sprintf("VERSION#%06d", n)}
}

// fileVersion is the number of the document's current file (documents
// written before versions existed are at 1).
func (d *Document) fileVersion() int64 { return max(d.FileVersion, 1) }

// current is the version the document's own fields describe.
func (d *Document) current() *Version {
	return &Version{Number: d.fileVersion(), OriginalName: d.OriginalName, ContentType: d.ContentType, Type: d.Type, Size: d.Size,
		UploadedBy: d.OwnerID, CreatedAt: d.CreatedAt, BlobKey: d.BlobKey}
}

func versionItem(docID string, v *Version) (store.Item, error) {
	return store.Marshal(versionKey(docID, v.Number), v)
}

func isVersion(it store.Item) bool { return strings.HasPrefix(store.Str(it, store.SK), "VERSION#") }

// versions reads every version item of a document (one Query) and adds
// the current file when no item holds it (documents older than versions).
func (s *Service) versions(ctx context.Context, t store.Table, d *Document) ([]*Version, error) {
	p, err := t.Query(ctx, store.Query{PK: docPK(d.ID), SK: store.SKPrefix("VERSION#")})
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(p.Items)+1)
	have := map[int64]bool{}
	for _, it := range p.Items {
		var v Version
		if err := unmarshal(it, &v); err != nil {
			return nil, err
		}
		have[v.Number] = true
		out = append(out, &v)
	}
	if !have[d.fileVersion()] {
		out = append(out, d.current())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number > out[j].Number })
	return out, nil
}

// Versions lists a document's files, newest first.
func (s *Service) Versions(ctx context.Context, id string) (*Document, []*Version, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, _, err := s.load(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	vs, err := s.versions(ctx, t, d)
	return d, vs, err
}

// AtVersion is the document as of version n (its bytes, type, size and
// file name), for a download of that version.
func (s *Service) AtVersion(ctx context.Context, d *Document, n int64) (*Document, error) {
	if n == d.fileVersion() {
		return d, nil
	}
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > d.fileVersion() {
		return nil, &crm.Error{Code: crm.ENOTFOUND, Message: "the document has no such version"}
	}
	it, err := store.GetOr(ctx, t, versionKey(d.ID, n), func() error {
		return &crm.Error{Code: crm.ENOTFOUND, Message: "the document has no such version"}
	})
	if err != nil {
		return nil, err
	}
	var v Version
	if err := unmarshal(it, &v); err != nil {
		return nil, err
	}
	at := *d
	at.BlobKey, at.ContentType, at.Type, at.Size, at.OriginalName = v.BlobKey, v.ContentType, v.Type, v.Size, v.OriginalName
	return &at, nil
}

// AddVersion stores a new file of a document (same limits as an upload):
// the document's current file becomes it, the earlier ones stay. The
// storage counter and the quota count every version.
func (s *Service) AddVersion(ctx context.Context, id, name string, body []byte) (*Document, *Version, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, _, err := s.load(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.canWrite(ctx, t, d); err != nil {
		return nil, nil, err
	}
	if len(body) == 0 {
		return nil, nil, invalid("file", "the file is empty")
	}
	if len(body) > MaxUploadBytes {
		return nil, nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the file is larger than 10 MB"}
	}
	quota, err := s.quotaCheck(ctx, t, int64(len(body)))
	if err != nil {
		return nil, nil, err
	}
	old := *d
	var ops []store.Op
	if _, err := t.Get(ctx, versionKey(id, old.fileVersion())); crm.ErrorCode(err) == crm.ENOTFOUND {
		// A document older than versions: its first file gets its item now.
		it, err := versionItem(id, old.current())
		if err != nil {
			return nil, nil, err
		}
		ops = append(ops, store.PutOp(it))
	} else if err != nil {
		return nil, nil, err
	}
	now := s.now()
	v := &Version{Number: old.fileVersion() + 1, OriginalName: blob.CleanName(name), Size: int64(len(body)), UploadedBy: principal(ctx).Subject, CreatedAt: now}
	v.ContentType = blob.Sniff(body[:min(len(body), 512)])
	v.Type = kind(v.ContentType, v.OriginalName)
	v.BlobKey = fmt.Sprintf("%s/v%d", blobKey(ctx, id), v.Number)
	if err := s.Blob.Put(ctx, v.BlobKey, v.ContentType, body); err != nil {
		return nil, nil, err
	}
	d.FileVersion, d.OriginalName, d.ContentType, d.Type, d.Size, d.BlobKey = v.Number, v.OriginalName, v.ContentType, v.Type, v.Size, v.BlobKey
	d.Version++
	d.UpdatedAt = now
	dit, err := docItem(d, false)
	if err != nil {
		return nil, nil, err
	}
	vit, err := versionItem(id, v)
	if err != nil {
		return nil, nil, err
	}
	ops = append([]store.Op{store.PutOp(dit, store.VersionIs(old.Version)),
		store.UpdateOp(store.Update{Key: StorageKey(), Add: map[string]int64{"bytes": v.Size}, Cond: []store.Cond{store.Le("bytes", quota-v.Size)}}),
		store.PutOp(vit, store.NotExists()),
		store.UpdateOp(store.Update{Key: countersKey(), Add: map[string]int64{"size": v.Size - old.Size}}),
		outbox.Op(ctx, "document.version_added", map[string]any{"document_id": id, "version": v.Number, "size": v.Size, "uploaded_by": v.UploadedBy})}, ops...)
	ops = append(ops, linkOps(&old, d)...)
	ops = append(ops, search.Ops(SearchKind, d.ID, words(&old), words(d))...)
	err = t.TransactWrite(ctx, ops...)
	if err != nil {
		s.Blob.Delete(ctx, v.BlobKey)
		var tx *store.TxError
		if errors.As(err, &tx) && tx.Index == 1 && tx.Reason == "ConditionalCheckFailed" {
			used := int64(0)
			if it, gerr := t.Get(ctx, StorageKey()); gerr == nil {
				used = store.Int(it, "bytes")
			}
			return nil, nil, quotaError(used, quota, v.Size)
		}
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, nil, &crm.Error{Code: crm.ECONFLICT, Message: "the document was changed meanwhile; try again"}
		}
		return nil, nil, err
	}
	return d, v, nil
}
