package documentsapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/api/documentsapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/users"
)

func multipartBody(t *testing.T, fields map[string]string, filename string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
		h.Set("Content-Type", "text/plain") // declared, not trusted
		p, _ := w.CreatePart(h)
		p.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func upload(t *testing.T, e *apitest.Env, tok string, fields map[string]string, filename string, content []byte) *apitest.Response {
	t.Helper()
	ct, body := multipartBody(t, fields, filename, content)
	return e.Do("POST", "/api/documents", tok, body, "Content-Type: "+ct)
}

func addUser(t *testing.T, e *apitest.Env, tenant, name, role string, modules ...string) (string, string) {
	t.Helper()
	return e.AddUser(tenant, &users.User{Name: name, Email: name + "@" + tenant + ".test", Role: role, Modules: modules})
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func titles(l []map[string]any) []string {
	out := []string{}
	for _, m := range l {
		out = append(out, m["name"].(string))
	}
	return out
}

// TestDocuments: uploads come back byte for byte (1 byte, 9 MB, a Persian
// name in RFC 5987's filename*), lists filter in both syntaxes, metadata
// changes, stats come from the counters, deletes take the bytes away.
func TestDocuments(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		cat := e.Do("POST", "/api/documents/categories", ceo, map[string]any{"name": "Contracts", "description": "signed"}).Want(t, 201).Data()["id"].(string)
		e.Do("POST", "/api/documents/categories", ceo, map[string]any{"name": "contracts"}).Want(t, 409)
		cust := e.Do("POST", "/api/customers", ceo, map[string]any{"name": "Rabin"}).Want(t, 201).Data()["id"].(string)

		one := upload(t, e, ceo, map[string]string{"tags": "a,b"}, "one.bin", []byte{0x42}).Want(t, 201).Data()
		if one["size"] != float64(1) || one["name"] != "one.bin" || one["created_at_jalali"] == "" {
			t.Fatalf("one: %v", one)
		}
		big := random(9 << 20)
		nine := upload(t, e, ceo, map[string]string{"category_id": cat, "customer_id": cust}, "big.dat", big).Want(t, 201).Data()
		pdf := []byte("%PDF-1.4\n% a contract\n")
		fa := upload(t, e, ceo, map[string]string{"category_id": cat, "tags": "قرارداد,signed", "description": "the contract"}, "قرارداد نهایی.pdf", pdf).Want(t, 201).Data()
		if fa["type"] != "pdf" || fa["content_type"] != "application/pdf" || fa["name"] != "قرارداد نهایی.pdf" {
			t.Fatalf("fa: %v", fa)
		}
		for _, c := range []struct {
			doc  map[string]any
			want []byte
		}{{one, []byte{0x42}}, {nine, big}, {fa, pdf}} {
			r := e.Do("GET", c.doc["url"].(string), ceo, nil).Want(t, 200)
			if !bytes.Equal(r.Raw, c.want) {
				t.Fatalf("download of %v: %d bytes, want %d", c.doc["name"], len(r.Raw), len(c.want))
			}
		}
		disp := e.Do("GET", fa["url"].(string), ceo, nil).Header.Get("Content-Disposition")
		if !strings.Contains(disp, "filename*=UTF-8''%D9%82") || !strings.HasPrefix(disp, "attachment;") {
			t.Errorf("disposition %q", disp)
		}
		// The name's percent-encoding decodes to the exact name.
		enc := disp[strings.Index(disp, "''")+2:]
		if dec, _ := url.PathUnescape(enc); dec != "قرارداد نهایی.pdf" {
			t.Errorf("filename* decodes to %q", dec)
		}
		e.Do("GET", "/api/documents/"+one["id"].(string)+"/other", ceo, nil).Want(t, 404)

		list := func(q string, want ...string) {
			t.Helper()
			got := titles(e.Do("GET", "/api/documents?"+q, ceo, nil).Want(t, 200).List())
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("?%s: %v, want %v", q, got, want)
			}
		}
		// The customer's detail shows its documents (one item collection).
		if cd := e.Do("GET", "/api/customers/"+cust, ceo, nil).Want(t, 200).Data(); len(cd["documents"].([]any)) != 1 || cd["documents"].([]any)[0].(map[string]any)["name"] != "big.dat" {
			t.Errorf("customer documents %v", cd["documents"])
		}
		list("", "قرارداد نهایی.pdf", "big.dat", "one.bin")
		list("category_id="+cat, "قرارداد نهایی.pdf", "big.dat")
		list("filter[category_id]="+cat+"&type=pdf", "قرارداد نهایی.pdf")
		list("filter[type]=pdf", "قرارداد نهایی.pdf")
		list("customer_id="+cust, "big.dat")
		list("filter[customer]="+cust, "big.dat")
		list("tag=a", "one.bin")
		list("filter[tag]=قرارداد", "قرارداد نهایی.pdf")
		list("search=قرارداد", "قرارداد نهایی.pdf")
		list("filter[search]=contract", "قرارداد نهایی.pdf")
		me := one["owner_id"].(string)
		list("owner_id="+me+"&limit=2", "قرارداد نهایی.pdf", "big.dat")
		if p := e.Do("GET", "/api/documents?limit=2", ceo, nil).Want(t, 200).JSON["pagination"].(map[string]any); p["total"] != float64(3) || p["next_cursor"] == nil {
			t.Errorf("pagination %v", p)
		}
		upload(t, e, ceo, map[string]string{"customer_id": "0190aaaa-0000-7000-8000-000000000000"}, "x.txt", []byte("x")).Want(t, 422)
		upload(t, e, ceo, nil, "", nil).Want(t, 422)

		// Global search finds documents by name, description and tags.
		found := func(q string) []any {
			t.Helper()
			l, _ := e.Do("GET", "/api/search?q="+url.QueryEscape(q), ceo, nil).Want(t, 200).Data()["documents"].([]any)
			return l
		}
		if l := found("قرارداد"); len(l) != 1 || l[0].(map[string]any)["id"] != fa["id"] {
			t.Errorf("search قرارداد: %v", l)
		}
		// Metadata; unknown members ignored; the version guards.
		d := e.Do("GET", "/api/documents/"+fa["id"].(string), ceo, nil).Want(t, 200).Data()
		if d["shared_with"] == nil || len(d["shared_with"].([]any)) != 0 {
			t.Errorf("shared_with %v", d["shared_with"])
		}
		u := e.Do("PUT", "/api/documents/"+fa["id"].(string), ceo, map[string]any{"name": "final.pdf", "tags": []string{"x"}, "category_id": "", "id": "ignored", "version": d["version"]}).Want(t, 200).Data()
		if u["name"] != "final.pdf" || u["category_id"] != "" || u["version"] != float64(2) {
			t.Errorf("update %v", u)
		}
		e.Do("PUT", "/api/documents/"+fa["id"].(string), ceo, map[string]any{"name": "stale", "version": 1}).Want(t, 409)
		if len(found("قرارداد")) != 0 || len(found("final")) != 1 || len(found("contract")) != 1 {
			t.Errorf("search after the rename: %v %v", found("قرارداد"), found("final"))
		}
		_, emp := addUser(t, e, "alpha", "sara", "employee")
		e.Do("PUT", "/api/documents/"+fa["id"].(string), emp, map[string]any{"name": "mine"}).Want(t, 403)
		e.Do("PATCH", "/api/documents/"+fa["id"].(string), emp, map[string]any{"name": "mine"}).Want(t, 403)
		if p := e.Do("PATCH", "/api/documents/"+fa["id"].(string), ceo, map[string]any{"description": "signed copy"}).Want(t, 200).Data(); p["name"] != "final.pdf" || p["description"] != "signed copy" {
			t.Errorf("patch %v", p)
		}
		e.Do("DELETE", "/api/documents/"+fa["id"].(string), emp, nil).Want(t, 403)
		e.Do("GET", fa["url"].(string), emp, nil).Want(t, 200)

		st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data()
		total := float64(1 + len(big) + len(pdf))
		if st["total_documents"] != float64(3) || st["total_size"] != total || st["by_category"].(map[string]any)[cat] != float64(1) || st["storage_used"] != total {
			t.Errorf("stats %v", st)
		}
		cats := e.Do("GET", "/api/documents/categories", ceo, nil).Want(t, 200).List()
		if len(cats) != 1 || cats[0]["documents_count"] != float64(1) {
			t.Errorf("categories %v", cats)
		}
		e.Do("PUT", "/api/document-categories/"+cat, ceo, map[string]any{"name": "Agreements"}).Want(t, 200)
		e.Do("DELETE", "/api/document-categories/"+cat, ceo, nil).Want(t, 409)

		// Delete: the bytes go, the counters follow.
		e.Do("DELETE", "/api/documents/"+nine["id"].(string), ceo, nil).Want(t, 200)
		e.Do("GET", nine["url"].(string), ceo, nil).Want(t, 404)
		if cd := e.Do("GET", "/api/customers/"+cust, ceo, nil).Want(t, 200).Data(); len(cd["documents"].([]any)) != 0 {
			t.Errorf("customer documents after delete %v", cd["documents"])
		}
		e.Do("PUT", "/api/documents/"+one["id"].(string), ceo, map[string]any{"customer_id": cust}).Want(t, 200)
		if cd := e.Do("GET", "/api/customers/"+cust, ceo, nil).Want(t, 200).Data(); len(cd["documents"].([]any)) != 1 || cd["documents"].([]any)[0].(map[string]any)["name"] != "one.bin" {
			t.Errorf("customer documents after the move %v", cd["documents"])
		}
		e.Do("PUT", "/api/documents/"+one["id"].(string), ceo, map[string]any{"customer_id": ""}).Want(t, 200)
		if cd := e.Do("GET", "/api/customers/"+cust, ceo, nil).Want(t, 200).Data(); len(cd["documents"].([]any)) != 0 {
			t.Errorf("customer documents after the unlink %v", cd["documents"])
		}
		e.Do("GET", "/api/documents/"+nine["id"].(string), ceo, nil).Want(t, 404)
		if _, _, _, err := e.Deps.Blob.Get(context.Background(), "documents/alpha/"+nine["id"].(string)); err == nil {
			t.Error("the object outlived its document")
		}
		st = e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data()
		if st["total_documents"] != float64(2) || st["total_size"] != float64(1+len(pdf)) {
			t.Errorf("stats after delete %v", st)
		}
		e.Do("DELETE", "/api/document-categories/"+cat, ceo, nil).Want(t, 200)
		e.Do("DELETE", "/api/documents/"+fa["id"].(string), ceo, nil).Want(t, 200)
		if l := found("final"); len(l) != 0 {
			t.Errorf("deleted document still found: %v", l)
		}
		if len(e.Do("GET", "/api/documents/categories", ceo, nil).Want(t, 200).List()) != 0 {
			t.Error("category still listed")
		}
	})
}

