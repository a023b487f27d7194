package salesapi_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

func quantity(t *testing.T, e *apitest.Env, tok, id string) float64 {
	t.Helper()
	return e.Do("GET", "/api/products/"+id, tok, nil).Want(t, 200).Data()["quantity"].(float64)
}

// TestSalesTakeAndGiveBackStock: a completed sale takes each product's
// stock in its transaction; one that would take more than there is
// changes nothing (409 naming the product); refunding or cancelling gives
// the stock back; partial payments; the total is the server's.
func TestSalesTakeAndGiveBackStock(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Kavir Market"}).Want(t, 201).Data()["id"].(string)
		a := e.Do("POST", "/api/products", tok, map[string]any{"name": "Saffron 5g", "price": 12.40, "currency": "USD", "quantity": 5}).Want(t, 201).Data()["id"].(string)
		b := e.Do("POST", "/api/products", tok, map[string]any{"name": "Pistachio 1kg", "price": 30, "currency": "USD", "quantity": 3}).Want(t, 201).Data()["id"].(string)

		sale := e.Do("POST", "/api/sales", tok, map[string]any{"customer_id": cust, "status": "completed", "payment_method": "card",
			"products": []map[string]any{{"product_id": a, "quantity": 3}, {"product_id": b, "quantity": 1}}, "total_amount": 67.20}).Want(t, 201).Data()
		if sale["total_amount"] != 67.2 || sale["status"] != "completed" || sale["balance"] != 67.2 || sale["currency"] != "USD" ||
			sale["products"].([]any)[0].(map[string]any)["total"] != 37.2 || sale["customer_name"] != "Kavir Market" {
			t.Fatalf("sale: %v", sale)
		}
		if qa, qb := quantity(t, e, tok, a), quantity(t, e, tok, b); qa != 2 || qb != 2 {
			t.Fatalf("stock after sale: %v %v", qa, qb)
		}
		// The product's detail shows its sales (same one query); stats its top sellers.
		pd := e.Do("GET", "/api/products/"+a, tok, nil).Want(t, 200).Data()
		if perf := pd["performance"].(map[string]any); perf["units_sold"] != float64(3) || perf["revenue"] != 37.2 || perf["sales_count"] != float64(1) || perf["last_sold_at_jalali"] == "" {
			t.Fatalf("performance: %v", perf)
		}
		if h := pd["sales_history"].([]any); len(h) != 1 || h[0].(map[string]any)["customer_name"] != "Kavir Market" || h[0].(map[string]any)["quantity"] != float64(3) {
			t.Fatalf("sales history: %v", h)
		}
		if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
			t.Errorf("product detail: %v reads", l["store_reads"])
		}
		top := e.Do("GET", "/api/products/stats", tok, nil).Want(t, 200).Data()["top_sellers"].([]any)
		if len(top) != 2 || top[0].(map[string]any)["name"] != "Saffron 5g" || top[0].(map[string]any)["units_sold"] != float64(3) {
			t.Fatalf("top sellers: %v", top)
		}
		// More than there is: 409 naming the product, nothing written.
		r := e.Do("POST", "/api/sales", tok, map[string]any{"customer_id": cust, "status": "completed",
			"products": []map[string]any{{"product_id": b, "quantity": 1}, {"product_id": a, "quantity": 3}}}).Want(t, 409)
		if !strings.Contains(string(r.Raw), "Saffron 5g") {
			t.Fatalf("409 does not name the product: %s", r.Raw)
		}
		if qa, qb := quantity(t, e, tok, a), quantity(t, e, tok, b); qa != 2 || qb != 2 {
			t.Fatalf("stock after refused sale: %v %v", qa, qb)
		}
		if l := e.Do("GET", "/api/sales", tok, nil).Want(t, 200).List(); len(l) != 1 {
			t.Fatalf("refused sale was stored: %d sales", len(l))
		}
		// A total that disagrees with the lines.
		r = e.Do("POST", "/api/sales", tok, map[string]any{"products": []map[string]any{{"product_id": a, "quantity": 1}}, "total_amount": 12.41}).Want(t, 422)
		if r.JSON["errors"].(map[string]any)["total_amount"] == nil {
			t.Fatalf("422 does not name total_amount: %s", r.Raw)
		}
		e.Do("POST", "/api/sales", tok, map[string]any{"products": []map[string]any{{"product_id": a}}, "status": "shipped"}).Want(t, 422)

		// Partial payments.
		id := sale["id"].(string)
		e.Do("POST", "/api/sales/"+id+"/payments", tok, map[string]any{"amount": 20, "method": "cash"}).Want(t, 201)
		p := e.Do("POST", "/api/sales/"+id+"/payments", tok, map[string]any{"amount": 40.2}).Want(t, 201).Data()
		if p["paid"] != 60.2 || p["balance"] != float64(7) || p["payment_status"] != "partial" {
			t.Fatalf("after payments: %v", p)
		}
		e.Do("POST", "/api/sales/"+id+"/payments", tok, map[string]any{"amount": 7.01}).Want(t, 422)
		d := e.Do("GET", "/api/sales/"+id, tok, nil).Want(t, 200).Data()
		if h := d["payment_history"].([]any); len(h) != 2 || d["customer"].(map[string]any)["name"] != "Kavir Market" || len(d["items"].([]any)) != 2 {
			t.Fatalf("detail: %v", d)
		}
		if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
			t.Errorf("sale detail: %v reads", l["store_reads"])
		}

		// Refund gives the stock back; a refunded sale stays refunded.
		e.Do("PUT", "/api/sales/"+id, tok, map[string]any{"status": "Refunded"}).Want(t, 200)
		if qa, qb := quantity(t, e, tok, a), quantity(t, e, tok, b); qa != 5 || qb != 3 {
			t.Fatalf("stock after refund: %v %v", qa, qb)
		}
		e.Do("PUT", "/api/sales/"+id, tok, map[string]any{"status": "completed"}).Want(t, 409)
		pd = e.Do("GET", "/api/products/"+a, tok, nil).Want(t, 200).Data()
		if perf := pd["performance"].(map[string]any); perf["units_sold"] != float64(0) || pd["sales_history"].([]any)[0].(map[string]any)["status"] != "refunded" {
			t.Fatalf("after refund: %v %v", perf, pd["sales_history"])
		}
		// Pending → completed takes it; cancelled gives it back.
		pend := e.Do("POST", "/api/sales", tok, map[string]any{"products": []map[string]any{{"product_id": b, "quantity": 3}}}).Want(t, 201).Data()["id"].(string)
		if quantity(t, e, tok, b) != 3 {
			t.Fatal("a pending sale took stock")
		}
		e.Do("PATCH", "/api/sales/"+pend, tok, map[string]any{"status": "completed"}).Want(t, 200)
		if quantity(t, e, tok, b) != 0 {
			t.Fatal("completing took no stock")
		}
		e.Do("DELETE", "/api/sales/"+pend, tok, nil).Want(t, 409)
		e.Do("PUT", "/api/sales/"+pend, tok, map[string]any{"status": "cancelled"}).Want(t, 200)
		if quantity(t, e, tok, b) != 3 {
			t.Fatal("cancelling gave no stock back")
		}
		e.Do("DELETE", "/api/sales/"+pend, tok, nil).Want(t, 200)
		e.Do("GET", "/api/sales/"+pend, tok, nil).Want(t, 404)

		// Filters in both syntaxes.
		if l := e.Do("GET", "/api/sales?status=refunded&customer_id="+cust, tok, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("status+customer: %d", len(l))
		}
		if l := e.Do("GET", "/api/sales?filter[amount_min]=60&filter[amount_max]=70", tok, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("amount range: %d", len(l))
		}
		today := time.Now().UTC().Format("2006-01-02")
		if l := e.Do("GET", "/api/sales?date_from="+today+"&date_to="+today, tok, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("date range: %d", len(l))
		}
		if l := e.Do("GET", "/api/sales?date_to=2020-01-01", tok, nil).Want(t, 200).List(); len(l) != 0 {
			t.Errorf("old date range: %d", len(l))
		}
		if l := e.Do("GET", "/api/sales?search=saffron", tok, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("search: %d", len(l))
		}
	})
}

