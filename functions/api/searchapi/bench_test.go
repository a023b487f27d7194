package searchapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
)

// BenchmarkSearch measures GET /api/search in a tenant of 1,000 and of
// 50,000 customers: a selective query ("rabin", 10 matches) and a broad
// prefix ("cust", every customer, capped at the index read limit). The
// store's item count per query is reported as items-read/op.
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			e := apitest.New(b, apitest.WithoutSync())
			tok := e.CEO("alpha")
			me := e.Do("GET", "/api/auth/me", tok, nil).JSON["user"].(map[string]any)
			ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha", Subject: me["id"].(string), Role: "ceo"})
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("Customer %06d", i)
				if i%(n/10) == 0 {
					name = fmt.Sprintf("Rabin Group %d", i)
				}
				if _, err := e.Deps.Customers.Create(ctx, &crm.Customer{Name: name, Email: fmt.Sprintf("c%d@example.com", i)}); err != nil {
					b.Fatal(err)
				}
			}
			for _, q := range []string{"rabin", "cust"} {
				b.Run("q="+q, func(b *testing.B) {
					var items float64
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						r := e.Do("GET", "/api/search?q="+url.QueryEscape(q), tok, nil)
						if r.Status != 200 {
							b.Fatalf("%d %s", r.Status, r.Raw)
						}
						items += e.LastRequestLog()["items_read"].(float64)
					}
					b.ReportMetric(items/float64(b.N), "items-read/op")
				})
			}
		})
	}
}
