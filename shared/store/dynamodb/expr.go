package dynamodb

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/store"
)

// exprBuilder renders store conditions as DynamoDB expressions. guregu
// takes "$" (name) and "?" (value) placeholders with positional arguments;
// the raw Query call takes #n/:v placeholders with maps. One builder serves
// both so the two cannot disagree.
type exprBuilder struct {
	raw    bool
	args   []any
	names  map[string]string
	values map[string]types.AttributeValue
}

func newRaw() *exprBuilder {
	return &exprBuilder{raw: true, names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

func (b *exprBuilder) name(n string) string {
	if !b.raw {
		b.args = append(b.args, n)
		return "$"
	}
	for k, v := range b.names {
		if v == n {
			return k
		}
	}
	p := fmt.Sprintf("#n%d", len(b.names))
	b.names[p] = n
	return p
}

func (b *exprBuilder) value(v types.AttributeValue) string {
	if !b.raw {
		b.args = append(b.args, v)
		return "?"
	}
	p := fmt.Sprintf(":v%d", len(b.values))
	b.values[p] = v
	return p
}

// conds renders an AND of conditions; "" when there are none.
func (b *exprBuilder) conds(cs []store.Cond, now time.Time) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, "("+b.cond(c, now)+")")
	}
	return strings.Join(parts, " AND ")
}

func (b *exprBuilder) cond(c store.Cond, now time.Time) string {
	nowV := store.AV(now.Unix())
	switch c.Op {
	case store.OpItemNotExists:
		// An expired item that DynamoDB has not swept yet counts as absent.
		return fmt.Sprintf("attribute_not_exists(%s) OR %s <= %s", b.name(store.PK), b.name(store.TTL), b.value(nowV))
	case store.OpItemExists:
		return fmt.Sprintf("attribute_exists(%s) AND (attribute_not_exists(%s) OR %s > %s)",
			b.name(store.PK), b.name(store.TTL), b.name(store.TTL), b.value(nowV))
	case store.OpAttrExists:
		return fmt.Sprintf("attribute_exists(%s)", b.name(c.Attr))
	case store.OpAttrNotExists:
		return fmt.Sprintf("attribute_not_exists(%s)", b.name(c.Attr))
	case store.OpBeginsWith:
		return fmt.Sprintf("begins_with(%s, %s)", b.name(c.Attr), b.value(c.Value))
	case store.OpContains:
		return fmt.Sprintf("contains(%s, %s)", b.name(c.Attr), b.value(c.Value))
	}
	// DynamoDB's <> is true for a missing attribute, as Cond.Eval is.
	op := map[store.CondOp]string{store.OpEq: "=", store.OpNe: "<>", store.OpLt: "<", store.OpLe: "<=", store.OpGt: ">", store.OpGe: ">="}[c.Op]
	return fmt.Sprintf("%s %s %s", b.name(c.Attr), op, b.value(c.Value))
}

// liveFilter hides expired items that DynamoDB has not deleted yet (it may
// take days; moto never does).
func (b *exprBuilder) liveFilter(now time.Time) string {
	return fmt.Sprintf("(attribute_not_exists(%s) OR %s > %s)", b.name(store.TTL), b.name(store.TTL), b.value(store.AV(now.Unix())))
}

func (b *exprBuilder) keyCond(pkAttr, skAttr, pk string, c store.SKCond) string {
	e := fmt.Sprintf("%s = %s", b.name(pkAttr), b.value(store.AV(pk)))
	switch c.Op {
	case store.SKEq:
		e += fmt.Sprintf(" AND %s = %s", b.name(skAttr), b.value(store.AV(c.A)))
	case store.SKBeginsWith:
		e += fmt.Sprintf(" AND begins_with(%s, %s)", b.name(skAttr), b.value(store.AV(c.A)))
	case store.SKBetween:
		e += fmt.Sprintf(" AND %s BETWEEN %s AND %s", b.name(skAttr), b.value(store.AV(c.A)), b.value(store.AV(c.B)))
	case store.SKLt:
		e += fmt.Sprintf(" AND %s < %s", b.name(skAttr), b.value(store.AV(c.A)))
	case store.SKLe:
		e += fmt.Sprintf(" AND %s <= %s", b.name(skAttr), b.value(store.AV(c.A)))
	case store.SKGt:
		e += fmt.Sprintf(" AND %s > %s", b.name(skAttr), b.value(store.AV(c.A)))
	case store.SKGe:
		e += fmt.Sprintf(" AND %s >= %s", b.name(skAttr), b.value(store.AV(c.A)))
	}
	return e
}