// TestSaleMoneyIsExact: 1,000 lines of 0.10 and 0.20 add up to the cent.
func TestSaleMoneyIsExact(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	p := e.Do("POST", "/api/products", tok, map[string]any{"name": "Bolt", "price": 0.10, "currency": "USD", "quantity": 0}).Want(t, 201).Data()["id"].(string)
	lines := make([]map[string]any, 1000)
	for i := range lines {
		price := 0.10
		if i%2 == 1 {
			price = 0.20
		}
		lines[i] = map[string]any{"product_id": p, "quantity": 1, "price": price}
	}
	e.Do("POST", "/api/sales", tok, map[string]any{"products": lines, "total_amount": 150.01}).Want(t, 422)
	s := e.Do("POST", "/api/sales", tok, map[string]any{"products": lines, "total_amount": 150}).Want(t, 201).Data()
	if s["total_amount"] != float64(150) || len(s["products"].([]any)) != 1000 {
		t.Fatalf("total %v of %d lines", s["total_amount"], len(s["products"].([]any)))
	}
	// Adding the same decimals as floats drifts; the server does not.
	f := 0.0
	for i := 0; i < 1000; i++ {
		f += []float64{0.10, 0.20}[i%2]
	}
	if f == 150 {
		t.Log("float sum happened to be exact")
	}
}

