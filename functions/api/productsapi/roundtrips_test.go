package productsapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// TestProductDetailOneRead: a product with its newest interests is one
// Query of its item collection (it was the product and then the interests
// index: 2 reads).
func TestProductDetailOneRead(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	id := e.Do("POST", "/api/products", tok, map[string]any{"name": "Popular", "price": 10}).Want(t, 201).Data()["id"].(string)
	var interests []string
	for i := 0; i < 53; i++ {
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": fmt.Sprintf("Buyer %d", i)}).Want(t, 201).Data()["id"].(string)
		in := e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": cust, "product_id": id, "level": "high"}).Want(t, 201).Data()
		interests = append(interests, in["id"].(string))
	}
	d := e.Do("GET", "/api/products/"+id, tok, nil).Want(t, 200).Data()
	if reads, writes, _ := storage(e); reads != 1 || writes != 0 {
		t.Fatalf("detail: %d reads, %d writes; want 1 and 0", reads, writes)
	}
	got := d["customer_interests"].([]any)
	if len(got) != 50 || got[0].(map[string]any)["id"] != interests[52] || got[49].(map[string]any)["id"] != interests[3] {
		t.Fatalf("detail shows %d interests, first %v: want the 50 newest, newest first", len(got), got[0])
	}
	if l := e.Do("GET", "/api/customer-product-interests?product_id="+id+"&limit=100", tok, nil).Want(t, 200).List(); len(l) != 53 {
		t.Fatalf("interests by product = %d", len(l))
	}
	e.Do("GET", "/api/products/"+ids.New(), tok, nil).Want(t, 404)
}

// TestInterestsWrittenBeforeMoveOnFirstRead: an interest kept where it was
// before (its own partition) still shows; the product's first detail read
// also queries the by-product index and moves it, later ones read once.
func TestInterestsWrittenBeforeMoveOnFirstRead(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	ctx := context.Background()
	table := e.Deps.Control.TableFor("alpha")
	id := e.Do("POST", "/api/products", tok, map[string]any{"name": "Old product", "price": 10}).Want(t, 201).Data()["id"].(string)
	cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Old buyer"}).Want(t, 201).Data()["id"].(string)
	// The product and one interest as the previous code wrote them.
	if _, err := table.Update(ctx, store.Update{Key: store.Key{PK: "PRODUCT#" + id, SK: "#PRODUCT"}, Remove: []string{"interests_here"}}); err != nil {
		t.Fatal(err)
	}
	oldID := ids.New()
	old := store.Item{"PK": store.AV("INTEREST#" + oldID), "SK": store.AV("#INTEREST"), "id": store.AV(oldID), "customer_id": store.AV(cust),
		"product_id": store.AV(id), "level": store.AV("low"), "created_at": store.AV(time.Now().UTC().Format(time.RFC3339Nano)),
		"GSI1PK": store.AV("INTERESTS#CUSTOMER#" + cust), "GSI1SK": store.AV(oldID), "GSI2PK": store.AV("INTERESTS#PRODUCT#" + id),
		"GSI2SK": store.AV(oldID), "GSI3PK": store.AV("INTERESTS"), "GSI3SK": store.AV(oldID)}
	if err := table.Put(ctx, old); err != nil {
		t.Fatal(err)
	}
	newID := e.Do("POST", "/api/customer-product-interests", tok, map[string]any{"customer_id": cust, "product_id": id}).Want(t, 201).Data()["id"].(string)

	detail := func() []any {
		return e.Do("GET", "/api/products/"+id, tok, nil).Want(t, 200).Data()["customer_interests"].([]any)
	}
	first := detail()
	if reads, writes, items := storage(e); reads != 2 || writes != 1 || items != 3 {
		t.Fatalf("first detail: %d reads, %d writes, %d items; want 2 reads and one move (put, delete, mark)", reads, writes, items)
	}
	second := detail()
	if reads, writes, _ := storage(e); reads != 1 || writes != 0 {
		t.Fatalf("second detail: %d reads, %d writes; want 1 and 0", reads, writes)
	}
	for _, l := range [][]any{first, second} {
		if len(l) != 2 || l[0].(map[string]any)["id"] != newID || l[1].(map[string]any)["id"] != oldID || l[1].(map[string]any)["level"] != "low" {
			t.Fatalf("interests = %v", l)
		}
	}
	if _, err := table.Get(ctx, store.Key{PK: "INTEREST#" + oldID, SK: "#INTEREST"}); err == nil {
		t.Fatal("the old item is still where it was")
	}
	for _, q := range []string{"customer_id=" + cust, "product_id=" + id, ""} {
		if l := e.Do("GET", "/api/customer-product-interests?"+q, tok, nil).Want(t, 200).List(); len(l) != 2 {
			t.Errorf("interests?%s = %d, want 2", q, len(l))
		}
	}
	// Writes keep the mark.
	e.Do("PATCH", "/api/products/"+id+"/stock", tok, map[string]any{"operation": "set", "quantity": 3}).Want(t, 200)
	detail()
	if reads, _, _ := storage(e); reads != 1 {
		t.Fatalf("detail after a stock change: %d reads", reads)
	}
}