// TestDocumentPresignedUpload: a large file goes by a presigned PUT that
// the API then confirms; it downloads byte for byte.
func TestDocumentPresignedUpload(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		big := append([]byte("%PDF-1.5\n"), random(11<<20)...)
		p := e.Do("POST", "/api/documents/presign", ceo, map[string]any{"name": "گزارش سالانه.pdf", "size": len(big), "tags": []string{"annual"}}).Want(t, 201).Data()
		if p["expires_at_jalali"] == "" {
			t.Errorf("presign %v", p)
		}
		e.Do("POST", "/api/documents/confirm", ceo, map[string]any{"upload_id": p["upload_id"]}).Want(t, 422)
		req, _ := http.NewRequest("PUT", p["upload_url"].(string), bytes.NewReader(big))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("presigned PUT: %d", resp.StatusCode)
		}
		_, other := addUser(t, e, "alpha", "omid", "employee")
		e.Do("POST", "/api/documents/confirm", other, map[string]any{"upload_id": p["upload_id"]}).Want(t, 404)
		d := e.Do("POST", "/api/documents/confirm", ceo, map[string]any{"upload_id": p["upload_id"]}).Want(t, 201).Data()
		if d["size"] != float64(len(big)) || d["type"] != "pdf" || d["name"] != "گزارش سالانه.pdf" {
			t.Errorf("confirmed %v", d)
		}
		if r := e.Do("GET", d["url"].(string), ceo, nil).Want(t, 200); !bytes.Equal(r.Raw, big) {
			t.Errorf("download %d bytes", len(r.Raw))
		}
		e.Do("POST", "/api/documents/confirm", ceo, map[string]any{"upload_id": p["upload_id"]}).Want(t, 409)
		if l := e.Do("GET", "/api/documents?tag=annual", ceo, nil).Want(t, 200).List(); len(l) != 1 {
			t.Errorf("list %v", l)
		}
	})
}

