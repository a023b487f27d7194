package searchapi_test

import (
	"context"
	"fmt"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
)

// TestSearchReadsOneBatch: global search is one query of the index and one
// batch read of the results of every kind (it was one batch per kind: 4
// reads for three kinds); only more than 100 results take a second batch.
func TestSearchReadsOneBatch(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cid := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Zagros Trading"}).Want(t, 201).Data()["id"].(string)
	e.Do("POST", "/api/customers/"+cid+"/contacts", tok, map[string]any{"name": "Zagros Person"}).Want(t, 201)
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Zagros Tea", "price": 10}).Want(t, 201)
	search := func(q string, reads float64) map[string]any {
		t.Helper()
		r := e.Do("GET", "/api/search?q="+q, tok, nil).Want(t, 200).Data()
		if l := e.LastRequestLog(); l["store_reads"] != reads || l["store_writes"] != float64(0) {
			t.Fatalf("search %s: %v reads, %v writes; want %v reads", q, l["store_reads"], l["store_writes"], reads)
		}
		return r
	}
	r := search("zagros", 2)
	for _, k := range []string{"customers", "contacts", "products"} {
		if n := len(r[k].([]any)); n != 1 {
			t.Errorf("%s: %d results", k, n)
		}
	}
	// 51 customers and 51 contacts: 50 + 50 shown, one batch; one product
	// more is the 101st key, a second batch.
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{TenantKey: "alpha", Realm: auth.RealmTenant})
	for i := 0; i < 51; i++ {
		c, err := e.Deps.Customers.Create(ctx, &crm.Customer{Name: fmt.Sprintf("Alvand %02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Deps.Customers.CreateContact(ctx, &crm.Contact{Name: fmt.Sprintf("Alvand person %02d", i), CustomerID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	r = search("alvand", 2)
	cs, ps := r["customers"].([]any), r["contacts"].([]any)
	if len(cs) != 50 || len(ps) != 50 || r["total"] != float64(102) || cs[0].(map[string]any)["name"] != "Alvand 50" || ps[49].(map[string]any)["name"] != "Alvand person 01" {
		t.Fatalf("customers %d (first %v), contacts %d (last %v), total %v", len(cs), cs[0], len(ps), ps[49], r["total"])
	}
	e.Do("POST", "/api/products", tok, map[string]any{"name": "Alvand Honey", "price": 10}).Want(t, 201)
	if r = search("alvand", 3); len(r["products"].([]any)) != 1 || len(r["customers"].([]any)) != 50 {
		t.Fatalf("with a product: %v products, %v customers", len(r["products"].([]any)), len(r["customers"].([]any)))
	}
}
