package customersapi_test

import (
	"context"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestOwnerMustBeAnActiveUser: customers and contacts refuse an owner_id
// that is no active user of the caller's tenant (422 naming owner_id),
// with one read of the user when the owner is given or changed, none
// otherwise.
func TestOwnerMustBeAnActiveUser(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		tok := e.CEO("alpha")
		table := e.Deps.Control.TableFor("alpha")
		user := func(email, status string) string {
			u := &users.User{Name: email, Email: email, Role: "sales", Status: status}
			if err := (users.Repo{}).Create(ctx, table, u, 0); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		active, inactive := user("sales@alpha.test", users.StatusActive), user("gone@alpha.test", users.StatusInactive)
		deleted := user("deleted@alpha.test", users.StatusActive)
		u, _ := (users.Repo{}).Get(ctx, table, deleted)
		if err := (users.Repo{}).SoftDelete(ctx, table, u); err != nil {
			t.Fatal(err)
		}
		other := e.Do("GET", "/api/users/me", e.CEO("beta"), nil).Want(t, 200).Data()["id"].(string) // a user of another tenant
		reads := func() float64 { return e.LastRequestLog()["store_reads"].(float64) }

		for _, kind := range []string{"customers", "contacts"} {
			path := "/api/" + kind
			e.Do("POST", path, tok, map[string]any{"name": "Without owner"}).Want(t, 201)
			base := reads()
			c := e.Do("POST", path, tok, map[string]any{"name": "Owned", "owner_id": active}).Want(t, 201).Data()
			if c["owner_id"] != active || reads() != base+1 {
				t.Fatalf("%s: owner %v with %v reads (without an owner: %v)", kind, c["owner_id"], reads(), base)
			}
			id := c["id"].(string)
			for name, bad := range map[string]string{"unknown": "0197d5c2-7e0a-7cc1-9d3c-5e1f2a3b4c5d", "inactive": inactive, "deleted": deleted,
				"of another tenant": other, "not an id": "nobody"} {
				for _, r := range []*apitest.Response{
					e.Do("POST", path, tok, map[string]any{"name": "Bad owner", "owner_id": bad}),
					e.Do("PUT", path+"/"+id, tok, map[string]any{"owner_id": bad}),
				} {
					if errs, _ := r.JSON["errors"].(map[string]any); r.Status != 422 || errs["owner_id"] == nil {
						t.Errorf("%s, %s owner: %d %s", kind, name, r.Status, r.Raw)
					}
				}
			}
			// An owner who has left keeps the records they own editable:
			// an owner sent unchanged is not checked (nor read) again.
			leaver := user("leaver-"+kind+"@alpha.test", users.StatusActive)
			id = e.Do("POST", path, tok, map[string]any{"name": "Owned by a leaver", "owner_id": leaver}).Want(t, 201).Data()["id"].(string)
			lu, _ := (users.Repo{}).Get(ctx, table, leaver)
			lu.Status = users.StatusInactive
			if err := (users.Repo{}).Save(ctx, table, lu, lu.Email); err != nil {
				t.Fatal(err)
			}
			e.Do("PUT", path+"/"+id, tok, map[string]any{"notes": "x"}).Want(t, 200)
			base = reads()
			if got := e.Do("PUT", path+"/"+id, tok, map[string]any{"notes": "y", "owner_id": leaver}).Want(t, 200).Data(); got["owner_id"] != leaver || reads() != base {
				t.Fatalf("%s: an unchanged owner cost %v reads, want %v", kind, reads(), base)
			}
		}
		if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(3) {
			t.Fatalf("%v customers: a refused one was stored", n)
		}
	})
}
