package documentsapi_test

import (
	"encoding/json"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

// TestDocumentsOfDealsAndTasks: the deal and task details list the
// documents linked to them (deal_id, task_id) from their own item
// collection; moving a document moves it, deleting it takes it away.
func TestDocumentsOfDealsAndTasks(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		deal := e.Do("POST", "/api/deals", ceo, map[string]any{"title": "Big order", "value": 10}).Want(t, 201).Data()["id"].(string)
		other := e.Do("POST", "/api/deals", ceo, map[string]any{"title": "Small order", "value": 1}).Want(t, 201).Data()["id"].(string)
		task := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Sign it"}).Want(t, 201).Data()["id"].(string)

		docs := func(path string, want ...string) {
			t.Helper()
			l, _ := e.Do("GET", path, ceo, nil).Want(t, 200).Data()["documents"].([]any)
			raw, _ := json.Marshal(l)
			apitest.WantJalaliTwins(t, raw)
			got := []string{}
			for _, d := range l {
				m := d.(map[string]any)
				got = append(got, m["name"].(string))
				if m["url"] != "/api/documents/"+m["id"].(string)+"/download" {
					t.Errorf("%s: document %v", path, m)
				}
			}
			if len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) || (len(want) > 1 && got[1] != want[1]) {
				t.Errorf("%s documents %v, want %v", path, got, want)
			}
		}
		docs("/api/deals/" + deal)
		docs("/api/tasks/" + task)
		a := upload(t, e, ceo, map[string]string{"deal_id": deal}, "quote.txt", []byte("quote")).Want(t, 201).Data()["id"].(string)
		b := upload(t, e, ceo, map[string]string{"deal_id": deal, "task_id": task}, "contract.txt", []byte("contract")).Want(t, 201).Data()["id"].(string)
		docs("/api/deals/"+deal, "contract.txt", "quote.txt")
		docs("/api/tasks/"+task, "contract.txt")

		// A new name shows; moving to another deal moves the copy.
		e.Do("PATCH", "/api/documents/"+b, ceo, map[string]any{"name": "signed.txt", "deal_id": other}).Want(t, 200)
		docs("/api/deals/"+deal, "quote.txt")
		docs("/api/deals/"+other, "signed.txt")
		docs("/api/tasks/"+task, "signed.txt")
		// A new version shows its size in the copies.
		addVersion(t, e, ceo, b, "signed-2.txt", []byte("signed, twice")).Want(t, 201)
		if l := e.Do("GET", "/api/tasks/"+task, ceo, nil).Want(t, 200).Data()["documents"].([]any); l[0].(map[string]any)["size"] != float64(13) {
			t.Errorf("task documents after the new version %v", l)
		}

		e.Do("DELETE", "/api/documents/"+b, ceo, nil).Want(t, 200)
		e.Do("DELETE", "/api/documents/"+a, ceo, nil).Want(t, 200)
		docs("/api/deals/" + deal)
		docs("/api/deals/" + other)
		docs("/api/tasks/" + task)
	})
}
