package embedded

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/store"
)

// Items written before the binary format (binary.go) are DynamoDB JSON
// ({"S": "…"}, {"N": "…"}, …): every attribute type DynamoDB has, numbers
// at full precision. They are still read; new writes are binary.

type wireValue struct {
	S    *string              `json:"S,omitempty"`
	N    *string              `json:"N,omitempty"`
	B    []byte               `json:"B,omitempty"`
	BOOL *bool                `json:"BOOL,omitempty"`
	NULL bool                 `json:"NULL,omitempty"`
	L    []wireValue          `json:"L,omitempty"`
	M    map[string]wireValue `json:"M,omitempty"`
	SS   []string             `json:"SS,omitempty"`
	NS   []string             `json:"NS,omitempty"`
	BS   [][]byte             `json:"BS,omitempty"`
	IsL  bool                 `json:"isL,omitempty"` // distinguishes an empty list
	IsM  bool                 `json:"isM,omitempty"` // distinguishes an empty map
}

// MaxDepth is how deeply lists and maps may nest in an item: DynamoDB's
// limit. Refusing deeper values on write keeps every stored item readable
// (encoding/json stops decoding at 10,000 levels, two per attribute level
// in this format, so a 5,000-level value could be written but never read).
const MaxDepth = 32

func encodeItem(it store.Item) ([]byte, error) { return encodeBinary(it) }

// encodeJSON is the format of items written before the binary one; kept
// so tests can write what older versions wrote.
func encodeJSON(it store.Item) ([]byte, error) {
	w := make(map[string]wireValue, len(it))
	for k, v := range it {
		wv, err := toWire(v, 1)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		w[k] = wv
	}
	return json.Marshal(w)
}

func decodeItem(b []byte) (store.Item, error) {
	if len(b) > 0 && b[0] == binaryMagic {
		return decodeBinary(b)
	}
	var w map[string]wireValue
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	it := make(store.Item, len(w))
	for k, v := range w {
		it[k] = fromWire(v)
	}
	return it, nil
}

func toWire(v types.AttributeValue, depth int) (wireValue, error) {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return wireValue{S: &x.Value}, nil
	case *types.AttributeValueMemberN:
		return wireValue{N: &x.Value}, nil
	case *types.AttributeValueMemberB:
		return wireValue{B: x.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return wireValue{BOOL: &x.Value}, nil
	case *types.AttributeValueMemberNULL:
		return wireValue{NULL: true}, nil
	case *types.AttributeValueMemberSS:
		return wireValue{SS: x.Value}, nil
	case *types.AttributeValueMemberNS:
		return wireValue{NS: x.Value}, nil
	case *types.AttributeValueMemberBS:
		return wireValue{BS: x.Value}, nil
	case *types.AttributeValueMemberL:
		if depth > MaxDepth {
			return wireValue{}, fmt.Errorf("lists and maps nest deeper than %d levels", MaxDepth)
		}
		l := make([]wireValue, len(x.Value))
		for i, e := range x.Value {
			we, err := toWire(e, depth+1)
			if err != nil {
				return wireValue{}, err
			}
			l[i] = we
		}
		return wireValue{L: l, IsL: true}, nil
	case *types.AttributeValueMemberM:
		if depth > MaxDepth {
			return wireValue{}, fmt.Errorf("lists and maps nest deeper than %d levels", MaxDepth)
		}
		m := make(map[string]wireValue, len(x.Value))
		for k, e := range x.Value {
			we, err := toWire(e, depth+1)
			if err != nil {
				return wireValue{}, err
			}
			m[k] = we
		}
		return wireValue{M: m, IsM: true}, nil
	}
	return wireValue{}, fmt.Errorf("unsupported attribute value %T", v)
}

func fromWire(w wireValue) types.AttributeValue {
	switch {
	case w.S != nil:
		return &types.AttributeValueMemberS{Value: *w.S}
	case w.N != nil:
		return &types.AttributeValueMemberN{Value: *w.N}
	case w.B != nil:
		return &types.AttributeValueMemberB{Value: w.B}
	case w.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *w.BOOL}
	case w.SS != nil:
		return &types.AttributeValueMemberSS{Value: w.SS}
	case w.NS != nil:
		return &types.AttributeValueMemberNS{Value: w.NS}
	case w.BS != nil:
		return &types.AttributeValueMemberBS{Value: w.BS}
	case w.IsL:
		l := make([]types.AttributeValue, len(w.L))
		for i, e := range w.L {
			l[i] = fromWire(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case w.IsM:
		m := make(map[string]types.AttributeValue, len(w.M))
		for k, e := range w.M {
			m[k] = fromWire(e)
		}
		return &types.AttributeValueMemberM{Value: m}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}