// TestDocumentQuota: a file that takes the organization over its plan's
// storage is a 413 that says so.
func TestDocumentQuota(t *testing.T) {
	e := apitest.New(t)
	setQuota(t, e, "alpha", 1000)
	ceo := e.CEO("alpha")
	upload(t, e, ceo, nil, "a.txt", bytes.Repeat([]byte("a"), 600)).Want(t, 201)
	r := upload(t, e, ceo, nil, "b.txt", bytes.Repeat([]byte("b"), 600)).Want(t, 413)
	if !strings.Contains(string(r.Raw), "quota") {
		t.Errorf("413 without a word of the quota: %s", r.Raw)
	}
	st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data()
	if st["storage_quota"] != float64(1000) || st["storage_used"] != float64(600) {
		t.Errorf("stats %v", st)
	}
	// Another tenant keeps its plan's quota.
	upload(t, e, e.CEO("beta"), nil, "b.txt", bytes.Repeat([]byte("b"), 600)).Want(t, 201)
}

// TestDocumentSharing: a token opens its document and nothing else, is
// refused once tampered with, revoked, expired or its document deleted;
// the shared-with-me list and most_shared follow.
func TestDocumentSharing(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		saraID, sara := addUser(t, e, "alpha", "sara", "employee")
		pdf := []byte("%PDF-1.4\nshared\n")
		doc := upload(t, e, ceo, nil, "نامه.pdf", pdf).Want(t, 201).Data()
		other := upload(t, e, ceo, nil, "secret.txt", []byte("the other one")).Want(t, 201).Data()
		id := doc["id"].(string)

		e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{}}).Want(t, 422)
		e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{"not an address"}}).Want(t, 422)
		e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{"x@y.z"}, "permission": "own"}).Want(t, 422)
		e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{"x@y.z"}, "expires_at": time.Now().Add(-time.Hour)}).Want(t, 422)
		sh := e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{saraID, "Guest@Example.com"}, "permission": "view",
			"expires_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}).Want(t, 201).Data()["share_tokens"].([]any)
		if len(sh) != 2 {
			t.Fatalf("tokens %v", sh)
		}
		tok := sh[1].(map[string]any)["token"].(string)
		if len(tok) < len("alpha.")+43 || sh[0].(map[string]any)["token"] == tok {
			t.Fatalf("token %q", tok)
		}
		// Stored hashed: the table never holds the token.
		if strings.Contains(string(e.Do("GET", "/api/documents/"+id, ceo, nil).Want(t, 200).Raw), tok) {
			t.Error("the detail shows a token")
		}
		det := e.Do("GET", "/api/documents/"+id, ceo, nil).Data()
		if sw := det["shared_with"].([]any); len(sw) != 2 || sw[1].(map[string]any)["email"] != "guest@example.com" || det["shares_count"] != float64(2) {
			t.Errorf("shared_with %v", det["shared_with"])
		}

		for _, p := range []string{"/api/documents/shared/" + tok} {
			apitest.WantJalaliTwins(t, e.Do("GET", p, "", nil).Want(t, 200).Raw)
		}
		for _, p := range []string{"/api/documents", "/api/documents/" + id, "/api/documents/categories"} {
			apitest.WantJalaliTwins(t, e.Do("GET", p, ceo, nil).Want(t, 200).Raw)
		}
		apitest.WantJalaliTwins(t, e.Do("GET", "/api/documents/shared", sara, nil).Want(t, 200).Raw)
		pub := e.Do("GET", "/api/documents/shared/"+tok, "", nil).Want(t, 200).Data()
		if pub["document"].(map[string]any)["id"] != id || pub["content_url"] == nil || pub["expires_at_jalali"] == "" {
			t.Fatalf("public %v", pub)
		}
		r := e.Do("GET", pub["content_url"].(string), "", nil).Want(t, 200)
		if !bytes.Equal(r.Raw, pdf) || !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Errorf("content: %q %q", r.Raw, r.Header.Get("Content-Disposition"))
		}
		if r := e.Do("GET", pub["content_url"].(string)+"?inline=true", "", nil).Want(t, 200); !strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline;") {
			t.Errorf("inline %q", r.Header.Get("Content-Disposition"))
		}
		page := e.Do("GET", "/api/documents/view/"+tok, "", nil).Want(t, 200)
		if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.Raw), "<object") || !strings.Contains(string(page.Raw), "نامه.pdf") {
			t.Errorf("viewer %s", page.Raw)
		}
		otherTok := e.Do("POST", "/api/documents/"+other["id"].(string)+"/share", ceo, map[string]any{"recipients": []string{"x@y.z"}}).Want(t, 201).Data()["share_tokens"].([]any)[0].(map[string]any)["token"].(string)
		if v := e.Do("GET", "/api/documents/view/"+otherTok, "", nil).Want(t, 200); strings.Contains(string(v.Raw), "<object") || !strings.Contains(string(v.Raw), "download") {
			t.Errorf("viewer of a text file %s", v.Raw)
		}
		if string(e.Do("GET", "/api/documents/shared/"+otherTok+"/content", "", nil).Want(t, 200).Raw) != "the other one" {
			t.Error("other token")
		}

		// Tampered tokens: a changed character, another tenant's prefix,
		// nonsense, a path.
		last := tok[len(tok)-1]
		flip := byte('A')
		if last == 'A' {
			flip = 'B'
		}
		for _, bad := range []string{tok[:len(tok)-1] + string(flip), "beta" + tok[strings.IndexByte(tok, '.'):], "alpha.x", "x", tok + "x"} {
			e.Do("GET", "/api/documents/shared/"+bad, "", nil).Want(t, 404)
			e.Do("GET", "/api/documents/shared/"+bad+"/content", "", nil).Want(t, 404)
			e.Do("GET", "/api/documents/view/"+bad, "", nil).Want(t, 404)
		}

		// Shared with me: sara sees it, by her user id.
		l := e.Do("GET", "/api/documents/shared", sara, nil).Want(t, 200).JSON["data"].([]any)
		if len(l) != 1 || l[0].(map[string]any)["id"] != id || l[0].(map[string]any)["permission"] != "view" {
			t.Errorf("shared with sara %v", l)
		}
		if l := e.Do("GET", "/api/documents/shared", ceo, nil).Want(t, 200).JSON["data"].([]any); len(l) != 0 {
			t.Errorf("shared with the CEO %v", l)
		}
		st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data()
		if ms := st["most_shared"].([]any); len(ms) != 2 || ms[0].(map[string]any)["document_id"] != id || ms[0].(map[string]any)["shares"] != float64(2) {
			t.Errorf("most_shared %v", st["most_shared"])
		}

		// Revoke one link: it dies, the other lives.
		shareID := sh[1].(map[string]any)["share_id"].(string)
		e.Do("DELETE", "/api/documents/"+id+"/shares/"+shareID, sara, nil).Want(t, 403)
		e.Do("DELETE", "/api/documents/"+id+"/shares/"+shareID, ceo, nil).Want(t, 200)
		e.Do("GET", "/api/documents/shared/"+tok, "", nil).Want(t, 404)
		saraTok := sh[0].(map[string]any)["token"].(string)
		e.Do("GET", "/api/documents/shared/"+saraTok, "", nil).Want(t, 200)

		// Expiry: two days later the link is dead.
		restore := documentsapi.SetNow(func() time.Time { return time.Now().Add(72 * time.Hour) })
		e.Do("GET", "/api/documents/shared/"+saraTok, "", nil).Want(t, 404)
		e.Do("GET", "/api/documents/view/"+saraTok, "", nil).Want(t, 404)
		if l := e.Do("GET", "/api/documents/shared", sara, nil).Want(t, 200).JSON["data"].([]any); len(l) != 0 {
			t.Errorf("expired share still listed %v", l)
		}
		restore()
		e.Do("GET", "/api/documents/shared/"+saraTok, "", nil).Want(t, 200)

		// Delete: every link dies with the document.
		e.Do("DELETE", "/api/documents/"+id, ceo, nil).Want(t, 200)
		e.Do("GET", "/api/documents/shared/"+saraTok, "", nil).Want(t, 404)
		e.Do("GET", "/api/documents/shared/"+saraTok+"/content", "", nil).Want(t, 404)
		e.Do("GET", "/api/documents/view/"+saraTok, "", nil).Want(t, 404)
		e.Do("GET", "/api/documents/shared/"+otherTok, "", nil).Want(t, 200)

		// Only who may change a document hands out links to it; an edit
		// share lets its recipient change the document (and share it).
		e.Do("PUT", "/api/documents/"+other["id"].(string), sara, map[string]any{"name": "hers"}).Want(t, 403)
		e.Do("POST", "/api/documents/"+other["id"].(string)+"/share", sara, map[string]any{"recipients": []string{"z@example.com"}}).Want(t, 403)
		e.Do("POST", "/api/documents/"+other["id"].(string)+"/share", ceo, map[string]any{"recipients": []string{"sara@alpha.test"}, "permission": "edit"}).Want(t, 201)
		e.Do("PUT", "/api/documents/"+other["id"].(string), sara, map[string]any{"name": "hers"}).Want(t, 200)
		e.Do("POST", "/api/documents/"+other["id"].(string)+"/share", sara, map[string]any{"recipients": []string{"z@example.com"}}).Want(t, 201)
	})
}

