package tasksapi_test

import (
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestDepartments: the tree with children, head and members_count; a
// parent under itself is a 422; delete is a 409 with children or members
// unless move_to; members; positions; users placed in both, filtered by
// them and shown with include=department,position.
func TestDepartments(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		sara, saraTok := addUser(t, e, "alpha", "sara", "employee")
		reza, _ := addUser(t, e, "alpha", "reza", "employee")
		eng := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Engineering", "description": "Software", "head_id": sara}).Want(t, 201).Data()["id"].(string)
		fe := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Frontend", "parent_id": eng}).Want(t, 201).Data()["id"].(string)
		ui := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "UI", "parent_id": fe}).Want(t, 201).Data()["id"].(string)
		sales := e.Do("POST", "/api/departments", ceo, map[string]any{"name": "Sales"}).Want(t, 201).Data()["id"].(string)
		e.Do("POST", "/api/departments", ceo, map[string]any{"name": "frontend", "parent_id": eng}).Want(t, 422)
		e.Do("POST", "/api/departments", ceo, map[string]any{"name": "X", "head_id": "nobody"}).Want(t, 422)
		e.Do("POST", "/api/departments", saraTok, map[string]any{"name": "X"}).Want(t, 403)
		for _, p := range []string{eng, ui} {
			if r := e.Do("PUT", "/api/departments/"+eng, ceo, map[string]any{"parent_id": p}).Want(t, 422); r.JSON["errors"].(map[string]any)["parent_id"] == nil {
				t.Errorf("cycle error names no parent_id: %s", r.Raw)
			}
		}
		pos := e.Do("POST", "/api/positions", ceo, map[string]any{"name": "Senior Developer", "department_id": eng, "level": 3}).Want(t, 201).Data()["id"].(string)
		e.Do("POST", "/api/positions", ceo, map[string]any{"name": "Bad", "department_id": "0190c5b4-0000-7000-8000-000000000000"}).Want(t, 422)
		e.Do("PUT", "/api/positions/"+pos, ceo, map[string]any{"description": "Writes code"}).Want(t, 200)
		if p := e.Do("GET", "/api/positions/"+pos, saraTok, nil).Want(t, 200).Data(); p["description"] != "Writes code" || p["level"] != float64(3) {
			t.Errorf("position: %v", p)
		}

		// Users are placed through the users routes.
		e.Do("PUT", "/api/users/"+sara, ceo, map[string]any{"department_id": fe, "position_id": pos}).Want(t, 200)
		e.Do("PUT", "/api/users/"+reza, ceo, map[string]any{"department_id": fe}).Want(t, 200)
		e.Do("PUT", "/api/users/"+reza, ceo, map[string]any{"department_id": "0190c5b4-0000-7000-8000-000000000000"}).Want(t, 422)
		e.Do("PUT", "/api/users/"+reza, ceo, map[string]any{"position_id": "nope"}).Want(t, 422)

		tree := e.Do("GET", "/api/departments", saraTok, nil).Want(t, 200).List()
		if len(tree) != 2 || tree[0]["name"] != "Engineering" || tree[1]["name"] != "Sales" {
			t.Fatalf("roots: %v", tree)
		}
		if h := tree[0]["head"].(map[string]any); h["name"] != "sara" {
			t.Errorf("head: %v", h)
		}
		kids := tree[0]["children"].([]any)
		if len(kids) != 1 || kids[0].(map[string]any)["members_count"] != float64(2) || len(kids[0].(map[string]any)["children"].([]any)) != 1 {
			t.Errorf("children: %v", kids)
		}
		m := e.Do("GET", "/api/departments/"+fe+"/members", ceo, nil).Want(t, 200).List()
		if len(m) != 2 {
			t.Errorf("members: %v", m)
		}
		us := e.Do("GET", "/api/users?filter[department_id]="+fe+"&include=department,position&sort=name", ceo, nil).Want(t, 200).List()
		if len(us) != 2 || us[1]["name"] != "sara" || us[1]["department"].(map[string]any)["name"] != "Frontend" || us[1]["position"].(map[string]any)["name"] != "Senior Developer" {
			t.Errorf("users with include: %v", us)
		}
		if us := e.Do("GET", "/api/users?filter[position_id]="+pos, ceo, nil).Want(t, 200).List(); len(us) != 1 {
			t.Errorf("users by position: %v", us)
		}
		e.Do("DELETE", "/api/positions/"+pos, ceo, nil).Want(t, 409)

		// Delete: children and members need move_to.
		e.Do("DELETE", "/api/departments/"+fe, ceo, nil).Want(t, 409)
		e.Do("DELETE", "/api/departments/"+fe+"?move_to="+ui, ceo, nil).Want(t, 422)
		e.Do("DELETE", "/api/departments/"+fe+"?move_to="+sales, ceo, nil).Want(t, 200)
		if m := e.Do("GET", "/api/departments/"+sales+"/members", ceo, nil).Want(t, 200).List(); len(m) != 2 {
			t.Errorf("moved members: %v", m)
		}
		tree = e.Do("GET", "/api/departments", ceo, nil).Want(t, 200).List()
		if len(tree) != 2 || tree[1]["members_count"] != float64(2) || len(tree[1]["children"].([]any)) != 1 || len(tree[0]["children"].([]any)) != 0 {
			t.Errorf("after move: %v", tree)
		}
		e.Do("DELETE", "/api/departments/"+ui, ceo, nil).Want(t, 200)
		e.Do("GET", "/api/departments/"+ui, ceo, nil).Want(t, 404)
	})
}
