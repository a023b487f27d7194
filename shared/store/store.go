// Package store is the DynamoDB-shaped storage port every repository uses.
// Two backends implement it: store/dynamodb (guregu/dynamo over
// aws-sdk-go-v2) and store/embedded (bbolt). One contract suite
// (store/storetest) runs against both so they cannot drift apart.
//
// Every table shares one key schema: PK/SK plus the global secondary indexes
// GSI1..GSI5, each with <index>PK/<index>SK string attributes. Items with an
// epoch-seconds TTL attribute in the past are invisible to reads and swept
// later.
package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/crm"
)

// Key attribute names shared by every table.
const (
	PK  = "PK"
	SK  = "SK"
	TTL = "ttl"
)

// Indexes every table has. An index's key attributes are Index+"PK" and
// Index+"SK"; items without them are not in the index (sparse).
var Indexes = []string{"GSI1", "GSI2", "GSI3", "GSI4", "GSI5"}

// MaxTransactOps is DynamoDB's limit on one TransactWriteItems call.
const MaxTransactOps = 100

// Item is one stored item in DynamoDB's attribute value form.
type Item = map[string]types.AttributeValue

// AttributeValue is one attribute of an item.
type AttributeValue = types.AttributeValue

// Key addresses one item.
type Key struct{ PK, SK string }

// DB is a set of tables: the control plane and one table per tenant.
type DB interface {
	// Table returns a handle; it does not check that the table exists.
	Table(name string) Table
	// CreateTable creates a table with the shared key schema. ECONFLICT if it exists.
	CreateTable(ctx context.Context, name string) error
	// DeleteTable drops a table and all its items. ENOTFOUND if missing.
	DeleteTable(ctx context.Context, name string) error
	TableExists(ctx context.Context, name string) (bool, error)
	Close() error
}

// Table is the item API of one table. Errors carry crm codes:
// ENOTFOUND for a missing item or table, ECONFLICT for a failed condition.
type Table interface {
	Name() string
	// Get returns the item or ENOTFOUND.
	Get(ctx context.Context, key Key) (Item, error)
	// Put writes the whole item; ECONFLICT when a condition fails.
	Put(ctx context.Context, item Item, conds ...Cond) error
	// Update changes attributes in place (creating the item when absent and
	// no condition forbids it) and returns the item as it is afterwards.
	Update(ctx context.Context, u Update) (Item, error)
	// Delete removes the item; ECONFLICT when a condition fails. Deleting a
	// missing item without conditions succeeds.
	Delete(ctx context.Context, key Key, conds ...Cond) error
	// Query reads one partition of the table or an index in sort-key order.
	Query(ctx context.Context, q Query) (Page, error)
	// BatchGet returns the existing items among keys, in the order of keys.
	BatchGet(ctx context.Context, keys []Key) ([]Item, error)
	// TransactWrite applies all ops or none. When a condition fails the
	// error is a *TxError naming the operation (and has code ECONFLICT).
	TransactWrite(ctx context.Context, ops ...Op) error
}

// Update describes an in-place change of one item.
type Update struct {
	Key    Key
	Set    Item             // attributes to set
	Add    map[string]int64 // numeric attributes to add to (missing = 0)
	Remove []string         // attributes to remove
	Cond   []Cond           // all must hold
}

// Add atomically adds delta to a numeric attribute and returns its new value.
func Add(ctx context.Context, t Table, key Key, attr string, delta int64) (int64, error) {
	it, err := t.Update(ctx, Update{Key: key, Add: map[string]int64{attr: delta}})
	if err != nil {
		return 0, err
	}
	return Int(it, attr), nil
}

// Op is one operation of a transaction; build it with PutOp, UpdateOp,
// DeleteOp or CheckOp.
type Op struct {
	Put    Item
	Update *Update
	Delete *Key
	Check  *Key
	Cond   []Cond // for Put, Delete and Check; Update carries its own
}

func PutOp(item Item, conds ...Cond) Op  { return Op{Put: item, Cond: conds} }
func UpdateOp(u Update) Op               { return Op{Update: &u} }
func DeleteOp(key Key, conds ...Cond) Op { return Op{Delete: &key, Cond: conds} }
func CheckOp(key Key, conds ...Cond) Op  { return Op{Check: &key, Cond: conds} }

// Key returns the key the op touches.
func (o Op) Key() Key {
	switch {
	case o.Put != nil:
		return KeyOf(o.Put)
	case o.Update != nil:
		return o.Update.Key
	case o.Delete != nil:
		return *o.Delete
	case o.Check != nil:
		return *o.Check
	}
	return Key{}
}

// Conds returns the op's conditions.
func (o Op) Conds() []Cond {
	if o.Update != nil {
		return o.Update.Cond
	}
	return o.Cond
}

// TxError reports which operation of a transaction failed its condition.
type TxError struct {
	Index  int    // position of the failing op in the call
	Key    Key    // the key it touched
	Reason string // ConditionalCheckFailed, TransactionConflict, …
}

