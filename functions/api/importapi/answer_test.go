package importapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/imports"
	"payvand.dev/shared/users"
)

// TestSyncImportAnswersNoJobRecord: an import answered in its request
// shows its status and report, not a job with an empty id and a zero
// date; a started job keeps its record's fields.
func TestSyncImportAnswersNoJobRecord(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		tok := e.CEO("alpha")
		for _, path := range []string{"/api/import/customers", "/api/import/customers?dry_run=true"} {
			raw := rawUpload(t, e, tok, path, []byte("name,email\nDamavand,info@damavand.ir\n"))
			var body struct {
				Data map[string]json.RawMessage `json:"data"`
			}
			var top map[string]json.RawMessage
			json.Unmarshal(raw, &top)
			json.Unmarshal(raw, &body)
			if k := slices.Sorted(maps.Keys(top)); !slices.Equal(k, []string{"data", "imported_count", "message", "success"}) {
				t.Errorf("%s: members %v: %s", path, k, raw)
			}
			if k := slices.Sorted(maps.Keys(body.Data)); !slices.Equal(k, []string{"report", "status"}) || string(body.Data["status"]) != `"completed"` {
				t.Errorf("%s: data members %v: %s", path, k, raw)
			}
		}
		// A job read back has its record's fields.
		j := imports.NewJob(imports.Report{Kind: imports.Customers, Unmapped: []string{}, Errors: []imports.RowError{}}, "someone")
		if err := imports.SaveJob(context.Background(), e.Deps.Control.TableFor("alpha"), j); err != nil {
			t.Fatal(err)
		}
		got := e.Do("GET", "/api/import/jobs/"+j.ID, tok, nil).Want(t, 200).Data()
		for _, k := range []string{"id", "status", "report", "created_by", "created_at", "updated_at"} {
			if got[k] == nil || got[k] == "" {
				t.Errorf("job lacks %s: %v", k, got)
			}
		}
	})
}

// TestImportJobNeedsTheModuleOfItsKind: a job's counts and errors are
// shown only to a caller with the module its kind of import needs.
func TestImportJobNeedsTheModuleOfItsKind(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		table := e.Deps.Control.TableFor("alpha")
		job := map[string]string{}
		for _, kind := range []string{imports.Customers, imports.Contacts} {
			j := imports.NewJob(imports.Report{Kind: kind, Total: 3, Unmapped: []string{}, Errors: []imports.RowError{}}, "someone")
			if err := imports.SaveJob(ctx, table, j); err != nil {
				t.Fatal(err)
			}
			job[kind] = j.ID
		}
		h, _ := auth.HashPassword(apitest.Password)
		for _, u := range []*users.User{
			{Name: "Employee", Email: "employee@alpha.test", Role: "employee"},
			{Name: "Contacts only", Email: "contacts@alpha.test", Role: "employee", Modules: []string{"contacts"}},
		} {
			u.PasswordHash = h
			if err := (users.Repo{}).Create(ctx, table, u, 0); err != nil {
				t.Fatal(err)
			}
		}
		ceo, employee, contacts := e.CEO("alpha"), e.Login("alpha", "employee@alpha.test"), e.Login("alpha", "contacts@alpha.test")
		for _, c := range []struct {
			who, token, kind string
			status           int
		}{
			{"ceo", ceo, imports.Customers, 200}, {"ceo", ceo, imports.Contacts, 200},
			{"employee", employee, imports.Customers, 403}, {"employee", employee, imports.Contacts, 403},
			{"contacts only", contacts, imports.Contacts, 200}, {"contacts only", contacts, imports.Customers, 403},
		} {
			r := e.Do("GET", "/api/import/jobs/"+job[c.kind], c.token, nil)
			if r.Status != c.status {
				t.Errorf("%s reads a %s job: %d, want %d: %s", c.who, c.kind, r.Status, c.status, r.Raw)
			}
			if c.status == 200 && r.Data()["report"].(map[string]any)["total"] != float64(3) {
				t.Errorf("%s reads %s", c.who, r.Raw)
			}
		}
		// Refused before anything is read: an unknown job is no 404 to it.
		e.Do("GET", "/api/import/jobs/"+job[imports.Customers][:len(job[imports.Customers])-4]+"0000", employee, nil).Want(t, 403)
	})
}

func rawUpload(t *testing.T, e *apitest.Env, token, path string, data []byte) []byte {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "c.csv")
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
	}
	return raw
}
