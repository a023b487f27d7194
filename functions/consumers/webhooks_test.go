package consumers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

func TestWebhooksReceiveEventsOfTheirTenant(t *testing.T) {
	e := apitest.New(t)
	live(t, e)
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		m["signature"] = r.Header.Get("webhook-signature")
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer srv.Close()
	ceo := e.CEO("alpha")
	_, emp := addUser(t, e, "alpha", "sara", "employee")
	e.Do("POST", "/api/webhooks", emp, map[string]any{"url": srv.URL}).Want(t, 403)
	w := e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": srv.URL, "events": []string{"customer.created"}}).Want(t, 201).Data()
	if w["secret"] == nil || w["id"] == nil {
		t.Fatalf("created %v", w)
	}
	if g := e.Do("GET", "/api/webhooks/"+w["id"].(string), ceo, nil).Want(t, 200).Data(); g["secret"] != nil {
		t.Fatal("the secret is shown again")
	}
	e.Do("GET", "/api/webhooks/"+w["id"].(string), e.CEO("beta"), nil).Want(t, 404)
	e.Do("POST", "/api/webhooks", ceo, map[string]any{"url": "not a url"}).Want(t, 422)

	e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Acme"}).Want(t, 201)
	e.Do("POST", "/api/customers", e.CEO("beta"), map[string]any{"name": "Beta's own"}).Want(t, 201)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0]["type"] != "customer.created" || got[0]["signature"] == "" {
		t.Fatalf("deliveries %v", got)
	}
	env := got[0]["data"].(map[string]any)
	if env["tenant"] != "alpha" || env["id"] == nil {
		t.Fatalf("envelope %v", env)
	}
}
