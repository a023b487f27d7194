package adminapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestDeletePlan: a plan no tenant is on is deleted (gone from the list
// and from new subscriptions); one a tenant is on is refused with 409
// until the tenant moves to another plan.
func TestDeletePlan(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		a := admin(t, e)
		plan := func(name string) string {
			return e.Do("POST", "/api/admin/plans", a, map[string]any{"name": name, "price": 1000, "duration": 30}).Want(t, 201).Data()["id"].(string)
		}
		gold, spare := plan("Gold"), plan("Spare")
		e.Do("PATCH", "/api/admin/tenants/alpha/subscription", a, map[string]any{"plan": "gold"}).Want(t, 200)

		e.Do("DELETE", "/api/admin/plans/"+gold, a, nil).Want(t, 409)
		e.Do("DELETE", "/api/admin/plans/"+spare, a, nil).Want(t, 200)
		e.Do("DELETE", "/api/admin/plans/"+spare, a, nil).Want(t, 404)
		e.Do("GET", "/api/admin/plans/"+spare, a, nil).Want(t, 404)
		if l := e.Do("GET", "/api/admin/plans", a, nil).Want(t, 200).JSON["data"].([]any); len(l) != 1 || l[0].(map[string]any)["name"] != "Gold" {
			t.Fatalf("plans after delete = %v", l)
		}
		e.Do("PATCH", "/api/admin/tenants/beta/subscription", a, map[string]any{"plan": "Spare"}).Want(t, 422)

		// The tenant moves on: the plan can go.
		e.Do("PATCH", "/api/admin/tenants/alpha/subscription", a, map[string]any{"plan": "basic"}).Want(t, 200)
		e.Do("DELETE", "/api/admin/plans/"+gold, a, nil).Want(t, 200)
		if l := e.Do("GET", "/api/admin/plans", a, nil).Want(t, 200).JSON["data"].([]any); len(l) != 0 {
			t.Fatalf("plans = %v", l)
		}
		// Plans are matched by name without case: the seeded demo tenant
		// is on "pro".
		e.Do("DELETE", "/api/admin/plans/"+plan("PRO"), a, nil).Want(t, 409)
		// Tenant users cannot.
		e.Do("DELETE", "/api/admin/plans/"+gold, e.CEO("alpha"), nil).Want(t, 403)
	})
}
