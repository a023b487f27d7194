package importapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/api/importapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/imports"
)

// sharedFile is a file of shared/imports/testdata (written by its gen.go).
func sharedFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../../shared/imports/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uploadWith posts the file with more form fields.
func uploadWith(t *testing.T, e *apitest.Env, token, path, name string, data []byte, fields map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
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

// names maps the email of every customer to its name and city.
func names(t *testing.T, e *apitest.Env, tok string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range e.Do("GET", "/api/customers?limit=100", tok, nil).Want(t, 200).List() {
		out[fmt.Sprint(c["email"])] = fmt.Sprint(c["name"], " | ", c["city"])
	}
	return out
}

// TestImportReadsEachEncoding: a Windows-1252 CSV was stored as
// Windows-1256 garbage ("Muٌoz Straكe") with failed: 0, and Excel's
// "Unicode Text" (UTF-16, tab-separated) was refused for want of a name
// column. Both are now stored as written, as is Persian Windows-1256 with
// the Persian yeh and kaf; text in no known encoding is refused.
func TestImportReadsEachEncoding(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	for _, c := range []struct {
		file    string
		created int
	}{
		{"customers_windows1252.csv", 4},
		{"customers_utf16le_bom.txt", 3},
		{"customers_windows1256_fa.csv", 3},
	} {
		code, m := upload(t, e, tok, "/api/import/customers", c.file, sharedFile(t, c.file))
		if code != 200 || report(m)["created"] != float64(c.created) || report(m)["failed"] != float64(0) {
			t.Fatalf("%s: %d %v", c.file, code, m)
		}
	}
	want := map[string]string{
		"munoz@example.com":   "Muñoz Straße Ødegård | København",
		"francois@example.fr": "François Lefèvre | Besançon",
		"zoe@example.se":      "Zoë Ångström | Malmö",
		"jose@example.co":     "José Núñez – Café «Élite» | Bogotá",
		"sara@example.ir":     "سارا احمدی | تهران",
		"post@odegard.no":     "Ødegård AS | København",
		"info@pars.ir":        "شرکت‌های پارس ☕ | شیراز",
		"info@chabok.ir":      "پژوهشگران چابک | تبریز",
		"golareh@example.ir":  "گلاره کاظمی | کرج",
		"zhian@example.ir":    "شرکت‌های ژیان | اصفهان",
	}
	got := names(t, e, tok)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %q, want %q", email, got[email], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d customers: %v", len(got), got)
	}
	code, m := upload(t, e, tok, "/api/import/customers", "x.csv", sharedFile(t, "unreadable.csv"))
	if errs, _ := m["errors"].(map[string]any); code != 422 || !strings.Contains(fmt.Sprint(errs["file"]), "text encoding is not recognised") {
		t.Fatalf("unreadable: %d %v", code, m)
	}
}

// TestImportEncodingParameter: the client names the encoding as a form
// field or a query parameter; an unknown one is a 422 on encoding.
func TestImportEncodingParameter(t *testing.T) {
	e := apitest.New(t)
	tok := e.CEO("alpha")
	code, m := uploadWith(t, e, tok, "/api/import/customers", "w.csv", sharedFile(t, "customers_windows1252.csv"), map[string]string{"encoding": "Windows-1252"})
	if code != 200 || report(m)["created"] != float64(4) {
		t.Fatalf("form field: %d %v", code, m)
	}
	code, m = upload(t, e, tok, "/api/import/customers?encoding=utf-16", "u.txt", sharedFile(t, "customers_utf16le_bom.txt"))
	if code != 200 || report(m)["created"] != float64(3) {
		t.Fatalf("query: %d %v", code, m)
	}
	if n := names(t, e, tok); n["munoz@example.com"] != "Muñoz Straße Ødegård | København" || n["info@pars.ir"] != "شرکت‌های پارس ☕ | شیراز" {
		t.Fatalf("names = %v", n)
	}
	for _, path := range []string{"/api/import/customers?encoding=ebcdic", "/api/import/contacts?encoding=ebcdic"} {
		code, m = upload(t, e, tok, path, "w.csv", sharedFile(t, "customers_windows1252.csv"))
		if errs, _ := m["errors"].(map[string]any); code != 422 || !strings.Contains(fmt.Sprint(errs["encoding"]), "ebcdic") {
			t.Fatalf("%s: %d %v", path, code, m)
		}
	}
	code, m = uploadWith(t, e, tok, "/api/import/customers", "w.csv", sharedFile(t, "customers_windows1252.csv"), map[string]string{"encoding": "klingon"})
	if errs, _ := m["errors"].(map[string]any); code != 422 || errs["encoding"] == nil {
		t.Fatalf("unknown form encoding: %d %v", code, m)
	}
}

