package embedded

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"payvand.dev/shared/store"
)

// sampleItem holds every attribute type, empty forms included, Persian
// text, numbers beyond float64 precision and nesting.
func sampleItem() store.Item {
	return store.Item{
		"PK":        &types.AttributeValueMemberS{Value: "CUSTOMER#01a2"},
		"SK":        &types.AttributeValueMemberS{Value: "#CUSTOMER"},
		"name":      &types.AttributeValueMemberS{Value: "رابین نرم‌افزار"},
		"empty":     &types.AttributeValueMemberS{Value: ""},
		"big":       &types.AttributeValueMemberN{Value: "123456789012345678901234567890.123456789"},
		"neg":       &types.AttributeValueMemberN{Value: "-7"},
		"blob":      &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"emptyblob": &types.AttributeValueMemberB{Value: []byte{}},
		"yes":       &types.AttributeValueMemberBOOL{Value: true},
		"no":        &types.AttributeValueMemberBOOL{Value: false},
		"nothing":   &types.AttributeValueMemberNULL{Value: true},
		"tags":      &types.AttributeValueMemberSS{Value: []string{"vip", "تهران"}},
		"nums":      &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"blobs":     &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"list":      &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "a"}, &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}},
		"emptylist": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		"emptymap":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		"custom": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"level": &types.AttributeValueMemberN{Value: "3"},
			"deep":  nested(MaxDepth - 1),
		}},
	}
}

func TestBinaryRoundTripsEveryType(t *testing.T) {
	it := sampleItem()
	b, err := encodeItem(it)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != binaryMagic {
		t.Fatalf("new items must be binary, start with %#x", b[0])
	}
	got, err := decodeItem(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, it) {
		t.Fatalf("round trip changed the item:\n got %#v\nwant %#v", got, it)
	}
}

// Items written by earlier versions (DynamoDB JSON) are still read as
// they were.
func TestItemsWrittenAsJSONStayReadable(t *testing.T) {
	it := sampleItem()
	delete(it, "emptyblob") // the JSON form never kept an empty binary apart from NULL
	j, err := encodeJSON(it)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeItem(j)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, it) {
		t.Fatalf("legacy item changed:\n got %#v\nwant %#v", got, it)
	}
}

// A damaged item is an error, never a panic: every truncation of a real
// item, and lengths that claim more than is there.
func TestDamagedBinaryItemsAreErrors(t *testing.T) {
	b, err := encodeItem(sampleItem())
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(b); n++ {
		if _, err := decodeItem(b[:n]); err == nil {
			t.Fatalf("a %d-byte prefix of a %d-byte item decoded", n, len(b))
		}
	}
	for _, bad := range [][]byte{
		{binaryMagic, 0xff, 0xff, 0xff, 0xff, 0x0f},            // a count of 4 G
		{binaryMagic, 1, 1, 'a', tagS, 0xff, 0xff, 0xff, 0x7f}, // a string of 256 MB
		{binaryMagic, 1, 1, 'a', 99},                           // an unknown tag
		append(append([]byte{binaryMagic, 1, 1, 'a'}, []byte(strings.Repeat(string([]byte{tagL, 1}), MaxDepth+2))...), tagNULL), // too deep
	} {
		if _, err := decodeItem(bad); err == nil {
			t.Fatalf("%v decoded", bad)
		}
	}
}

func customerLike() store.Item {
	it := store.Item{}
	for _, k := range []string{"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "id", "name", "email", "phone", "mobile", "city", "status", "type", "source", "notes", "industry", "website"} {
		it[k] = &types.AttributeValueMemberS{Value: k + " مقدار نمونه " + strings.Repeat("x", 30)}
	}
	for _, k := range []string{"version", "ttl", "deals_count", "contacts_count"} {
		it[k] = &types.AttributeValueMemberN{Value: "12345"}
	}
	it["tags"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "vip"}, &types.AttributeValueMemberS{Value: "load"}}}
	it["custom_fields"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"size": &types.AttributeValueMemberN{Value: "50"}, "tier": &types.AttributeValueMemberS{Value: "gold"}}}
	return it
}

// BenchmarkDecode compares the two formats on a customer-sized item.
func BenchmarkDecode(b *testing.B) {
	it := customerLike()
	bin, _ := encodeItem(it)
	js, _ := encodeJSON(it)
	b.Run("binary", func(b *testing.B) {
		b.ReportMetric(float64(len(bin)), "bytes/item")
		for b.Loop() {
			if _, err := decodeItem(bin); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportMetric(float64(len(js)), "bytes/item")
		for b.Loop() {
			if _, err := decodeItem(js); err != nil {
				b.Fatal(err)
			}
		}
	})
}
