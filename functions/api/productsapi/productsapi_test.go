package productsapi_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

func TestProductsCatalogueStockAndStats(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	mk := func(body map[string]any) map[string]any {
		return e.Do("POST", "/api/products", tok, body).Want(t, 201).Data()
	}
	app := mk(map[string]any{"name": "CRM App", "category": "software", "price": 25000000, "cost": 1000000, "quantity": 100, "sku": "crm-1", "supplier": "Rabin"})
	usd := mk(map[string]any{"name": "Cloud Plan", "category": "Software", "price": 49.99, "currency": "usd", "quantity": 3})
	chair := mk(map[string]any{"name": "Office Chair", "category": "furniture", "price": 8500000, "quantity": 0})
	if app["price"] != float64(25000000) || usd["price"] != 49.99 || usd["currency"] != "USD" || chair["in_stock"] != false || chair["low_stock"] != true {
		t.Fatalf("created: %v / %v / %v", app, usd, chair)
	}
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Dup", "sku": "CRM-1"}).Want(t, 409)
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Bad rial", "price": 10.5}).Want(t, 422)
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Neg", "quantity": -1}).Want(t, 422)

	names := func(q string) string {
		var out []string
		for _, p := range e.Do("GET", "/api/products?"+q, tok, nil).Want(t, 200).List() {
			out = append(out, p["name"].(string))
		}
		return strings.Join(out, ",")
	}
	for q, want := range map[string]string{
		"":                                     "Office Chair,Cloud Plan,CRM App",
		"sort=name":                            "Cloud Plan,CRM App,Office Chair", // case-insensitive
		"category=software":                    "Cloud Plan,CRM App",
		"in_stock=true":                        "Cloud Plan,CRM App",
		"price_min=1000000&price_max=10000000": "Office Chair",
		"sort=-price":                          "CRM App,Office Chair",
		"search=crm":                           "CRM App",
		"search=rabin":                         "CRM App",
		"search=chair&in_stock=true":           "",
	} {
		if got := names(q); got != want {
			t.Errorf("%q: got %q want %q", q, got, want)
		}
	}
	id := app["id"].(string)
	stock := func(op string, n int, status int) map[string]any {
		return e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": op, "quantity": n}).Want(t, status).JSON
	}
	if r := stock("subtract", 30, 200); r["new_quantity"] != float64(70) {
		t.Fatalf("subtract: %v", r)
	}
	stock("add", 5, 200)
	stock("subtract", 76, 409)
	if r := stock("set", 4, 200); r["new_quantity"] != float64(4) || r["data"].(map[string]any)["low_stock"] != true {
		t.Fatalf("set: %v", r)
	}
	e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": "multiply", "quantity": 2}).Want(t, 422)

	st := e.Do("GET", "/api/products/stats", tok, nil).Want(t, 200).Data()
	tv := st["total_value"].(map[string]any)
	if st["total_products"] != float64(3) || tv["IRR"] != float64(25000000*4) || tv["USD"] != 149.97 {
		t.Fatalf("stats = %v", st)
	}
	if st["categories"].(map[string]any)["software"] != float64(2) || len(st["low_stock"].([]any)) != 3 {
		t.Fatalf("stats groups = %v", st)
	}
	e.Do("PUT", "/api/products/"+chair["id"].(string), tok, map[string]any{"price": 9000000, "category": "office"}).Want(t, 200)
	cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Buyer"}).Want(t, 201).Data()
	e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": cust["id"], "product_id": id, "level": "high"}).Want(t, 201)
	e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": cust["id"], "product_id": "01a2051c-08a3-749e-a3cd-a5d181ddb63b"}).Want(t, 422)
	if l := e.Do("GET", "/api/customer-product-interests?customer_id="+cust["id"].(string), tok, nil).Want(t, 200).List(); len(l) != 1 {
		t.Fatalf("interests = %v", l)
	}
	d := e.Do("GET", "/api/products/"+id, tok, nil).Want(t, 200).Data()
	if len(d["customer_interests"].([]any)) != 1 || d["sales_history"] == nil {
		t.Fatalf("detail = %v", d)
	}
	e.Do("GET", "/api/tenant/products/"+id, tok, nil).Want(t, 200)
	e.Do("DELETE", "/api/products/"+usd["id"].(string), tok, nil).Want(t, 200)
	if st := e.Do("GET", "/api/products/stats", tok, nil).Data(); st["total_products"] != float64(2) || st["total_value"].(map[string]any)["USD"] != float64(0) {
		t.Fatalf("stats after delete = %v", st)
	}
	// Isolation.
	b := e.CEO("beta")
	e.Do("GET", "/api/products/"+id, b, nil).Want(t, 404)
	e.Do("PATCH", "/api/products/"+id+"/stock", b, map[string]any{"operation": "set", "quantity": 0}).Want(t, 404)
	if l := e.Do("GET", "/api/products", b, nil).List(); len(l) != 0 {
		t.Fatal("beta lists alpha's products")
	}
}

// TestStockRace: 50 concurrent subtractions of 1 from 20 units; exactly 20
// succeed and the stock ends at zero.
func TestStockRace(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	id := e.Do("POST", "/api/products", tok, map[string]any{"name": "Hot item", "quantity": 20, "price": 1000}).Want(t, 201).Data()["id"].(string)
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": "subtract", "quantity": 1})
			switch r.Status {
			case 200:
				ok.Add(1)
			case 409:
				refused.Add(1)
			default:
				t.Errorf("status %d: %s", r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
	p := e.Do("GET", "/api/products/"+id, tok, nil).Data()
	if ok.Load() != 20 || refused.Load() != 30 || p["quantity"] != float64(0) {
		t.Fatalf("%d succeeded, %d refused, quantity %v", ok.Load(), refused.Load(), p["quantity"])
	}
	if st := e.Do("GET", "/api/products/stats", tok, nil).Data(); st["total_value"].(map[string]any)["IRR"] != float64(0) {
		t.Fatalf("stock value counter drifted: %v", st["total_value"])
	}
}
