package customersapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// BenchmarkCreateAndGet is one create and one get of a customer through the
// whole HTTP stack (real listener, auth, validation, one transaction, one
// read) on the embedded store.
func BenchmarkCreateAndGet(b *testing.B) {
	e := apitest.New(b)
	tok := e.CEO("alpha")
	body := map[string]any{"name": "Bench Customer رابین", "email": "bench@example.com", "city": "Tehran", "type": "B2B", "tags": []string{"a", "b"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := e.Do("POST", "/api/customers", tok, body)
		if r.Status != 201 {
			b.Fatalf("create: %d %s", r.Status, r.Raw)
		}
		if g := e.Do("GET", "/api/customers/"+r.Data()["id"].(string), tok, nil); g.Status != 200 {
			b.Fatalf("get: %d", g.Status)
		}
	}
}
