package teamapi_test

import (
	"fmt"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// A caller without the right to an operation learns nothing about its
// input: 403 comes before any 422 or 404, and a role name is not an
// oracle (an unknown and a known role get the same answer).
func TestRightsAreCheckedBeforeInput(t *testing.T) {
	e := apitest.New(t)
	tokens, ids := seedRoles(t, e, "alpha")
	emp := tokens["employee"]
	cases := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/users", map[string]any{}},
		{"POST", "/api/users", map[string]any{"name": "X", "email": "not an email", "role": "no_such_role"}},
		{"POST", "/api/users", map[string]any{"name": "X", "email": "x@alpha.test", "role": "ceo"}},
		{"POST", "/api/tenant/users", map[string]any{"name": 7}},
		{"POST", "/api/tenant/users", map[string]any{"name": "X", "email": "x@alpha.test", "role": "no_such_role"}},
		{"PUT", "/api/users/" + ids["sales"], map[string]any{"status": "bogus"}},
		{"PUT", "/api/users/not-a-user", map[string]any{"name": "X"}},
		{"DELETE", "/api/users/not-a-user", nil},
		{"POST", "/api/permissions/user-modules", map[string]any{}},
		{"POST", "/api/tenant/users/" + ids["sales"] + "/permissions", map[string]any{"modules": "x"}},
		{"POST", "/api/permissions/roles", map[string]any{"name": "!"}},
	}
	for _, c := range cases {
		r := e.Do(c.method, c.path, emp, c.body)
		if r.Status != 403 {
			t.Errorf("%s %s %v as employee: %d, want 403: %s", c.method, c.path, c.body, r.Status, r.Raw)
		}
	}
	// With the right, the same input is judged on its merits.
	e.Do("POST", "/api/users", tokens["manager"], map[string]any{"name": "X", "email": "x@alpha.test", "role": "no_such_role"}).Want(t, 422)
}

// A manager cannot hand out, through a role, modules he lacks; and the
// roles a CEO defined are the CEO's to change.
func TestRolesCannotCarryMoreThanTheirGranter(t *testing.T) {
	e := apitest.New(t)
	tokens, ids := seedRoles(t, e, "alpha")
	ceo, m := tokens["ceo"], tokens["manager"]
	e.Do("POST", "/api/permissions/roles", ceo, map[string]any{"name": "office_admin", "modules": []string{"settings", "customers"}}).Want(t, 200)

	// Assigning the CEO's role (which carries settings) is a grant of settings.
	r := e.Do("POST", "/api/users", m, map[string]any{"name": "Y", "email": "y@alpha.test", "role": "office_admin"})
	if r.Status != 403 || !strings.Contains(r.JSON["detail"].(string), "settings") {
		t.Fatalf("manager created a user with a role carrying settings: %d %s", r.Status, r.Raw)
	}
	e.Do("PUT", "/api/users/"+ids["sales"], m, map[string]any{"role": "office_admin"}).Want(t, 403)
	e.Do("GET", "/api/users/"+ids["sales"], ceo, nil).Want(t, 200)
	if p := e.Do("GET", "/api/permissions/user/"+ids["sales"], ceo, nil).Want(t, 200).Data(); contains(toStrings(p["modules"]), "settings") {
		t.Fatalf("the sales user got settings: %v", p)
	}
	// Nor may he rewrite the CEO's role, or define one with modules he lacks.
	e.Do("POST", "/api/permissions/roles", m, map[string]any{"name": "office_admin", "modules": []string{"customers"}}).Want(t, 403)
	e.Do("POST", "/api/permissions/roles", m, map[string]any{"name": "my_admin", "modules": []string{"settings"}}).Want(t, 403)
	// What he has, he may pass on, and change again.
	e.Do("POST", "/api/permissions/roles", m, map[string]any{"name": "field_sales", "modules": []string{"customers", "sales"}}).Want(t, 200)
	e.Do("POST", "/api/permissions/roles", m, map[string]any{"name": "field_sales", "modules": []string{"customers"}}).Want(t, 200)
	e.Do("PUT", "/api/users/"+ids["employee"], m, map[string]any{"role": "field_sales"}).Want(t, 200)
	// The CEO's grants to a user stay when a manager edits something else.
	e.Do("POST", "/api/tenant/users/"+ids["sales"]+"/permissions", ceo, map[string]any{"modules": []string{"customers", "settings"}}).Want(t, 200)
	e.Do("PUT", "/api/users/"+ids["sales"], m, map[string]any{"job_title": "Lead"}).Want(t, 200)
	if p := e.Do("GET", "/api/permissions/user/"+ids["sales"], ceo, nil).Want(t, 200).Data(); !contains(toStrings(p["modules"]), "settings") {
		t.Fatalf("a manager's edit dropped the CEO's grant: %v", p)
	}
	// The grant reaches the user's token at once; the field_sales user's
	// does not include settings.
	e.Do("PUT", "/api/settings/organization", tokens["sales"], map[string]any{"settings": map[string]any{"currency": "USD"}}).Want(t, 200)
	e.Do("PUT", "/api/settings/organization", tokens["employee"], map[string]any{"settings": map[string]any{"currency": "USD"}}).Want(t, 403)
	e.Do("GET", "/api/customers", tokens["employee"], nil).Want(t, 200)
	// Narrowing the role narrows its holders, with the tokens they hold:
	// field_sales without customers no longer opens customers.
	e.Do("POST", "/api/permissions/roles", m, map[string]any{"name": "field_sales", "modules": []string{"tasks"}}).Want(t, 200)
	e.Do("GET", "/api/customers", tokens["employee"], nil).Want(t, 403)
	if p := e.Do("GET", "/api/permissions/user/"+ids["employee"], ceo, nil).Want(t, 200).Data(); fmt.Sprint(toStrings(p["modules"])) != "[tasks]" {
		t.Fatalf("the holder of the narrowed role: %v", p)
	}
}

