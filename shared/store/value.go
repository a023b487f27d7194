package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
)

// Marshal is the item of v (by its dynamo tags) under key k.
func Marshal(k Key, v any) (Item, error) {
	it, err := dynamo.MarshalItem(v)
	if err != nil {
		return nil, crm.Wrap(err, "marshal "+k.PK)
	}
	it[PK], it[SK] = AV(k.PK), AV(k.SK)
	return it, nil
}

// AV converts a Go scalar (string, bool, integer, float, []byte, []string)
// or an AttributeValue into an AttributeValue.
func AV(v any) types.AttributeValue {
	switch x := v.(type) {
	case types.AttributeValue:
		return x
	case string:
		return &types.AttributeValueMemberS{Value: x}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}
	case int:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(x), 10)}
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}
	case int32:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(x), 10)}
	case uint64:
		return &types.AttributeValueMemberN{Value: strconv.FormatUint(x, 10)}
	case float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(x, 'f', -1, 64)}
	case []byte:
		return &types.AttributeValueMemberB{Value: x}
	case []string:
		l := make([]types.AttributeValue, len(x))
		for i, s := range x {
			l[i] = &types.AttributeValueMemberS{Value: s}
		}
		return &types.AttributeValueMemberL{Value: l}
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}
	}
	panic(fmt.Sprintf("store.AV: unsupported type %T", v))
}

// Str returns a string attribute ("" when absent or not a string).
func Str(it Item, attr string) string {
	if s, ok := it[attr].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// Int returns a numeric attribute as int64 (0 when absent).
func Int(it Item, attr string) int64 {
	if n, ok := it[attr].(*types.AttributeValueMemberN); ok {
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			f, _ := strconv.ParseFloat(n.Value, 64)
			return int64(f)
		}
		return i
	}
	return 0
}

// KeyOf returns the table key of an item.
func KeyOf(it Item) Key { return Key{PK: Str(it, PK), SK: Str(it, SK)} }

// KeyItem returns the key attributes as an item.
func KeyItem(k Key) Item {
	return Item{PK: AV(k.PK), SK: AV(k.SK)}
}

// Expired reports whether the item's TTL has passed at now.
func Expired(it Item, now time.Time) bool {
	ttl := Int(it, TTL)
	return ttl > 0 && ttl <= now.Unix()
}

// Clone returns a shallow copy of an item (values are immutable by convention).
func Clone(it Item) Item {
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v
	}
	return c
}
