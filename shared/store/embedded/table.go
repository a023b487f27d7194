package embedded

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	bolt "go.etcd.io/bbolt"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

type table struct {
	db   *DB
	name string
}

var _ store.Table = (*table)(nil)

func (t *table) Name() string { return t.name }

func (t *table) view(fn func(tx *bolt.Tx, now time.Time) error) error {
	_, b, err := t.db.file(t.name)
	if err != nil {
		return err
	}
	now := t.db.now()
	return closedErr(t.name, b.View(func(tx *bolt.Tx) error { return fn(tx, now) }))
}

// update runs fn in a write transaction. While other writes to the table
// are in flight it joins them in a shared transaction (bolt's Batch), which
// may run fn more than once and rolls back every member when one returns
// an error. So fn returns an error only for failures of the store itself,
// never after a failed condition: it reports those through its own
// variables, resets them on entry, and writes nothing before it has
// checked every condition.
func (t *table) update(fn func(tx *bolt.Tx, now time.Time) error) error {
	h, b, err := t.db.file(t.name)
	if err != nil {
		return err
	}
	now := t.db.now()
	run := func(tx *bolt.Tx) error { return fn(tx, now) }
	if h.writers.Add(1) > 1 && t.db.batchDelay > 0 {
		err = b.Batch(run)
	} else {
		err = b.Update(run)
	}
	h.writers.Add(-1)
	return closedErr(t.name, err)
}

func checkKey(k store.Key) error {
	if k.PK == "" || k.SK == "" {
		return crm.Errorf(crm.EINVALID, "item key needs non-empty PK and SK")
	}
	if strings.Contains(k.PK, sep) || strings.Contains(k.SK, sep) {
		return crm.Errorf(crm.EINVALID, "item key contains a NUL byte")
	}
	return nil
}

func conflict() error { return crm.Errorf(crm.ECONFLICT, "the condition of the write failed") }

