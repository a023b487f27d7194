package crm

import (
	"encoding/json"
	"fmt"
)

// Bounds of every free-form map a client may store (custom_fields,
// settings, preferences, saved filters): DESIGN §5. They keep a record
// readable (DynamoDB refuses more than 32 levels; encoding/json stops at
// 10,000) and its item small (400 KB is DynamoDB's whole-item limit).
const (
	FreeFormMaxDepth   = 16
	FreeFormMaxMembers = 100 // per object or array
	FreeFormMaxBytes   = 16 << 10
)

// CheckFreeForm validates a free-form value against the bounds; the
// EVALIDATION error names field.
func CheckFreeForm(field string, m map[string]any) error {
	if msg := FreeFormProblem(m); msg != "" {
		return &Error{Code: EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{field: {msg}}}
	}
	return nil
}

// FreeFormProblem says what breaks the bounds ("" when nothing does).
func FreeFormProblem(m map[string]any) string {
	if m == nil {
		return ""
	}
	if msg := freeFormShape(m, 1); msg != "" {
		return msg
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "the value cannot be stored as JSON"
	}
	if len(b) > FreeFormMaxBytes {
		return fmt.Sprintf("at most %d bytes of JSON (this is %d)", FreeFormMaxBytes, len(b))
	}
	return ""
}

// freeFormShape checks depth and width before anything is encoded, so a
// hostile value costs no more than one walk of what was already parsed.
func freeFormShape(v any, depth int) string {
	switch x := v.(type) {
	case map[string]any:
		if msg := freeFormLevel(len(x), depth); msg != "" {
			return msg
		}
		for _, c := range x {
			if msg := freeFormShape(c, depth+1); msg != "" {
				return msg
			}
		}
	case []any:
		if msg := freeFormLevel(len(x), depth); msg != "" {
			return msg
		}
		for _, c := range x {
			if msg := freeFormShape(c, depth+1); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func freeFormLevel(members, depth int) string {
	if depth > FreeFormMaxDepth {
		return fmt.Sprintf("at most %d levels of nesting", FreeFormMaxDepth)
	}
	if members > FreeFormMaxMembers {
		return fmt.Sprintf("at most %d members per object or list", FreeFormMaxMembers)
	}
	return ""
}