// TestAnalyzeEqualsRecount: sales/analyze and reports/today, read from
// the rollups, equal a brute-force recount of the sales.
func TestAnalyzeEqualsRecount(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		rng := rand.New(rand.NewPCG(7, 11))
		var prods []string
		price := map[string]int64{}
		for i, c := range []int64{1999, 250, 7} {
			id := e.Do("POST", "/api/products", tok, map[string]any{"name": fmt.Sprintf("P%d", i), "price": float64(c) / 100, "currency": "USD", "quantity": 100000}).Want(t, 201).Data()["id"].(string)
			prods, price[id] = append(prods, id), c
		}
		var custs []string
		for i := 0; i < 3; i++ {
			custs = append(custs, e.Do("POST", "/api/customers", tok, map[string]any{"name": fmt.Sprintf("C%d", i)}).Want(t, 201).Data()["id"].(string))
		}
		now := time.Now().UTC()
		monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		type want struct{ n, rev int64 }
		var total want
		byProduct := map[string]*want{}
		byCustomer := map[string]*want{}
		for i := 0; i < 40; i++ {
			var lines []map[string]any
			var rev int64
			for j := 0; j <= rng.IntN(3); j++ {
				p, q := prods[rng.IntN(3)], int64(1+rng.IntN(4))
				lines = append(lines, map[string]any{"product_id": p, "quantity": q})
				rev += q * price[p]
				if byProduct[p] == nil {
					byProduct[p] = &want{}
				}
			}
			day := monthStart.Add(time.Duration(rng.IntN(max(now.Day()-1, 1))) * 24 * time.Hour).Add(time.Duration(rng.IntN(20)) * time.Hour)
			if day.After(now) {
				day = now
			}
			c := custs[rng.IntN(3)]
			status := []string{"completed", "completed", "pending", "completed"}[rng.IntN(4)]
			id := e.Do("POST", "/api/sales", tok, map[string]any{"customer_id": c, "products": lines, "status": status, "sale_date": day.Format(time.RFC3339)}).Want(t, 201).Data()["id"].(string)
			if i%9 == 0 && status == "completed" {
				e.Do("PUT", "/api/sales/"+id, tok, map[string]any{"status": "refunded"}).Want(t, 200)
				continue
			}
			if status != "completed" {
				continue
			}
			total.n++
			total.rev += rev
			if byCustomer[c] == nil {
				byCustomer[c] = &want{}
			}
			byCustomer[c].n++
			byCustomer[c].rev += rev
			for _, l := range lines {
				p, q := l["product_id"].(string), l["quantity"].(int64)
				byProduct[p].n += q
				byProduct[p].rev += q * price[p]
			}
		}
		a := e.Do("GET", fmt.Sprintf("/api/sales/analyze?period=month&year=%d&month=%d", now.Year(), int(now.Month())), tok, nil).Want(t, 200).Data()
		cents := func(v any) int64 { return int64(v.(float64)*100 + 0.5) }
		if a["total_sales"] != float64(total.n) || cents(a["total_revenue"]) != total.rev || a["currency"] != "USD" {
			t.Fatalf("analyze: %v sales %v revenue; recount %d, %d cents", a["total_sales"], a["total_revenue"], total.n, total.rev)
		}
		if avg := cents(a["avg_transaction_value"]); total.n > 0 && avg != (total.rev+total.n/2)/total.n {
			t.Errorf("average %d, want %d", avg, (total.rev+total.n/2)/total.n)
		}
		for id, w := range byProduct {
			got, _ := a["by_product"].(map[string]any)[id].(map[string]any)
			if w.n == 0 && got == nil {
				continue
			}
			if got == nil || got["count"] != float64(w.n) || cents(got["revenue"]) != w.rev {
				t.Errorf("product %s: %v, recount %d units %d cents", id, got, w.n, w.rev)
			}
		}
		for id, w := range byCustomer {
			got := a["by_customer"].(map[string]any)[id].(map[string]any)
			if got["count"] != float64(w.n) || cents(got["revenue"]) != w.rev {
				t.Errorf("customer %s: %v, recount %+v", id, got, w)
			}
		}
		var trendSum int64
		for _, p := range a["trends"].(map[string]any)["points"].([]any) {
			trendSum += cents(p.(map[string]any)["revenue"])
		}
		if trendSum != total.rev || !strings.HasPrefix(a["forecast"].(map[string]any)["method"].(string), "linear_regression") {
			t.Errorf("trend sum %d, want %d; forecast %v", trendSum, total.rev, a["forecast"])
		}
		e.Do("GET", "/api/sales/analyze?period=decade", tok, nil).Want(t, 422)
		// Today in Tehran: the sales recorded now count, in the caller's day.
		e.Do("POST", "/api/activities", tok, map[string]any{"type": "call", "title": "today"}).Want(t, 201)
		before := e.Do("GET", "/api/reports/today?daily_target=100", tok, nil, "X-Timezone: Asia/Tehran").Want(t, 200).Data()
		e.Do("POST", "/api/sales", tok, map[string]any{"products": []map[string]any{{"product_id": prods[0], "quantity": 2}}, "status": "completed"}).Want(t, 201)
		after := e.Do("GET", "/api/reports/today?daily_target=100", tok, nil, "X-Timezone: Asia/Tehran").Want(t, 200).Data()
		if after["today_sales"].(float64)-before["today_sales"].(float64) != 1 || cents(after["today_revenue"])-cents(before["today_revenue"]) != 3998 ||
			after["activities_today"].(float64) < 1 || after["daily_target_progress"] == nil || after["date_jalali"] == "" {
			t.Errorf("today: before %v after %v", before, after)
		}
	})
}