func (t *table) Get(ctx context.Context, key store.Key) (store.Item, error) {
	var it store.Item
	err := t.view(func(tx *bolt.Tx, now time.Time) error {
		var err error
		it, err = load(tx, mainKey(key), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	store.CountRead(ctx, btoi(it != nil))
	if it == nil {
		return nil, crm.Errorf(crm.ENOTFOUND, "item not found")
	}
	return it, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *table) Put(ctx context.Context, item store.Item, conds ...store.Cond) error {
	return t.TransactWrite(ctx, store.PutOp(item, conds...))
}

func (t *table) Delete(ctx context.Context, key store.Key, conds ...store.Cond) error {
	return t.TransactWrite(ctx, store.DeleteOp(key, conds...))
}

func (t *table) Update(ctx context.Context, u store.Update) (store.Item, error) {
	if err := checkKey(u.Key); err != nil {
		return nil, err
	}
	var out store.Item
	var failed error // a failed condition or an unusable update: nothing written
	err := t.update(func(tx *bolt.Tx, now time.Time) error {
		out, failed = nil, nil
		mk := mainKey(u.Key)
		old, err := stored(tx, mk)
		if err != nil {
			failed = err
			return nil
		}
		if !store.EvalAll(u.Cond, live(old, now)) {
			failed = conflict()
			return nil
		}
		it, err := applyUpdate(live(old, now), u)
		if err == nil {
			var e encoded
			if e, err = encode(it); err == nil {
				out = it
				return putItem(tx, old, e)
			}
		}
		failed = err
		return nil
	})
	if err == nil {
		err = failed
	}
	if err == nil || crm.ErrorCode(err) == crm.ECONFLICT {
		// A write whose condition fails counts too (store.Stats).
		store.CountWrite(ctx, 1)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func applyUpdate(old store.Item, u store.Update) (store.Item, error) {
	var it store.Item
	if old == nil {
		it = store.KeyItem(u.Key)
	} else {
		it = store.Clone(old)
	}
	for k, v := range u.Set {
		if k == store.PK || k == store.SK {
			return nil, crm.Errorf(crm.EINVALID, "an update cannot change the key")
		}
		it[k] = v
	}
	for k, d := range u.Add {
		cur := big.NewFloat(0)
		if v, ok := it[k]; ok {
			n, isN := v.(*types.AttributeValueMemberN)
			if !isN {
				return nil, crm.Errorf(crm.EINVALID, "attribute %s is not a number", k)
			}
			if _, _, err := cur.Parse(n.Value, 10); err != nil {
				return nil, crm.Errorf(crm.EINVALID, "attribute %s is not a number", k)
			}
		}
		cur.Add(cur, new(big.Float).SetInt64(d))
		it[k] = &types.AttributeValueMemberN{Value: cur.Text('f', -1)}
	}
	for _, k := range u.Remove {
		delete(it, k)
	}
	return it, nil
}

func (t *table) BatchGet(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	if len(keys) > 100 {
		return nil, crm.Errorf(crm.EINVALID, "batch get takes at most 100 keys")
	}
	var out []store.Item
	err := t.view(func(tx *bolt.Tx, now time.Time) error {
		for _, k := range keys {
			it, err := load(tx, mainKey(k), now)
			if err != nil {
				if err = skipCorrupt(err); err != nil {
					return err
				}
			}
			if it != nil {
				out = append(out, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	store.CountRead(ctx, len(out))
	return out, nil
}

func (t *table) TransactWrite(ctx context.Context, ops ...store.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if len(ops) > store.MaxTransactOps {
		return crm.Errorf(crm.EINVALID, "a transaction takes at most %d operations", store.MaxTransactOps)
	}
	seen := make(map[store.Key]bool, len(ops))
	puts := make([]encoded, len(ops)) // encoded outside the write lock
	for i, op := range ops {
		k := op.Key()
		if err := checkKey(k); err != nil {
			return err
		}
		if seen[k] {
			// DynamoDB refuses two operations on one item in a transaction.
			return crm.Errorf(crm.EINVALID, "a transaction touches %s/%s twice", k.PK, k.SK)
		}
		seen[k] = true
		if op.Put != nil {
			e, err := encode(store.Clone(op.Put))
			if err != nil {
				return err
			}
			puts[i] = e
		}
	}
	var failed error // a failed condition or an unusable update: nothing written
	err := t.update(func(tx *bolt.Tx, now time.Time) error {
		failed = nil
		// Check every condition and prepare every item before writing
		// anything: a transaction either applies whole or names the
		// operation that stopped it, and a failure leaves the shared
		// transaction untouched.
		olds := make([]store.Item, len(ops))
		ups := make([]encoded, len(ops))
		for i, op := range ops {
			old, err := stored(tx, mainKey(op.Key()))
			if err != nil {
				failed = err
				return nil
			}
			olds[i] = old
			if !store.EvalAll(op.Conds(), live(old, now)) {
				failed = &txErr{store.TxError{Index: i, Key: op.Key(), Reason: "ConditionalCheckFailed"}}
				return nil
			}
			if op.Update != nil {
				it, err := applyUpdate(live(old, now), *op.Update)
				if err == nil {
					ups[i], err = encode(it)
				}
				if err != nil {
					failed = err
					return nil
				}
			}
		}
		for i, op := range ops {
			var err error
			switch {
			case op.Put != nil:
				err = putItem(tx, olds[i], puts[i])
			case op.Update != nil:
				err = putItem(tx, olds[i], ups[i])
			case op.Delete != nil && olds[i] != nil:
				err = removeItem(tx, olds[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = failed
	}
	_, condFailed := err.(*txErr)
	if err == nil || condFailed {
		// A transaction whose condition fails counts too (store.Stats).
		store.CountWrite(ctx, len(ops))
	}
	if condFailed && len(ops) == 1 {
		return conflict() // a plain Put/Delete reports no operation index
	}
	return err
}

// txErr is a TxError that also carries the ECONFLICT code.
type txErr struct{ store.TxError }

func (e *txErr) Error() string { return e.TxError.Error() }

// Unwrap exposes both the TxError and the domain code.
func (e *txErr) Unwrap() []error {
	return []error{&e.TxError, &crm.Error{Code: crm.ECONFLICT, Message: "the transaction was cancelled: a condition failed"}}
}

// Query walks the partition's keys in order. An item is decoded only when
// the query needs it: to evaluate a filter, or to return it. Items that the
// offset skips, and items that CountOnly counts, are judged by their keys
// and expiry alone when there is no filter.
func (t *table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	bucket := mainBucket
	if q.Index != "" {
		if !isIndex(q.Index) {
			return store.Page{}, crm.Errorf(crm.EINVALID, "unknown index %q", q.Index)
		}
		bucket = []byte(q.Index)
	}
	if q.PK == "" {
		return store.Page{}, crm.Errorf(crm.EINVALID, "a query needs a partition key")
	}
	var start []byte
	if q.Cursor != "" {
		m, err := store.DecodeCursor(q.Index, q.Cursor)
		if err != nil {
			return store.Page{}, err
		}
		if q.Index == "" {
			start = []byte(m[store.PK] + sep + m[store.SK])
		} else {
			start = []byte(m[q.Index+"PK"] + sep + m[q.Index+"SK"] + sep + m[store.PK] + sep + m[store.SK])
		}
	}
	prefix := []byte(q.PK + sep)
	var page store.Page
	decoded := 0
	err := t.view(func(tx *bolt.Tx, now time.Time) error {
		page, decoded = store.Page{}, 0
		items := tx.Bucket(mainBucket)
		ix := q.Index != ""
		trustIndex := ix && format2In(tx)
		c := tx.Bucket(bucket).Cursor()
		k, v := first(c, prefix, q, start)
		skipped := 0
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, q.Reverse) {
			sk := sortKey(k[len(prefix):])
			if !q.SK.Match(sk) {
				if pastRange(q.SK, sk, q.Reverse) {
					break
				}
				continue
			}
			full := q.Limit > 0 && page.Count == q.Limit
			returned := !q.CountOnly && skipped >= q.Offset && !full
			var it store.Item
			if len(q.Filter) == 0 && !returned {
				// Skipped, counted, or the probe for a next page: only
				// whether the item is live matters.
				if !ix {
					if !liveValue(v, now) {
						continue
					}
				} else if mk, exp, known := splitIndexValue(v); known || trustIndex {
					if expiredAt(exp, now) {
						continue
					}
				} else if raw := items.Get(mk); raw == nil || !liveValue(raw, now) {
					continue
				}
			} else {
				raw := v
				if ix {
					mk, _, _ := splitIndexValue(v)
					if raw = items.Get(mk); raw == nil {
						continue
					}
				}
				decoded++
				var err error
				if it, err = decodeItem(raw); err != nil {
					slog.Error("skipped an unreadable item", "err", fmt.Errorf("%w %q: %v", errCorrupt, k, err))
					continue
				}
				if store.Expired(it, now) || !store.EvalAll(q.Filter, it) {
					continue
				}
			}
			if skipped < q.Offset {
				skipped++
				continue
			}
			if full {
				// One more match exists: the page is full and has a successor.
				if !q.CountOnly {
					page.Cursor = store.EncodeCursor(q.Index, page.Items[len(page.Items)-1])
				}
				return nil
			}
			page.Count++
			if !q.CountOnly {
				page.Items = append(page.Items, it)
			}
		}
		return nil
	})
	if err != nil {
		return store.Page{}, err
	}
	store.CountRead(ctx, decoded)
	return page, nil
}

func isIndex(name string) bool {
	for _, ix := range store.Indexes {
		if ix == name {
			return true
		}
	}
	return false
}

// sortKey returns the sort key part of a bucket key after its partition.
func sortKey(rest []byte) string {
	if i := bytes.IndexByte(rest, 0); i >= 0 {
		return string(rest[:i])
	}
	return string(rest)
}

// first positions the cursor on the first candidate key of the query.
func first(c *bolt.Cursor, prefix []byte, q store.Query, start []byte) ([]byte, []byte) {
	if start != nil {
		k, v := c.Seek(start)
		if !q.Reverse {
			if k != nil && bytes.Equal(k, start) {
				return c.Next()
			}
			return k, v
		}
		if k == nil {
			return c.Last()
		}
		return c.Prev()
	}
	if !q.Reverse {
		from := prefix
		switch q.SK.Op {
		case store.SKEq, store.SKBeginsWith, store.SKBetween, store.SKGe, store.SKGt:
			from = append(append([]byte{}, prefix...), q.SK.A...)
		}
		return c.Seek(from)
	}
	// 0xFF never occurs in UTF-8, so it sorts after every sort key.
	if k, _ := c.Seek(append(append([]byte{}, prefix...), 0xFF)); k == nil {
		return c.Last()
	}
	return c.Prev()
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// pastRange reports whether iteration has left the key range for good.
func pastRange(c store.SKCond, sk string, reverse bool) bool {
	if !reverse {
		switch c.Op {
		case store.SKEq:
			return sk > c.A
		case store.SKBeginsWith:
			return sk > c.A && !strings.HasPrefix(sk, c.A)
		case store.SKBetween:
			return sk > c.B
		case store.SKLt:
			return sk >= c.A
		case store.SKLe:
			return sk > c.A
		}
		return false
	}
	switch c.Op {
	case store.SKEq:
		return sk < c.A
	case store.SKBeginsWith:
		return sk < c.A
	case store.SKBetween:
		return sk < c.A
	case store.SKGt:
		return sk <= c.A
	case store.SKGe:
		return sk < c.A
	}
	return false
}
