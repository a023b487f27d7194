package apikeysapi_test

import (
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

func TestAPIKeysAreShownOnceHashedAndModuleScoped(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		r := e.Do("POST", "/api/api-keys", ceo, map[string]any{"name": "Zapier", "modules": []string{"customers"}}).Want(t, 201).Data()
		key := r["key"].(string)
		if !strings.HasPrefix(key, "pvk_alpha.") || r["id"] == nil || !strings.HasPrefix(key, r["hint"].(string)) {
			t.Fatalf("created %v", r)
		}
		l := e.Do("GET", "/api/api-keys", ceo, nil).Want(t, 200)
		if strings.Contains(string(l.Raw), key) || !strings.Contains(string(l.Raw), "Zapier") {
			t.Fatalf("the list shows the key or misses it: %s", l.Raw)
		}
		// The key works within its module only, and below a top role.
		e.Do("POST", "/api/customers", key, map[string]any{"name": "Made by a key"}).Want(t, 201)
		e.Do("GET", "/api/customers", key, nil).Want(t, 200)
		e.Do("GET", "/api/products", key, nil).Want(t, 403)
		// The list says when the key was last used (to the minute).
		var used any
		for _, k := range e.Do("GET", "/api/api-keys", ceo, nil).Want(t, 200).List() {
			if k["id"] == r["id"] {
				used = k["last_used_at"]
			}
		}
		if s, _ := used.(string); s == "" {
			t.Fatalf("last_used_at after use: %v", used)
		}
		e.Do("GET", "/api/webhooks", key, nil).Want(t, 403)
		e.Do("POST", "/api/api-keys", key, map[string]any{"name": "Child", "modules": []string{"customers"}}).Want(t, 403)
		// Never more than its creator has.
		_, emp := e.AddUser("alpha", &users.User{Name: "Emp", Email: "emp@alpha.test", Role: "employee"})
		e.Do("POST", "/api/api-keys", emp, map[string]any{"name": "Too much", "modules": []string{"customers"}}).Want(t, 422)
		e.Do("POST", "/api/api-keys", emp, map[string]any{"name": "Mine", "modules": []string{"tasks"}}).Want(t, 201)
		// Forged, another tenant's name, revoked: 401.
		e.Do("GET", "/api/customers", "pvk_alpha.forged", nil).Want(t, 401)
		e.Do("GET", "/api/customers", "pvk_../control.x", nil).Want(t, 401)
		e.Do("GET", "/api/customers", strings.Replace(key, "pvk_alpha.", "pvk_beta.", 1), nil).Want(t, 401)
		e.Do("DELETE", "/api/api-keys/"+r["id"].(string), ceo, nil).Want(t, 200)
		e.Do("GET", "/api/customers", key, nil).Want(t, 401)
		e.Do("DELETE", "/api/api-keys/"+r["id"].(string), ceo, nil).Want(t, 404)
	})
}
