package webhooksapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// An integrator can list what an endpoint may take, each with what it
// means and a sample; an endpoint asking for anything else is refused
// with the field named, before anything is stored.
func TestEndpointsTakeOnlyTheListedEventTypes(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	l := e.Do("GET", "/api/webhooks/events", ceo, nil).Want(t, 200).List()
	if len(l) < 40 {
		t.Fatalf("%d event types", len(l))
	}
	for _, ev := range l {
		var sample map[string]any
		if ev["about"] == "" || json.Unmarshal(mustJSON(ev["sample"]), &sample) != nil || len(sample) == 0 {
			t.Errorf("event type %v has no description or sample", ev)
		}
		if typ := ev["type"].(string); strings.HasPrefix(typ, "notification.") || strings.HasPrefix(typ, "webhook.") || strings.HasPrefix(typ, "email.") {
			t.Errorf("%s is not the organization's business", typ)
		}
	}
	r := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": "https://hooks.example.com/x", "events": []string{"deal.won", "notification.created"}}).Want(t, 422)
	if !strings.Contains(string(r.Raw), "notification.created") || r.JSON["errors"].(map[string]any)["events"] == nil {
		t.Fatalf("refusal %s", r.Raw)
	}
	if n := len(e.Do("GET", "/api/webhooks", ceo, nil).Want(t, 200).List()); n != 0 {
		t.Fatalf("%d endpoints stored", n)
	}
	e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": "https://hooks.example.com/x", "events": []string{"deal.won", "document.uploaded"}}).Want(t, 201)
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