// TestWorkerKeepsTheEncodingAndFailsRefusedFiles: on AWS a large file is
// parsed again by the worker, which reads it in the encoding the client
// named; a workbook the worker refuses (here 120,000 empty rows) fails its
// job with the reason instead of leaving it queued.
func TestWorkerKeepsTheEncodingAndFailsRefusedFiles(t *testing.T) {
	e := apitest.New(t)
	bus := &recordingBus{}
	e.Deps.Background, e.Deps.Bus = nil, bus
	h, err := e.Deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), importapi.Mount(), authapi.Mount())
	if err != nil {
		t.Fatal(err)
	}
	env := &apitest.Env{T: t, Deps: e.Deps, Server: httptest.NewServer(h)}
	defer env.Server.Close()
	tok := env.CEO("alpha")
	im := &imports.Importer{Service: e.Deps.Customers, Tables: e.Deps.Control}

	// 300 rows of Windows-1256 that detection would read as Windows-1252
	// (Latin letters beside each byte), named windows-1256 by the client.
	var b bytes.Buffer
	b.WriteString("name,email\r\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "Sara\xc7%03d,s%03d@x.ir\r\n", i, i) // \xc7 is alef in Windows-1256, Ç in 1252
	}
	code, m := upload(t, env, tok, "/api/import/customers?encoding=windows-1256", "big.csv", b.Bytes())
	if code != 202 || len(bus.requests) != 1 || bus.requests[0].Encoding != imports.Windows1256 {
		t.Fatalf("queue: %d %v %v", code, m, bus.requests)
	}
	if err := im.Serve(context.Background(), e.Deps.Blob, bus.requests[0]); err != nil {
		t.Fatal(err)
	}
	if c := e.Do("GET", "/api/customers?search=s007@x.ir", tok, nil).Want(t, 200).List(); len(c) != 1 || c[0]["name"] != "Saraا007" {
		t.Fatalf("read by the worker: %v", c)
	}

	f := excelize.NewFile()
	sw, _ := f.NewStreamWriter("Sheet1")
	sw.SetRow("A1", []any{"name", "email"})
	sw.SetRow("A2", []any{"Sara", "sara@x.ir"})
	for r := 3; r < 3+120_000; r++ {
		sw.SetRow("A"+strconv.Itoa(r), []any{" "})
	}
	sw.Flush()
	var book bytes.Buffer
	f.WriteTo(&book)
	restore := imports.SwapXLSXReader(nil) // the imports Lambda reads no XLSX
	code, m = upload(t, env, tok, "/api/import/customers", "big.xlsx", book.Bytes())
	restore()
	if code != 202 || len(bus.requests) != 2 {
		t.Fatalf("xlsx: %d %v", code, m)
	}
	r := bus.requests[1]
	if err := im.Serve(context.Background(), e.Deps.Blob, r); err != nil {
		t.Fatal(err)
	}
	job := env.Do("GET", "/api/import/jobs/"+r.JobID, tok, nil).Want(t, 200).Data()
	if job["status"] != "failed" || !strings.Contains(fmt.Sprint(job["error"]), "counting empty ones") || job["finished_at"] == nil {
		t.Fatalf("job = %v", job)
	}
	if _, _, _, err := e.Deps.Blob.Get(context.Background(), r.FileKey); err == nil {
		t.Fatal("the refused file was kept")
	}
}
