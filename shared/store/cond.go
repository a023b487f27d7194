package store

import (
	"math/big"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CondOp is a condition or filter operator.
type CondOp int

const (
	OpItemNotExists CondOp = iota // the item does not exist (or has expired)
	OpItemExists
	OpAttrExists
	OpAttrNotExists
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpBeginsWith
	OpContains // string contains substring, or set/list contains element
)

// Cond is one condition on an item: a write condition or a query filter.
// Conditions in a list are ANDed.
type Cond struct {
	Op    CondOp
	Attr  string
	Value types.AttributeValue
}

// NotExists holds when no live item has the key (put-if-absent).
func NotExists() Cond { return Cond{Op: OpItemNotExists} }

// Exists holds when a live item has the key.
func Exists() Cond { return Cond{Op: OpItemExists} }

func AttrExists(attr string) Cond    { return Cond{Op: OpAttrExists, Attr: attr} }
func AttrNotExists(attr string) Cond { return Cond{Op: OpAttrNotExists, Attr: attr} }
func Eq(attr string, v any) Cond     { return Cond{Op: OpEq, Attr: attr, Value: AV(v)} }
func Ne(attr string, v any) Cond     { return Cond{Op: OpNe, Attr: attr, Value: AV(v)} }
func Lt(attr string, v any) Cond     { return Cond{Op: OpLt, Attr: attr, Value: AV(v)} }
func Le(attr string, v any) Cond     { return Cond{Op: OpLe, Attr: attr, Value: AV(v)} }
func Gt(attr string, v any) Cond     { return Cond{Op: OpGt, Attr: attr, Value: AV(v)} }
func Ge(attr string, v any) Cond     { return Cond{Op: OpGe, Attr: attr, Value: AV(v)} }
func BeginsWith(attr, prefix string) Cond {
	return Cond{Op: OpBeginsWith, Attr: attr, Value: AV(prefix)}
}
func Contains(attr string, v any) Cond { return Cond{Op: OpContains, Attr: attr, Value: AV(v)} }

// VersionIs holds when the item's "version" attribute equals v (optimistic locking).
func VersionIs(v int64) Cond { return Eq("version", v) }

// Eval evaluates the condition against item (nil when absent). The embedded
// backend uses it directly; it mirrors DynamoDB's semantics for the
// operators we use.
func (c Cond) Eval(item Item) bool {
	switch c.Op {
	case OpItemNotExists:
		return item == nil
	case OpItemExists:
		return item != nil
	}
	var v types.AttributeValue
	if item != nil {
		v = item[c.Attr]
	}
	switch c.Op {
	case OpAttrExists:
		return v != nil
	case OpAttrNotExists:
		return v == nil
	}
	if v == nil {
		return c.Op == OpNe
	}
	switch c.Op {
	case OpEq:
		return compare(v, c.Value) == 0
	case OpNe:
		return compare(v, c.Value) != 0
	case OpLt:
		r := compare(v, c.Value)
		return r != cmpIncomparable && r < 0
	case OpLe:
		r := compare(v, c.Value)
		return r != cmpIncomparable && r <= 0
	case OpGt:
		r := compare(v, c.Value)
		return r != cmpIncomparable && r > 0
	case OpGe:
		r := compare(v, c.Value)
		return r != cmpIncomparable && r >= 0
	case OpBeginsWith:
		s, ok1 := v.(*types.AttributeValueMemberS)
		p, ok2 := c.Value.(*types.AttributeValueMemberS)
		return ok1 && ok2 && strings.HasPrefix(s.Value, p.Value)
	case OpContains:
		return contains(v, c.Value)
	}
	return false
}

// EvalAll reports whether every condition holds.
func EvalAll(conds []Cond, item Item) bool {
	for _, c := range conds {
		if !c.Eval(item) {
			return false
		}
	}
	return true
}

const cmpIncomparable = 2

// compare orders two values of the same scalar type; other pairs are
// incomparable (and unequal), as in DynamoDB.
func compare(a, b types.AttributeValue) int {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		if y, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(x.Value, y.Value)
		}
	case *types.AttributeValueMemberN:
		if y, ok := b.(*types.AttributeValueMemberN); ok {
			fx, _, err1 := big.ParseFloat(x.Value, 10, 128, big.ToNearestEven)
			fy, _, err2 := big.ParseFloat(y.Value, 10, 128, big.ToNearestEven)
			if err1 != nil || err2 != nil {
				return cmpIncomparable
			}
			return fx.Cmp(fy)
		}
	case *types.AttributeValueMemberBOOL:
		if y, ok := b.(*types.AttributeValueMemberBOOL); ok {
			if x.Value == y.Value {
				return 0
			}
			return cmpIncomparable
		}
	case *types.AttributeValueMemberB:
		if y, ok := b.(*types.AttributeValueMemberB); ok {
			return strings.Compare(string(x.Value), string(y.Value))
		}
	}
	return cmpIncomparable
}

func contains(v, want types.AttributeValue) bool {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		w, ok := want.(*types.AttributeValueMemberS)
		return ok && strings.Contains(x.Value, w.Value)
	case *types.AttributeValueMemberSS:
		w, ok := want.(*types.AttributeValueMemberS)
		if !ok {
			return false
		}
		for _, s := range x.Value {
			if s == w.Value {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range x.Value {
			if compare(e, want) == 0 {
				return true
			}
		}
	}
	return false
}
