package dynamodb

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

type table struct {
	d    *DB
	t    dynamo.Table
	name string
}

var _ store.Table = (*table)(nil)

func (t *table) Name() string { return t.name }

func (t *table) Get(ctx context.Context, key store.Key) (store.Item, error) {
	var it store.Item
	err := t.t.Get(store.PK, key.PK).Range(store.SK, dynamo.Equal, key.SK).Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return nil, crm.Errorf(crm.ENOTFOUND, "item not found")
	}
	if err != nil {
		return nil, translate(err)
	}
	if store.Expired(it, t.d.now()) {
		return nil, crm.Errorf(crm.ENOTFOUND, "item not found")
	}
	return it, nil
}

func (t *table) Put(ctx context.Context, item store.Item, conds ...store.Cond) error {
	p := t.t.Put(item)
	if len(conds) > 0 {
		b := &exprBuilder{}
		p = p.If(b.conds(conds, t.d.now()), b.args...)
	}
	return translate(p.Run(ctx))
}

func (t *table) Delete(ctx context.Context, key store.Key, conds ...store.Cond) error {
	del := t.t.Delete(store.PK, key.PK).Range(store.SK, key.SK)
	if len(conds) > 0 {
		b := &exprBuilder{}
		del = del.If(b.conds(conds, t.d.now()), b.args...)
	}
	return translate(del.Run(ctx))
}

func (t *table) buildUpdate(u store.Update) *dynamo.Update {
	up := t.t.Update(store.PK, u.Key.PK).Range(store.SK, u.Key.SK)
	for k, v := range u.Set {
		up = up.Set(k, v)
	}
	for k, d := range u.Add {
		up = up.Add(k, d)
	}
	if len(u.Remove) > 0 {
		up = up.Remove(u.Remove...)
	}
	if len(u.Cond) > 0 {
		b := &exprBuilder{}
		up = up.If(b.conds(u.Cond, t.d.now()), b.args...)
	}
	return up
}

func (t *table) Update(ctx context.Context, u store.Update) (store.Item, error) {
	var it store.Item
	if err := t.buildUpdate(u).Value(ctx, &it); err != nil {
		return nil, translate(err)
	}
	return it, nil
}

