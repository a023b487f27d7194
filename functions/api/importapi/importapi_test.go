package importapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

func upload(t *testing.T, e *apitest.Env, token, path, name string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
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
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func file(t *testing.T, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func report(m map[string]any) map[string]any {
	return m["data"].(map[string]any)["report"].(map[string]any)
}

func TestImportCustomersFromRealFiles(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	code, m := upload(t, e, tok, "/api/import/customers", "customers.csv", file(t, "customers_utf8_bom.csv"))
	if code != 200 || m["imported_count"] != float64(3) || report(m)["created"] != float64(3) {
		t.Fatalf("UTF-8 BOM: %d %v", code, m)
	}
	z := e.Do("GET", "/api/customers?search=zagros", tok, nil).List()
	if len(z) != 1 || z[0]["city"] != "Tehran" || len(z[0]["tags"].([]any)) != 2 || z[0]["type"] != "B2B" {
		t.Fatalf("zagros = %v", z)
	}
	if a := e.Do("GET", "/api/customers?search=alborz", tok, nil).List(); a[0]["type"] != "B2B" {
		t.Fatalf("'business' should map to B2B: %v", a)
	}
	// Windows-1256 with Persian headers and Arabic yeh/kaf.
	code, m = upload(t, e, tok, "/api/import/customers", "export.csv", file(t, "customers_windows1256.csv"))
	if code != 200 || report(m)["created"] != float64(2) {
		t.Fatalf("Windows-1256: %d %v", code, m)
	}
	r := e.Do("GET", "/api/customers?search="+url.QueryEscape("رابین"), tok, nil).List()
	if len(r) != 1 || r[0]["name"] != "شرکت رابین" || r[0]["type"] != "B2B" || r[0]["city"] != "تهران" {
		t.Fatalf("rabin = %v", r)
	}
	if m := e.Do("GET", "/api/customers?search="+url.QueryEscape("مریم"), tok, nil).List(); m[0]["status"] != "prospect" || m[0]["type"] != "B2C" {
		t.Fatalf("maryam = %v", m)
	}
	// Importing again updates instead of adding (same emails/phones).
	code, m = upload(t, e, tok, "/api/import/customers", "customers.csv", file(t, "customers_utf8_bom.csv"))
	if code != 200 || report(m)["updated"] != float64(3) || report(m)["created"] != float64(0) {
		t.Fatalf("re-import: %d %v", code, m)
	}
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(5) {
		t.Fatalf("%v customers after re-import", n)
	}
	// Bad rows: reported per row, good rows imported; dry run writes nothing.
	code, m = upload(t, e, tok, "/api/import/customers?dry_run=true", "bad.csv", file(t, "customers_bad_rows.csv"))
	rep := report(m)
	if code != 200 || rep["failed"] != float64(4) || rep["created"] != float64(1) || m["imported_count"] != float64(0) {
		t.Fatalf("dry run: %d %v", code, m)
	}
	errs := fmt.Sprint(rep["errors"])
	for _, want := range []string{"row:3", "name", "row:4", "email", "row:5", "type", "row:6", "phone"} {
		if !strings.Contains(errs, want) {
			t.Errorf("row errors %s lack %q", errs, want)
		}
	}
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(5) {
		t.Fatalf("dry run wrote: %v customers", n)
	}
	code, m = upload(t, e, tok, "/api/import/customers", "bad.csv", file(t, "customers_bad_rows.csv"))
	if code != 200 || report(m)["created"] != float64(1) || report(m)["failed"] != float64(4) {
		t.Fatalf("bad rows: %d %v", code, m)
	}
	// Not a table at all.
	if code, _ := upload(t, e, tok, "/api/import/customers", "x.csv", []byte("just one line")); code != 422 {
		t.Fatalf("one-line file: %d", code)
	}
}

func TestImportContactsFromXLSX(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	zagros := e.Do("POST", "/api/customers", tok, map[string]any{"name": "Zagros Steel"}).Want(t, 201).Data()
	code, m := upload(t, e, tok, "/api/import/contacts", "contacts.xlsx", file(t, "contacts_persian.xlsx"))
	if code != 200 || report(m)["created"] != float64(3) {
		t.Fatalf("xlsx: %d %v", code, m)
	}
	s := e.Do("GET", "/api/contacts?customer_id="+zagros["id"].(string), tok, nil).List()
	if len(s) != 1 || s[0]["name"] != "سارا احمدی" || s[0]["job_title"] != "مدیر فروش" || s[0]["mobile"] != "09121112233" {
		t.Fatalf("sara = %v", s)
	}
}

// TestDryRunOfAnUpdateJudgesTheMergedContact: a row that matches a
// contact by email changes only the columns it has, so a dry run must
// judge the contact as it would be after the update, as the real run does.
func TestDryRunOfAnUpdateJudgesTheMergedContact(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	e.Do("POST", "/api/contacts", tok, map[string]any{"name": "Sara Ahmadi", "email": "sara@example.com"}).Want(t, 201)
	csv := []byte("name,email,mobile\n,sara@example.com,09121112233\n") // the row leaves the name as it is
	for _, path := range []string{"/api/import/contacts?dry_run=true", "/api/import/contacts"} {
		code, m := upload(t, e, tok, path, "update.csv", csv)
		if code != 200 || report(m)["updated"] != float64(1) || report(m)["failed"] != float64(0) {
			t.Fatalf("%s: %d %v", path, code, m)
		}
	}
	if s := e.Do("GET", "/api/contacts?search=sara", tok, nil).List(); len(s) != 1 || s[0]["name"] != "Sara Ahmadi" || s[0]["mobile"] != "09121112233" {
		t.Fatalf("after import = %v", s)
	}
}

// TestLargeImportRunsAsAJob: 10,000 rows return 202 at once and finish in
// the background; the job reports its progress and counts.
func TestLargeImportRunsAsAJob(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 rows")
	}
	e := apitest.New(t)
	tok := e.CEO("alpha")
	var b strings.Builder
	b.WriteString("name,email,phone,city\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "Customer %05d,c%05d@bulk.ir,0912%07d,City %d\n", i, i, i, i%20)
	}
	start := time.Now()
	code, m := upload(t, e, tok, "/api/import/customers", "bulk.csv", []byte(b.String()))
	if code != 202 || m["job_id"] == "" {
		t.Fatalf("large import: %d %v", code, m)
	}
	accepted := time.Since(start)
	id := m["job_id"].(string)
	var job map[string]any
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		job = e.Do("GET", "/api/import/jobs/"+id, tok, nil).Want(t, 200).Data()
		if job["status"] == "completed" || job["status"] == "failed" {
			break
		}
	}
	rep := job["report"].(map[string]any)
	if job["status"] != "completed" || rep["created"] != float64(10000) || rep["processed"] != float64(10000) {
		t.Fatalf("job = %v", job)
	}
	t.Logf("10,000 rows: accepted in %v, done in %v", accepted, time.Since(start))
	if n := e.Do("GET", "/api/customers", tok, nil).JSON["pagination"].(map[string]any)["total"]; n != float64(10000) {
		t.Fatalf("%v customers", n)
	}
	e.Do("GET", "/api/import/jobs/"+id, e.CEO("beta"), nil).Want(t, 404)
}
