package salesapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/sales"
)

// flatEndpoints read aggregates whose size does not grow with the data.
var flatEndpoints = []string{"/api/pipelines", "/api/sales/analyze?period=month&year=2026&month=10", "/api/reports/today"}

// loadDealsAndSales writes n deals over the default pipeline's stages and
// n completed sales spread over October 2026 (every tenth today), through
// the service (the HTTP path is exercised by the other tests).
func loadDealsAndSales(tb testing.TB, e *apitest.Env, n int) {
	tb.Helper()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha"})
	svc := &sales.Service{Tables: e.Deps.Control}
	p, err := e.Deps.Products.CreateProduct(ctx, &crm.Product{Name: "Load", PriceMinor: 1250, Currency: "USD", Quantity: 1 << 40, Status: "active"})
	if err != nil {
		tb.Fatal(err)
	}
	stages := []string{"Lead", "Qualified", "Proposal", "Negotiation"}
	oct := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		title, stage, v := fmt.Sprintf("Deal %d", i), stages[i%len(stages)], float64(i%97)
		if _, err := svc.CreateDeal(ctx, &sales.DealInput{Title: &title, Stage: &stage, Value: &v}); err != nil {
			tb.Fatal(err)
		}
		day := oct.AddDate(0, 0, i%31)
		if i%10 == 0 {
			day = time.Now().UTC()
		}
		if _, err := svc.CreateSale(ctx, &sales.SaleInput{Status: "completed", SaleDate: &day,
			Lines: []sales.ProductLine{{ProductID: p.ID, Quantity: int64(1 + i%3)}}}); err != nil {
			tb.Fatal(err)
		}
	}
}

func itemsRead(tb testing.TB, e *apitest.Env, tok, path string) float64 {
	tb.Helper()
	e.Do("GET", path, tok, nil).Want(tb, 200)
	return e.LastRequestLog()["items_read"].(float64)
}

// TestAggregatesReadTheSameAtAnySize: GET /api/pipelines, sales/analyze
// and reports/today read as many items with 62 deals and sales as with
// 620 (BenchmarkFlatReads prints the figures at 1,000 and 50,000).
func TestAggregatesReadTheSameAtAnySize(t *testing.T) {
	read := map[string][]float64{}
	for _, n := range []int{62, 620} {
		e := apitest.New(t, apitest.WithoutSync())
		tok := e.CEO("alpha")
		loadDealsAndSales(t, e, n)
		for _, p := range flatEndpoints {
			read[p] = append(read[p], itemsRead(t, e, tok, p))
			if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
				t.Errorf("%s: %v read round trips", p, l["store_reads"])
			}
		}
		if a := e.Do("GET", flatEndpoints[1], tok, nil).Data(); a["total_sales"].(float64) < float64(n)*0.85 {
			t.Fatalf("analysis of %d sales: %v", n, a["total_sales"])
		}
	}
	for p, r := range read {
		if r[0] != r[1] {
			t.Errorf("%s reads %v items at 62 and %v at 620", p, r[0], r[1])
		}
	}
}

// BenchmarkFlatReads prints the items each aggregate read takes with 1,000
// and 50,000 deals and sales (go test -run '^$' -bench FlatReads -benchtime=20x).
func BenchmarkFlatReads(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		e := apitest.New(b, apitest.WithoutSync())
		tok := e.CEO("alpha")
		start := time.Now()
		loadDealsAndSales(b, e, n)
		b.Logf("%d deals and %d sales written in %v", n, n, time.Since(start).Round(time.Second))
		for _, p := range flatEndpoints {
			b.Run(fmt.Sprintf("%s/n=%d", p, n), func(b *testing.B) {
				var items float64
				for i := 0; i < b.N; i++ {
					items = itemsRead(b, e, tok, p)
				}
				b.ReportMetric(items, "items_read/op")
			})
		}
	}
}
