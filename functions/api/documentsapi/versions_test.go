package documentsapi_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

func addVersion(t *testing.T, e *apitest.Env, tok, id, filename string, content []byte) *apitest.Response {
	t.Helper()
	ct, body := multipartBody(t, nil, filename, content)
	return e.Do("POST", "/api/documents/"+id+"/versions", tok, body, "Content-Type: "+ct)
}

// TestDocumentVersions: a new version becomes the current file, every
// version stays downloadable byte for byte, the list is newest first with
// who uploaded each, the quota and the storage counter count every
// version, and a delete takes every version's bytes away.
func TestDocumentVersions(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		setQuota(t, e, "alpha", 1000)
		ceo := e.CEO("alpha")
		saraID, sara := addUser(t, e, "alpha", "sara", "employee", "documents")
		v1 := bytes.Repeat([]byte("a"), 300)
		doc := upload(t, e, ceo, nil, "report.txt", v1).Want(t, 201).Data()
		id := doc["id"].(string)
		owner := doc["owner_id"].(string)

		// Sara may not change the document.
		addVersion(t, e, sara, id, "x.txt", []byte("x")).Want(t, 403)
		addVersion(t, e, ceo, id, "", nil).Want(t, 422)
		addVersion(t, e, ceo, "0190aaaa-0000-7000-8000-000000000000", "x.txt", []byte("x")).Want(t, 404)

		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("b"), 191)...)
		got := addVersion(t, e, ceo, id, "report.pdf", pdf).Want(t, 201).Data()
		if got["file_version"] != float64(2) || got["size"] != float64(200) || got["type"] != "pdf" || got["name"] != "report.txt" {
			t.Fatalf("after the new version: %v", got)
		}
		if av := got["added_version"].(map[string]any); av["number"] != float64(2) || av["uploaded_by"] != owner {
			t.Fatalf("added version %v", av)
		}
		// The current file is the new one; ?version=1 is the first.
		if r := e.Do("GET", "/api/documents/"+id+"/download", ceo, nil).Want(t, 200); !bytes.Equal(r.Raw, pdf) {
			t.Fatalf("current download: %d bytes", len(r.Raw))
		}
		if r := e.Do("GET", "/api/documents/"+id+"/download?version=1", ceo, nil).Want(t, 200); !bytes.Equal(r.Raw, v1) {
			t.Fatalf("version 1: %q", r.Raw)
		}
		if r := e.Do("GET", "/api/documents/"+id+"/download?version=2", ceo, nil).Want(t, 200); !bytes.Equal(r.Raw, pdf) {
			t.Fatalf("version 2: %d bytes", len(r.Raw))
		}
		e.Do("GET", "/api/documents/"+id+"/download?version=3", ceo, nil).Want(t, 404)

		// The quota counts every version: 300 + 200 stored, 600 more is refused.
		addVersion(t, e, ceo, id, "big.txt", bytes.Repeat([]byte("c"), 600)).Want(t, 413)
		// An editor it is shared with adds the third.
		e.Do("POST", "/api/documents/"+id+"/share", ceo, map[string]any{"recipients": []string{saraID}, "permission": "edit"}).Want(t, 201)
		addVersion(t, e, sara, id, "report-3.txt", []byte("third")).Want(t, 201)

		r := e.Do("GET", "/api/documents/"+id+"/versions", ceo, nil).Want(t, 200)
		apitest.WantJalaliTwins(t, r.Raw)
		vs := r.List()
		var summary []string
		for _, v := range vs {
			summary = append(summary, fmt.Sprintf("%v:%v:%v:%v", v["number"], v["size"], v["type"], v["uploaded_by"] == saraID))
		}
		if fmt.Sprint(summary) != "[3:5:text:true 2:200:pdf:false 1:300:text:false]" {
			t.Fatalf("versions %v", summary)
		}
		if vs[2]["uploaded_by"] != owner || vs[0]["url"] != "/api/documents/"+id+"/download?version=3" {
			t.Errorf("versions %v", vs)
		}
		// The detail still lists its shares only.
		if d := e.Do("GET", "/api/documents/"+id, ceo, nil).Want(t, 200).Data(); len(d["shared_with"].([]any)) != 1 || d["file_version"] != float64(3) {
			t.Errorf("detail %v", d)
		}
		if st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data(); st["storage_used"] != float64(505) || st["total_size"] != float64(5) {
			t.Errorf("stats %v", st)
		}

		e.Do("DELETE", "/api/documents/"+id, ceo, nil).Want(t, 200)
		for _, k := range []string{"documents/alpha/" + id, "documents/alpha/" + id + "/v2", "documents/alpha/" + id + "/v3"} {
			if _, _, _, err := e.Deps.Blob.Get(ctx, k); err == nil {
				t.Errorf("%s outlived its document", k)
			}
		}
		if st := e.Do("GET", "/api/documents/stats", ceo, nil).Want(t, 200).Data(); st["storage_used"] != float64(0) || st["total_size"] != float64(0) {
			t.Errorf("stats after the delete %v", st)
		}
		e.Do("GET", "/api/documents/"+id+"/versions", ceo, nil).Want(t, 404)
	})
}
