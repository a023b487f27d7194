package embedded

import (
	"bytes"
	"context"
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
	b, err := t.db.bolt(t.name)
	if err != nil {
		return err
	}
	now := t.db.now()
	return b.View(func(tx *bolt.Tx) error { return fn(tx, now) })
}

func (t *table) update(fn func(tx *bolt.Tx, now time.Time) error) error {
	b, err := t.db.bolt(t.name)
	if err != nil {
		return err
	}
	now := t.db.now()
	return b.Update(func(tx *bolt.Tx) error { return fn(tx, now) })
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
	err := t.update(func(tx *bolt.Tx, now time.Time) error {
		old, err := load(tx, mainKey(u.Key), now)
		if err != nil {
			return err
		}
		if !store.EvalAll(u.Cond, old) {
			return conflict()
		}
		out, err = applyUpdate(old, u)
		if err != nil {
			return err
		}
		return putItem(tx, rawItem(tx, u.Key), out)
	})
	if err != nil {
		return nil, unwrapTx(err)
	}
	store.CountWrite(ctx, 1)
	return out, nil
}

// rawItem returns the stored item including an expired one, whose index
// entries must be replaced too.
func rawItem(tx *bolt.Tx, k store.Key) store.Item {
	v := tx.Bucket(mainBucket).Get(mainKey(k))
	if v == nil {
		return nil
	}
	it, err := decodeItem(v)
	if err != nil {
		return nil
	}
	return it
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

// txAbort carries a failed condition out of the bolt transaction so that
// bolt rolls back.
type txAbort struct{ err error }

func (a txAbort) Error() string { return a.err.Error() }

func unwrapTx(err error) error {
	if a, ok := err.(txAbort); ok {
		return a.err
	}
	return err
}

func (t *table) TransactWrite(ctx context.Context, ops ...store.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if len(ops) > store.MaxTransactOps {
		return crm.Errorf(crm.EINVALID, "a transaction takes at most %d operations", store.MaxTransactOps)
	}
	seen := map[store.Key]bool{}
	for _, op := range ops {
		k := op.Key()
		if err := checkKey(k); err != nil {
			return err
		}
		if seen[k] {
			// DynamoDB refuses two operations on one item in a transaction.
			return crm.Errorf(crm.EINVALID, "a transaction touches %s/%s twice", k.PK, k.SK)
		}
		seen[k] = true
	}
	err := t.update(func(tx *bolt.Tx, now time.Time) error {
		// Check every condition first: a transaction either applies whole
		// or names the operation that stopped it.
		olds := make([]store.Item, len(ops))
		for i, op := range ops {
			old, err := load(tx, mainKey(op.Key()), now)
			if err != nil {
				return err
			}
			olds[i] = old
			if !store.EvalAll(op.Conds(), old) {
				return txAbort{&txErr{store.TxError{Index: i, Key: op.Key(), Reason: "ConditionalCheckFailed"}}}
			}
		}
		for i, op := range ops {
			raw := rawItem(tx, op.Key())
			switch {
			case op.Put != nil:
				if err := putItem(tx, raw, store.Clone(op.Put)); err != nil {
					return err
				}
			case op.Update != nil:
				it, err := applyUpdate(olds[i], *op.Update)
				if err != nil {
					return err
				}
				if err := putItem(tx, raw, it); err != nil {
					return err
				}
			case op.Delete != nil:
				if raw != nil {
					if err := removeItem(tx, raw); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		err = unwrapTx(err)
		if _, ok := err.(*txErr); ok && len(ops) == 1 {
			return conflict() // a plain Put/Delete reports no operation index
		}
		return err
	}
	store.CountWrite(ctx, len(ops))
	return nil
}

// txErr is a TxError that also carries the ECONFLICT code.
type txErr struct{ store.TxError }

func (e *txErr) Error() string { return e.TxError.Error() }

// Unwrap exposes both the TxError and the domain code.
func (e *txErr) Unwrap() []error {
	return []error{&e.TxError, &crm.Error{Code: crm.ECONFLICT, Message: "the transaction was cancelled: a condition failed"}}
}

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
	scanned := 0
	err := t.view(func(tx *bolt.Tx, now time.Time) error {
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
			mk := k
			if q.Index != "" {
				mk = v
			}
			it, err := load(tx, mk, now)
			if err != nil {
				if err = skipCorrupt(err); err != nil {
					return err
				}
			}
			if it == nil {
				continue
			}
			scanned++
			if !store.EvalAll(q.Filter, it) {
				continue
			}
			if skipped < q.Offset {
				skipped++
				continue
			}
			if q.Limit > 0 && page.Count == q.Limit {
				// One more match exists: the page is full and has a successor.
				page.Cursor = store.EncodeCursor(q.Index, page.Items[len(page.Items)-1])
				if q.CountOnly {
					page.Cursor = ""
				}
				return nil
			}
			page.Count++
			if !q.CountOnly || q.Limit > 0 {
				page.Items = append(page.Items, it)
			}
		}
		return nil
	})
	if err != nil {
		return store.Page{}, err
	}
	if q.CountOnly {
		page.Items = nil
	}
	store.CountRead(ctx, scanned)
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
