package consumers_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// Renaming a customer reaches its deals and activities (their rows, the
// customer's detail, the deal's detail and search), and retitling a deal
// its activities, through the notifier, on both stores.
func TestNewNamesReachTheRecordsThatShowThem(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		live(t, e)
		tok := e.CEO("alpha")
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Alborz Steel", "type": "B2B"}).Want(t, 201).Data()["id"].(string)
		deal := e.Do("POST", "/api/customers/"+cust+"/deals", tok, map[string]any{"title": "Furnace upgrade", "value": 900}).Want(t, 201).Data()["id"].(string)
		act := e.Do("POST", "/api/activities", tok, map[string]any{"customer_id": cust, "deal_id": deal, "type": "call", "title": "Pricing call"}).Want(t, 201).Data()["id"].(string)
		e.Do("PUT", "/api/customers/"+cust, tok, map[string]any{"name": "البرز فولاد"}).Want(t, 200)

		var d, a map[string]any
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
			d = e.Do("GET", "/api/deals/"+deal, tok, nil).Want(t, 200).Data()
			a = e.Do("GET", "/api/activities/"+act, tok, nil).Want(t, 200).Data()
			// Done when neither shows the old name (the deal's detail also
			// holds its copy of the activity, written with the activity).
			db, ab := string(mustJSON(d)), string(mustJSON(a))
			if !strings.Contains(db, "Alborz Steel") && !strings.Contains(ab, "Alborz Steel") {
				break
			}
		}
		for what, v := range map[string]map[string]any{"deal": d, "activity": a} {
			if b := string(mustJSON(v)); !strings.Contains(b, "البرز فولاد") || strings.Contains(b, "Alborz Steel") {
				t.Fatalf("the %s shows %s", what, b)
			}
		}
		// The customer's detail lists the deal under the new name, and
		// search finds the deal by it.
		detail := string(e.Do("GET", "/api/customers/"+cust, tok, nil).Want(t, 200).Raw)
		if strings.Contains(detail, "Alborz Steel") {
			t.Fatalf("the customer's detail still names the old customer: %s", detail)
		}
		found := string(e.Do("GET", "/api/deals?search="+"البرز", tok, nil).Want(t, 200).Raw)
		if !strings.Contains(found, deal) {
			t.Fatalf("search by the new name: %s", found)
		}
		// A deal's new title reaches its activities the same way.
		e.Do("PUT", "/api/deals/"+deal, tok, map[string]any{"title": "کوره جدید"}).Want(t, 200)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
			if a = e.Do("GET", "/api/activities/"+act, tok, nil).Want(t, 200).Data(); strings.Contains(string(mustJSON(a)), "کوره جدید") {
				break
			}
		}
		if b := string(mustJSON(a)); !strings.Contains(b, "کوره جدید") || strings.Contains(b, "Furnace upgrade") {
			t.Fatalf("the activity shows %s", b)
		}
	})
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
