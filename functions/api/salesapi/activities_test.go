package salesapi_test

import (
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// TestActivities: activities in both seeds' words against customers,
// contacts and deals; the deal's count and next activity and the contact's
// last_activity_at kept in the same transaction; lists and filters; the
// customer's and deal's details show them.
func TestActivities(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		cust := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Alborz Steel", "type": "B2B"}).Want(t, 201).Data()["id"].(string)
		contact := e.Do("POST", "/api/customers/"+cust+"/contacts", tok, map[string]any{"name": "Reza Karimi"}).Want(t, 201).Data()["id"].(string)
		deal := e.Do("POST", "/api/customers/"+cust+"/deals", tok, map[string]any{"title": "Furnace upgrade", "value": 900}).Want(t, 201).Data()["id"].(string)

		past := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
		soon := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
		// Rabin: customer_id, deal_id, start_time, end_time, outcome, notes.
		call := e.Do("POST", "/api/activities", tok, map[string]any{"customer_id": cust, "deal_id": deal, "type": "Call", "title": "Pricing call",
			"start_time": past.Format(time.RFC3339), "end_time": past.Add(30 * time.Minute).Format(time.RFC3339), "outcome": "interested", "notes": "send offer"}).Want(t, 201).Data()
		if call["type"] != "call" || call["duration"] != float64(30) || call["entity_type"] != "deal" || call["entity"].(map[string]any)["name"] != "Furnace upgrade" ||
			call["start_time_jalali"] == "" || call["customer"].(map[string]any)["name"] != "Alborz Steel" {
			t.Fatalf("rabin activity: %v", call)
		}
		// IshYar: due_at, duration_minutes, entity_type + entity_id, attendees.
		meet := e.Do("POST", "/api/activities", tok, map[string]any{"type": "meeting", "title": "Site visit", "due_at": soon.Format(time.RFC3339),
			"duration_minutes": 60, "entity_type": "deal", "entity_id": deal, "attendees": []string{contact}}).Want(t, 201).Data()
		if meet["deal_id"] != deal || meet["customer_id"] != cust || meet["due_at_jalali"] == "" || len(meet["attendees"].([]any)) != 1 {
			t.Fatalf("ishyar activity: %v", meet)
		}
		d := e.Do("GET", "/api/deals/"+deal, tok, nil).Want(t, 200).Data()
		if d["activities_count"] != float64(2) || d["next_activity"].(map[string]any)["id"] != call["id"] || len(d["activities"].([]any)) != 2 {
			t.Fatalf("deal after two activities: count %v next %v", d["activities_count"], d["next_activity"])
		}
		// Completing the call makes the meeting next.
		done := e.Do("PATCH", "/api/activities/"+call["id"].(string)+"/complete", tok, map[string]any{"outcome": "successful", "next_steps": "Send proposal"}).Want(t, 200).Data()
		if done["completed"] != true || done["completed_at_jalali"] == "" || done["next_steps"] != "Send proposal" {
			t.Fatalf("complete: %v", done)
		}
		if d = e.Do("GET", "/api/deals?search=furnace", tok, nil).Want(t, 200).List()[0]; d["next_activity"].(map[string]any)["id"] != meet["id"] || d["activities_count"] != float64(2) {
			t.Fatalf("deal row next activity: %v", d["next_activity"])
		}
		// Contact and customer routes.
		note := e.Do("POST", "/api/contacts/"+contact+"/activities", tok, map[string]any{"type": "NOTE", "description": "prefers mornings"}).Want(t, 201).Data()
		if note["customer_id"] != cust || note["entity_type"] != "contact" || note["title"] != "note" {
			t.Fatalf("contact note: %v", note)
		}
		c := e.Do("GET", "/api/contacts/"+contact, tok, nil).Want(t, 200).Data()
		if c["last_activity_at"] == nil || c["last_activity_at_jalali"] == "" || len(c["activities"].([]any)) != 1 {
			t.Fatalf("contact detail: last_activity_at %v, activities %v", c["last_activity_at"], c["activities"])
		}
		if l := e.LastRequestLog(); l["store_reads"] != float64(1) {
			t.Errorf("contact detail: %v reads", l["store_reads"])
		}
		// The customer's last_activity_at is kept, and survives its own edits.
		e.Do("PUT", "/api/customers/"+cust, tok, map[string]any{"notes": "key account"}).Want(t, 200)
		if cd := e.Do("GET", "/api/customers/"+cust, tok, nil).Want(t, 200).Data(); cd["last_activity_at"] == nil || cd["last_activity_at_jalali"] == "" {
			t.Fatalf("customer last_activity_at: %v", cd["last_activity_at"])
		}
		e.Do("POST", "/api/customers/"+cust+"/activities", tok, map[string]any{"type": "email", "title": "Catalogue sent", "date": past.Format(time.RFC3339)}).Want(t, 201)
		e.Do("POST", "/api/tenant/activities", tok, map[string]any{"type": "task", "title": "Unrelated"}).Want(t, 201)
		count := func(path string, want int) []map[string]any {
			t.Helper()
			l := e.Do("GET", path, tok, nil).Want(t, 200).List()
			if len(l) != want {
				t.Errorf("%s: %d, want %d", path, len(l), want)
			}
			return l
		}
		count("/api/activities", 5)
		count("/api/deals/"+deal+"/activities", 2)
		count("/api/contacts/"+contact+"/activities", 1)
		count("/api/customers/"+cust+"/activities", 4)
		count("/api/activities?type=CALL", 1)
		count("/api/activities?filter[type]=meeting&filter[completed]=false", 1)
		count("/api/activities?completed=true", 1)
		count("/api/activities?filter[entity_type]=deal&filter[entity_id]="+deal, 2)
		count("/api/activities?entity_type=company&entity_id="+cust+"&type=email", 1)
		count("/api/activities?date_from="+soon.Add(-time.Hour).Format(time.RFC3339), 1)
		count("/api/activities?date_to="+past.Add(time.Hour).Format(time.RFC3339), 2)
		if l := count("/api/tenant/activities?sort=-date&limit=2", 2); l[0]["id"] != meet["id"] {
			t.Errorf("newest first: %v", l[0]["title"])
		}
		count("/api/activities?search=pricing", 1)
		e.Do("GET", "/api/activities?type=dance", tok, nil).Want(t, 422)
		e.Do("POST", "/api/activities", tok, map[string]any{"type": "dance"}).Want(t, 422)
		e.Do("POST", "/api/activities", tok, map[string]any{"type": "call", "deal_id": "0190a0a0-0000-7000-8000-000000000000"}).Want(t, 422)
		e.Do("POST", "/api/deals/0190a0a0-0000-7000-8000-000000000000/activities", tok, map[string]any{"type": "call"}).Want(t, 404)

		// The customer's detail lists them (one read).
		if cd := e.Do("GET", "/api/customers/"+cust, tok, nil).Want(t, 200).Data(); len(cd["activities"].([]any)) != 4 {
			t.Errorf("customer detail activities: %d", len(cd["activities"].([]any)))
		}
		// Update and delete keep the deal current.
		up := e.Do("PUT", "/api/activities/"+meet["id"].(string), tok, map[string]any{"type": "call", "title": "Site call"}).Want(t, 200).Data()
		if up["type"] != "call" || up["version"] != float64(2) {
			t.Fatalf("update: %v", up)
		}
		e.Do("DELETE", "/api/activities/"+meet["id"].(string), tok, nil).Want(t, 200)
		e.Do("GET", "/api/activities/"+meet["id"].(string), tok, nil).Want(t, 404)
		d = e.Do("GET", "/api/deals/"+deal, tok, nil).Want(t, 200).Data()
		if d["activities_count"] != float64(1) || d["next_activity"] != nil {
			t.Fatalf("deal after delete: %v %v", d["activities_count"], d["next_activity"])
		}
		count("/api/deals/"+deal+"/activities", 1)
	})
}
