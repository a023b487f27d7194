package documentsapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// wantTwins fails unless every date member (*_at with a value) of an
// answer has its _jalali twin.
func wantTwins(t *testing.T, raw []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && s != "" && strings.HasSuffix(k, "_at") {
					if tw, _ := x[k+"_jalali"].(string); tw == "" {
						t.Errorf("%s.%s has no Jalali twin", path, k)
					}
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	walk("", v)
}
