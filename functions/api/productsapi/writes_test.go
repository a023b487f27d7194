package productsapi_test

import (
	"net/url"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// storage returns the storage counts of the latest request.
func storage(e *apitest.Env) (reads, writes, itemsWritten int) {
	l := e.LastRequestLog()
	return int(l["store_reads"].(float64)), int(l["store_writes"].(float64)), int(l["items_written"].(float64))
}

// TestWritesOnlyWhatChanged: a write that keeps the product's search words
// writes no index item. A stock change wrote 10 items (the product, the
// counters, 7 search words, the outbox event); it writes 3.
func TestWritesOnlyWhatChanged(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	id := e.Do("POST", "/api/products", tok, map[string]any{"name": "CRM App Pro", "category": "software", "price": 25000000,
		"quantity": 100, "sku": "crm-1", "supplier": "Rabin"}).Want(t, 201).Data()["id"].(string)
	for _, c := range []struct {
		what, method, path string
		body               map[string]any
		items              int
	}{
		// product, counters (stock value), outbox
		{"stock change", "PATCH", "/stock", map[string]any{"operation": "subtract", "quantity": 1}, 3},
		{"price change", "PUT", "", map[string]any{"price": 26000000}, 3},
		// product, outbox (no counter moves)
		{"description", "PUT", "", map[string]any{"description": "the best"}, 2},
		// the words change: product, outbox, the lost word deleted, the 7
		// words written with the new list (each item carries it)
		{"rename", "PUT", "", map[string]any{"name": "CRM Suite Pro"}, 10},
	} {
		e.Do(c.method, "/api/products/"+id+c.path, tok, c.body).Want(t, 200)
		if reads, writes, items := storage(e); reads != 1 || writes != 1 || items != c.items {
			t.Errorf("%s: %d reads, %d writes, %d items written; want 1, 1, %d", c.what, reads, writes, items, c.items)
		}
	}
	// The search follows the rename.
	for q, want := range map[string]int{"suite": 1, "app": 0, "crm suite": 1, "crm app": 0, "rabin": 1} {
		if n := len(e.Do("GET", "/api/products?search="+url.QueryEscape(q), tok, nil).Want(t, 200).List()); n != want {
			t.Errorf("search %q finds %d, want %d", q, n, want)
		}
	}
}
