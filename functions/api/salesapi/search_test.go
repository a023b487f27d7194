package salesapi_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestGlobalSearchFindsDealsSalesActivities: type=deals|sales|activities,
// and all of them in one search, from the words their writes keep.
func TestGlobalSearchFindsDealsSalesActivities(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Sahand Foods"}).Want(t, 201).Data()["id"].(string)
		prod := e.Do("POST", "/api/products", tok, map[string]any{"name": "Tea", "price": 5, "quantity": 10}).Want(t, 201).Data()["id"].(string)
		deal := e.Do("POST", "/api/deals", tok, map[string]any{"title": "Sahand franchise", "value": 1}).Want(t, 201).Data()["id"].(string)
		sale := e.Do("POST", "/api/sales", tok, map[string]any{"customer_id": cust, "products": []map[string]any{{"product_id": prod}}}).Want(t, 201).Data()["id"].(string)
		act := e.Do("POST", "/api/activities", tok, map[string]any{"type": "call", "title": "Call Sahand buyer"}).Want(t, 201).Data()["id"].(string)
		for typ, id := range map[string]string{"deals": deal, "sales": sale, "activities": act} {
			r := e.Do("GET", "/api/search?q=sahand&type="+typ, tok, nil).Want(t, 200).Data()
			l := r[typ].([]any)
			if len(l) != 1 || l[0].(map[string]any)["id"] != id {
				t.Errorf("type=%s: %v", typ, r[typ])
			}
		}
		r := e.Do("GET", "/api/search?q=sahand", tok, nil).Want(t, 200).Data()
		if len(r["deals"].([]any)) != 1 || len(r["sales"].([]any)) != 1 || len(r["activities"].([]any)) != 1 || len(r["customers"].([]any)) != 1 || r["total"] != float64(4) {
			t.Errorf("all kinds: %v", r)
		}
		if l := e.LastRequestLog(); l["store_reads"] != float64(2) {
			t.Errorf("search: %v reads", l["store_reads"])
		}
		// The advanced search's hits (its envelope is the search group's).
		if adv := e.Do("POST", "/api/search", tok, map[string]any{"query": "sahand", "filters": map[string]string{"type": "deals"}}).Want(t, 200); !strings.Contains(string(adv.Raw), `"type":"deal"`) ||
			strings.Contains(string(adv.Raw), `"type":"sale"`) {
			t.Errorf("advanced: %s", adv.Raw)
		}
		// A renamed deal is found by its new words only.
		e.Do("PUT", "/api/deals/"+deal, tok, map[string]any{"title": "Urmia franchise"}).Want(t, 200)
		if l := e.Do("GET", "/api/search?q=sahand&type=deals", tok, nil).Want(t, 200).Data()["deals"].([]any); len(l) != 0 {
			t.Errorf("old words still find the deal: %v", l)
		}
		if l := e.Do("GET", "/api/search?q=urmia&type=deals", tok, nil).Want(t, 200).Data()["deals"].([]any); len(l) != 1 {
			t.Errorf("new words: %v", l)
		}
	})
}