// TestUploadsServing: /api/uploads serves avatars only; no traversal,
// no document by its key, never another tenant's object.
func TestUploadsServing(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	doc := upload(t, e, ceo, nil, "secret.txt", []byte("alpha's secret")).Want(t, 201).Data()
	beta := e.CEO("beta")
	for _, p := range []string{
		"/api/uploads/documents/alpha/" + doc["id"].(string),
		"/api/uploads/avatars/../documents/alpha/" + doc["id"].(string),
		"/api/uploads/avatars/..%2fdocuments%2falpha%2f" + doc["id"].(string),
		"/api/uploads/../",
		"/api/uploads/%2e%2e/documents/alpha/" + doc["id"].(string),
		"/api/uploads/tasks/alpha/uploads/x",
	} {
		for _, tok := range []string{"", ceo, beta} {
			req, _ := http.NewRequest("GET", e.Server.URL+p, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 || bytes.Contains(body, []byte("alpha's secret")) {
				t.Errorf("%s: %d %s", p, resp.StatusCode, body)
			}
		}
	}
	// Beta cannot read alpha's document through the API either.
	e.Do("GET", doc["url"].(string), beta, nil).Want(t, 404)
}

// TestDocumentSendEmail: each address gets a message with its own link,
// which opens the document.
func TestDocumentSendEmail(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	doc := upload(t, e, ceo, nil, "offer.txt", []byte("the offer")).Want(t, 201).Data()
	e.Do("POST", "/api/documents/"+doc["id"].(string)+"/send-email", ceo, map[string]any{"to": "bad"}).Want(t, 422)
	r := e.Do("POST", "/api/documents/"+doc["id"].(string)+"/send-email", ceo, map[string]any{"to": []string{"x@example.com", "y@example.com"}, "subject": "Our offer", "message": "<b>hi</b>"}).Want(t, 200).Data()
	if r["sent"] != float64(2) || strings.Contains(fmt.Sprint(r), "alpha.") {
		t.Fatalf("sent %v", r)
	}
	msgs, _, err := e.Deps.Outbox.List(context.Background(), 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, m := range msgs {
		if m.Subject == "Our offer" {
			if strings.Contains(m.HTML, "<b>hi</b>") {
				t.Errorf("message not escaped: %s", m.HTML)
			}
			i := strings.Index(m.Text, "/documents/shared/")
			links = append(links, strings.TrimSpace(m.Text[i+len("/documents/shared/"):]))
		}
	}
	if len(links) != 2 || links[0] == links[1] {
		t.Fatalf("links %v", links)
	}
	for _, tok := range links {
		if got := e.Do("GET", "/api/documents/shared/"+tok+"/content", "", nil).Want(t, 200); string(got.Raw) != "the offer" {
			t.Errorf("link opens %q", got.Raw)
		}
	}
	// In Persian the message is a right-to-left document, tagged with its
	// organization (SES feedback finds the tenant by it).
	e.Do("POST", "/api/documents/"+doc["id"].(string)+"/send-email", ceo, map[string]any{"to": "z@example.com", "subject": "پیشنهاد ما", "message": "سلام، پیشنهاد پیوست است."}).Want(t, 200)
	msgs, _, _ = e.Deps.Outbox.List(context.Background(), 10, "")
	fa := 0
	for _, m := range msgs {
		if m.Subject == "پیشنهاد ما" {
			fa++
			if !strings.Contains(m.HTML, `<html lang="fa" dir="rtl">`) || m.Tenant != "alpha" {
				t.Fatalf("Persian document mail: tenant %q, %s", m.Tenant, m.HTML)
			}
		}
	}
	if fa != 1 {
		t.Fatalf("%d Persian messages", fa)
	}
}

// TestDocumentQuotaConcurrent: uploads at once cannot together pass the
// quota: with room for three files of six, three are taken. On the
// embedded store only: moto_server does not isolate concurrent
// transactions (a failed one restores a copy of the table taken before
// it), so races are proven where writes really are serialized.
func TestDocumentQuotaConcurrent(t *testing.T) {
	e := apitest.New(t)
	setQuota(t, e, "alpha", 1000)
	ceo := e.CEO("alpha")
	codes := make(chan int, 6)
	for i := range 6 {
		go func() {
			ct, body := multipartBody(t, nil, fmt.Sprintf("f%d.txt", i), bytes.Repeat([]byte("x"), 300))
			codes <- e.Do("POST", "/api/documents", ceo, body, "Content-Type: "+ct).Status
		}()
	}
	n := map[int]int{}
	for range 6 {
		n[<-codes]++
	}
	if n[201] != 3 || n[413] != 3 {
		t.Errorf("answers %v, want three 201 and three 413", n)
	}
	if st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data(); st["storage_used"] != float64(900) || st["total_documents"] != float64(3) {
		t.Errorf("stats %v", st)
	}
}

// setQuota gives a tenant a storage quota of its own (the setting a SaaS
// admin sets).
func setQuota(t *testing.T, e *apitest.Env, tenant string, bytes int) {
	t.Helper()
	ten, err := e.Deps.Control.Tenant(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	if ten.Settings == nil {
		ten.Settings = map[string]any{}
	}
	ten.Settings["storage_quota_bytes"] = bytes
	if err := e.Deps.Control.SaveTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
}