func (e *TxError) Error() string {
	return fmt.Sprintf("transaction cancelled: operation %d (%s/%s): %s", e.Index, e.Key.PK, e.Key.SK, e.Reason)
}

// Query reads items of one partition.
type Query struct {
	Index   string // "" for the table, or one of Indexes
	PK      string // partition key value
	SK      SKCond // optional sort key condition
	Filter  []Cond // applied after the key condition; all must hold
	Limit   int    // most items returned (0 = no limit)
	Offset  int    // matching items skipped first (deep page numbers)
	Reverse bool   // descending sort key order
	Cursor  string // from a previous Page; resumes after its last item
	// CountOnly returns only Page.Count (matching items), not the items.
	CountOnly bool
}

// Page is one result of Query.
type Page struct {
	Items  []Item
	Cursor string // "" when no more items
	Count  int    // matching items (len(Items), or the count for CountOnly)
}

// SKOp is a sort key comparison.
type SKOp int

const (
	SKAny SKOp = iota
	SKEq
	SKBeginsWith
	SKBetween // inclusive
	SKLt
	SKLe
	SKGt
	SKGe
)

// SKCond restricts the sort key of a Query.
type SKCond struct {
	Op   SKOp
	A, B string
}

func SKEquals(v string) SKCond       { return SKCond{Op: SKEq, A: v} }
func SKPrefix(p string) SKCond       { return SKCond{Op: SKBeginsWith, A: p} }
func SKBetweenOf(a, b string) SKCond { return SKCond{Op: SKBetween, A: a, B: b} }
func SKLess(v string) SKCond         { return SKCond{Op: SKLt, A: v} }
func SKLessEq(v string) SKCond       { return SKCond{Op: SKLe, A: v} }
func SKGreater(v string) SKCond      { return SKCond{Op: SKGt, A: v} }
func SKGreaterEq(v string) SKCond    { return SKCond{Op: SKGe, A: v} }

// Match reports whether sk satisfies the condition (byte order, as DynamoDB).
func (c SKCond) Match(sk string) bool {
	switch c.Op {
	case SKEq:
		return sk == c.A
	case SKBeginsWith:
		return len(sk) >= len(c.A) && sk[:len(c.A)] == c.A
	case SKBetween:
		return sk >= c.A && sk <= c.B
	case SKLt:
		return sk < c.A
	case SKLe:
		return sk <= c.A
	case SKGt:
		return sk > c.A
	case SKGe:
		return sk >= c.A
	}
	return true
}

// List reads one page of q, decodes its items, and counts every item that
// matches (a second, count-only query): the page and total of a listing.
func List[T any](ctx context.Context, t Table, q Query, decode func(Item) (T, error)) ([]T, int, string, error) {
	p, err := t.Query(ctx, q)
	if err != nil {
		return nil, 0, "", err
	}
	out := make([]T, 0, len(p.Items))
	for _, it := range p.Items {
		v, err := decode(it)
		if err != nil {
			return nil, 0, "", err
		}
		out = append(out, v)
	}
	q.Limit, q.Offset, q.Cursor, q.CountOnly = 0, 0, "", true
	cp, err := t.Query(ctx, q)
	if err != nil {
		return nil, 0, "", err
	}
	return out, cp.Count, p.Cursor, nil
}

// MaxBatchGet is how many keys one BatchGet takes (DynamoDB's limit).
const MaxBatchGet = 100

// BatchGetAll reads any number of keys, one BatchGet per MaxBatchGet of
// them; items come back in the order of keys, missing ones left out.
func BatchGetAll(ctx context.Context, t Table, keys []Key) ([]Item, error) {
	var out []Item
	for start := 0; start < len(keys); start += MaxBatchGet {
		items, err := t.BatchGet(ctx, keys[start:min(start+MaxBatchGet, len(keys))])
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// Batch reads up to 100 keys in one round trip and decodes the items that
// exist, in the order of keys.
func Batch[T any](ctx context.Context, t Table, keys []Key, decode func(Item) (T, error)) ([]T, error) {
	items, err := t.BatchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	return Decode(items, nil, decode)
}

// Keys are the keys of ids, in their order.
func Keys(ids []string, key func(id string) Key) []Key {
	out := make([]Key, len(ids))
	for i, id := range ids {
		out[i] = key(id)
	}
	return out
}

// Decode decodes the items that every condition of filter holds for (a
// filter applied in memory, as a Query's is), in their order.
func Decode[T any](items []Item, filter []Cond, decode func(Item) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if !EvalAll(filter, it) {
			continue
		}
		v, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// GetOr is Get that answers a missing item (or table) with the caller's
// error, which names what is missing; the store's own names no entity.
func GetOr(ctx context.Context, t Table, key Key, missing func() error) (Item, error) {
	it, err := t.Get(ctx, key)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil, missing()
	}
	return it, err
}
