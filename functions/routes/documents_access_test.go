package routes_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

// TestDocumentsAccess sweeps every route of the documents group: a user
// without the documents module gets 403 before any input is read, and
// another tenant's user never sees or changes alpha's documents,
// categories or shares.
func TestDocumentsAccess(t *testing.T) {
	e := apitest.New(t)
	a := e.CEO("alpha")
	form := func(name, content string) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("tags", "Alpha Secret Tag")
		p, _ := w.CreateFormFile("file", name)
		p.Write([]byte(content))
		w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	ct, body := form("Alpha Secret.txt", "Alpha Secret bytes")
	doc := e.Do("POST", "/api/documents", a, body, "Content-Type: "+ct).Want(t, 201).Data()["id"].(string)
	cat := e.Do("POST", "/api/documents/categories", a, map[string]any{"name": "Alpha Secret Category"}).Want(t, 201).Data()["id"].(string)
	share := e.Do("POST", "/api/documents/"+doc+"/share", a, map[string]any{"recipients": []string{"x@example.com"}}).Want(t, 201).Data()["share_tokens"].([]any)[0].(map[string]any)
	shareID := share["share_id"].(string)

	_, emp := e.AddUser("alpha", &users.User{Name: "Chat Only", Email: "chat@alpha.test", Role: "employee", Modules: []string{"chat"}})
	b := e.CEO("beta")

	type call struct {
		method, path string
		body         any
		list         bool // answers 200 with (no) data rather than 404
	}
	calls := []call{
		{"GET", "/api/documents", nil, true},
		{"GET", "/api/documents?search=secret", nil, true},
		{"GET", "/api/documents?category_id=" + cat, nil, true},
		{"POST", "/api/documents", "", false},
		{"POST", "/api/documents/presign", map[string]any{"name": "x", "size": 10, "category_id": cat}, false},
		{"POST", "/api/documents/confirm", map[string]any{"upload_id": doc}, false},
		{"GET", "/api/documents/" + doc, nil, false},
		{"PUT", "/api/documents/" + doc, map[string]any{"name": "x"}, false},
		{"PATCH", "/api/documents/" + doc, map[string]any{"name": "x"}, false},
		{"GET", "/api/documents/" + doc + "/download", nil, false},
		{"POST", "/api/documents/" + doc + "/share", map[string]any{"recipients": []string{"y@example.com"}}, false},
		{"DELETE", "/api/documents/" + doc + "/shares/" + shareID, nil, false},
		{"POST", "/api/documents/" + doc + "/send-email", map[string]any{"to": "z@example.com"}, false},
		{"GET", "/api/documents/shared", nil, true},
		{"GET", "/api/documents/stats", nil, true},
		{"GET", "/api/documents/categories", nil, true},
		{"POST", "/api/documents/categories", map[string]any{"name": "Their Category"}, true},
		{"PUT", "/api/document-categories/" + cat, map[string]any{"name": "x"}, false},
		{"DELETE", "/api/document-categories/" + cat, nil, false},
		{"DELETE", "/api/documents/" + doc, nil, false},
	}
	for _, c := range calls {
		if r := e.Do(c.method, c.path, emp, c.body); r.Status != 403 {
			t.Errorf("user without the module %s %s: %d", c.method, c.path, r.Status)
		}
		r := e.Do(c.method, c.path, b, c.body)
		leaked := strings.Contains(string(r.Raw), "Alpha Secret")
		ok := r.Status == 404 || r.Status == 422
		if c.list {
			ok = r.Status == 200 || r.Status == 201
		}
		if leaked || !ok {
			t.Errorf("beta %s %s: %d leaked=%v %s", c.method, c.path, r.Status, leaked, r.Raw)
		}
	}
	// Global search shows documents only to their tenant's users with the module.
	for _, tok := range []string{b, emp} {
		if r := e.Do("GET", "/api/search?q=secret", tok, nil).Want(t, 200); strings.Contains(string(r.Raw), "Alpha Secret") {
			t.Errorf("search leaks: %s", r.Raw)
		}
	}
	if l, _ := e.Do("GET", "/api/search?q=secret", a, nil).Want(t, 200).Data()["documents"].([]any); len(l) != 1 {
		t.Errorf("alpha's search: %v", l)
	}
	if st := e.Do("GET", "/api/documents/stats", b, nil).Data(); st["total_documents"] != float64(0) {
		t.Errorf("beta's stats count alpha's documents: %v", st)
	}
	// Alpha's records are untouched.
	d := e.Do("GET", "/api/documents/"+doc, a, nil).Want(t, 200).Data()
	if d["name"] != "Alpha Secret.txt" || d["version"] != float64(1) || len(d["shared_with"].([]any)) != 1 {
		t.Fatalf("document changed: %v", d)
	}
	if r := e.Do("GET", "/api/documents/"+doc+"/download", a, nil).Want(t, 200); string(r.Raw) != "Alpha Secret bytes" {
		t.Fatalf("bytes changed: %q", r.Raw)
	}
	if c := e.Do("GET", "/api/documents/categories", a, nil).Want(t, 200).List(); len(c) != 1 || c[0]["name"] != "Alpha Secret Category" {
		t.Fatalf("categories changed: %v", c)
	}
}