func (t *table) BatchGet(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	if len(keys) == 0 {
		store.CountRead(ctx, 0) // as the embedded store counts it
		return nil, nil
	}
	if len(keys) > 100 {
		return nil, crm.Errorf(crm.EINVALID, "batch get takes at most 100 keys")
	}
	ks := make([]dynamo.Keyed, len(keys))
	for i, k := range keys {
		ks[i] = dynamo.Keys{k.PK, k.SK}
	}
	var got []store.Item
	err := t.t.Batch(store.PK, store.SK).Get(ks...).Consistent(true).All(ctx, &got)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return nil, translate(err)
	}
	// BatchGetItem answers in any order; callers get the order they asked.
	byKey := make(map[store.Key]store.Item, len(got))
	now := t.d.now()
	for _, it := range got {
		if !store.Expired(it, now) {
			byKey[store.KeyOf(it)] = it
		}
	}
	out := make([]store.Item, 0, len(byKey))
	for _, k := range keys {
		if it, ok := byKey[k]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func (t *table) TransactWrite(ctx context.Context, ops ...store.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if len(ops) > store.MaxTransactOps {
		return crm.Errorf(crm.EINVALID, "a transaction takes at most %d operations", store.MaxTransactOps)
	}
	// Idempotent: a retried transaction (the SDK's or guregu's retry after
	// a timeout or reset) whose first attempt did commit takes no effect a
	// second time and answers success, instead of failing its own
	// conditions as a conflict (DynamoDB keeps the token 10 minutes).
	tx := t.d.db.WriteTx().Idempotent(true)
	now := t.d.now()
	for _, op := range ops {
		b := &exprBuilder{}
		switch {
		case op.Put != nil:
			p := t.t.Put(op.Put)
			if len(op.Cond) > 0 {
				p = p.If(b.conds(op.Cond, now), b.args...)
			}
			tx = tx.Put(p)
		case op.Update != nil:
			tx = tx.Update(t.buildUpdate(*op.Update))
		case op.Delete != nil:
			del := t.t.Delete(store.PK, op.Delete.PK).Range(store.SK, op.Delete.SK)
			if len(op.Cond) > 0 {
				del = del.If(b.conds(op.Cond, now), b.args...)
			}
			tx = tx.Delete(del)
		case op.Check != nil:
			c := t.t.Check(store.PK, op.Check.PK).Range(store.SK, op.Check.SK)
			if len(op.Cond) > 0 {
				c = c.If(b.conds(op.Cond, now), b.args...)
			}
			tx = tx.Check(c)
		}
	}
	err := tx.Run(ctx)
	if err == nil {
		return nil
	}
	var txe *types.TransactionCanceledException
	if errors.As(err, &txe) {
		for i, r := range txe.CancellationReasons {
			if r.Code != nil && *r.Code != "None" && i < len(ops) {
				return &txErr{store.TxError{Index: i, Key: ops[i].Key(), Reason: *r.Code}, err}
			}
		}
	}
	return translate(err)
}

// txErr is a TxError that also carries the ECONFLICT code.
type txErr struct {
	store.TxError
	cause error
}

func (e *txErr) Error() string { return e.TxError.Error() }

func (e *txErr) Unwrap() []error {
	return []error{&e.TxError, &crm.Error{Code: crm.ECONFLICT, Message: "the transaction was cancelled: a condition failed", Err: e.cause}}
}

// Query pages through DynamoDB until it has Offset+Limit matching items plus
// one more (so that the returned cursor only exists when more items do).
// The cursor is the key of the last item returned, not DynamoDB's
// LastEvaluatedKey, so it stays valid whatever the filter skipped.
func (t *table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.PK == "" {
		return store.Page{}, crm.Errorf(crm.EINVALID, "a query needs a partition key")
	}
	pkAttr, skAttr := store.PK, store.SK
	if q.Index != "" {
		pkAttr, skAttr = q.Index+"PK", q.Index+"SK"
	}
	now := t.d.now()
	b := newRaw()
	in := &ddb.QueryInput{
		TableName:              aws.String(t.name),
		KeyConditionExpression: aws.String(b.keyCond(pkAttr, skAttr, q.PK, q.SK)),
		ScanIndexForward:       aws.Bool(!q.Reverse),
	}
	filter := b.liveFilter(now)
	if f := b.conds(q.Filter, now); f != "" {
		filter += " AND " + f
	}
	in.FilterExpression = aws.String(filter)
	in.ExpressionAttributeNames = b.names
	in.ExpressionAttributeValues = b.values
	if q.Index != "" {
		in.IndexName = aws.String(q.Index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.Cursor != "" {
		m, err := store.DecodeCursor(q.Index, q.Cursor)
		if err != nil {
			return store.Page{}, err
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{}
		for k, v := range m {
			in.ExclusiveStartKey[k] = store.AV(v)
		}
	}
	if q.CountOnly && q.Limit == 0 && q.Offset == 0 {
		return t.count(ctx, in)
	}
	if q.Offset > 0 {
		// Skip the offset without transferring what it skips: count
		// matching items (Select COUNT, no items on the wire) up to the
		// offset and resume after the last item counted. The read cost is
		// the same; the bytes and their decoding are not.
		more, err := t.skip(ctx, in, q.Offset)
		if err != nil || !more {
			return store.Page{}, err
		}
		q.Offset = 0
		if q.CountOnly && q.Limit == 0 {
			return t.count(ctx, in)
		}
	}
	want := -1 // unlimited
	if q.Limit > 0 {
		want = q.Offset + q.Limit + 1
	}
	var page store.Page
	matched := 0
	for {
		if want > 0 {
			// Read no more than could still be needed; a filter may make
			// later round trips necessary.
			in.Limit = aws.Int32(int32(min(want-matched, 1000)))
		}
		out, err := t.d.client.Query(ctx, in)
		if err != nil {
			return store.Page{}, translate(err)
		}
		for _, it := range out.Items {
			matched++
			if matched <= q.Offset {
				continue
			}
			if q.Limit > 0 && page.Count == q.Limit {
				if !q.CountOnly {
					page.Cursor = store.EncodeCursor(q.Index, page.Items[len(page.Items)-1])
				}
				if q.CountOnly {
					page.Items = nil
				}
				return page, nil
			}
			page.Count++
			page.Items = append(page.Items, it)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if q.CountOnly {
		page.Items = nil
	}
	return page, nil
}

// count sums matching items without transferring them (Select COUNT); the
// read cost is the same, the bytes on the wire are not.
func (t *table) count(ctx context.Context, in *ddb.QueryInput) (store.Page, error) {
	in.Select = types.SelectCount
	var page store.Page
	for {
		out, err := t.d.client.Query(ctx, in)
		if err != nil {
			return store.Page{}, translate(err)
		}
		page.Count += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// skip advances in past the first n matching items: each round trip
// evaluates at most the items still to skip, so it never goes past them.
// more is false when the partition ends first.
func (t *table) skip(ctx context.Context, in *ddb.QueryInput, n int) (more bool, err error) {
	sk := *in
	sk.Select = types.SelectCount
	skipped := 0
	for skipped < n {
		sk.Limit = aws.Int32(int32(min(n-skipped, 1000)))
		out, err := t.d.client.Query(ctx, &sk)
		if err != nil {
			return false, translate(err)
		}
		skipped += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return false, nil
		}
		sk.ExclusiveStartKey = out.LastEvaluatedKey
	}
	in.ExclusiveStartKey = sk.ExclusiveStartKey
	return true, nil
}
