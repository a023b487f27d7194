package customersapi_test

import (
	"net/url"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestUpdatesWriteOnlyWhatChanged: an update that keeps the search words
// writes no index item. A contact's role change wrote 14 items here (the
// contact, its copy in the customer, 11 search words, the outbox event); it
// writes 3. When the words change, the lost ones are deleted and the list
// is written again (each word's item carries the whole list, which
// multi-word queries filter on).
func TestUpdatesWriteOnlyWhatChanged(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	cid := create(t, e, tok, map[string]any{"name": "Kavir Co", "email": "info@kavir.ir", "phone": "02188776655"})["id"].(string)
	id := e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Nima Kavir", "customer_id": cid, "email": "nima.kavir@kavir.ir",
		"phone": "09120001111", "job_title": "Sales manager"}).Want(t, 201).Data()["id"].(string)
	written := func() int {
		l := e.LastRequestLog()
		if l["store_writes"].(float64) != 1 {
			t.Fatalf("%v write transactions", l["store_writes"])
		}
		return int(l["items_written"].(float64))
	}
	for _, c := range []struct {
		what, method, path string
		body               map[string]any
		items              int
	}{
		// contact, its copy in the customer, outbox
		{"contact role", "PUT", "/api/contacts/" + id, map[string]any{"role": "buyer"}, 3},
		{"contact notes and status", "PUT", "/api/contacts/" + id, map[string]any{"notes": "call on Sundays", "status": "inactive"}, 3},
		// contact, copy, outbox, 2 lost phone words, the 11 words again, the
		// phone's match key moved (delete, put)
		{"contact phone", "PUT", "/api/contacts/" + id, map[string]any{"phone": "09120002222"}, 3 + 2 + 11 + 2},
		// customer, counters, outbox
		{"customer status", "PATCH", "/api/customers/" + cid + "/status", map[string]any{"status": "inactive"}, 3},
		// customer, outbox
		{"customer notes", "PUT", "/api/customers/" + cid, map[string]any{"notes": "pays late"}, 2},
	} {
		e.Do(c.method, c.path, tok, c.body).Want(t, 200)
		if n := written(); n != c.items {
			t.Errorf("%s: %d items written, want %d", c.what, n, c.items)
		}
	}
	for q, want := range map[string]int{"09120002222": 1, "09120001111": 0, "nima 0912000222": 1, "kavir sales": 1} {
		if n := len(e.Do("GET", "/api/contacts?search="+url.QueryEscape(q), tok, nil).Want(t, 200).List()); n != want {
			t.Errorf("contacts?search=%s finds %d, want %d", q, n, want)
		}
	}
}