// Deactivation, deletion and demotion take effect on tokens already
// issued, without waiting for them to expire.
func TestAccountChangesReachIssuedTokens(t *testing.T) {
	e := apitest.New(t)
	tokens, ids := seedRoles(t, e, "alpha")
	ceo := tokens["ceo"]

	e.Do("GET", "/api/users", tokens["sales"], nil).Want(t, 200)
	e.Do("PUT", "/api/users/"+ids["sales"], ceo, map[string]any{"status": "inactive"}).Want(t, 200)
	e.Do("GET", "/api/users", tokens["sales"], nil).Want(t, 401)
	if r := e.Do("GET", "/api/users", tokens["sales"], nil, "Accept-Language: fa").Want(t, 401); r.JSON["detail"] != "حساب کاربری شما دیگر فعال نیست." {
		t.Fatalf("Persian answer: %s", r.Raw)
	}

	e.Do("GET", "/api/customers", tokens["sales_manager"], nil).Want(t, 200)
	e.Do("DELETE", "/api/users/"+ids["sales_manager"], ceo, nil).Want(t, 200)
	e.Do("GET", "/api/users", tokens["sales_manager"], nil).Want(t, 401)

	// A manager demoted to employee loses the right to manage users and
	// the customers module with the same token.
	m := tokens["manager"]
	e.Do("GET", "/api/customers", m, nil).Want(t, 200)
	e.Do("PUT", "/api/users/"+ids["manager"], ceo, map[string]any{"role": "employee"}).Want(t, 200)
	e.Do("GET", "/api/customers", m, nil).Want(t, 403)
	e.Do("POST", "/api/users", m, map[string]any{"name": "Z", "email": "z@alpha.test"}).Want(t, 403)
	// Promotion works the same way.
	e.Do("PUT", "/api/users/"+ids["employee"], ceo, map[string]any{"role": "sales"}).Want(t, 200)
	e.Do("GET", "/api/customers", tokens["employee"], nil).Want(t, 200)
}
