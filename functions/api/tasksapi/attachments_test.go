package tasksapi_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// A 1×1 PNG.
var png1x1, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func multipartBody(t *testing.T, fields map[string]string, files ...[3]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files { // field, filename, content
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="` + f[0] + `"; filename="` + f[1] + `"`}
		h["Content-Type"] = []string{"text/plain"} // declared, not trusted
		p, _ := w.CreatePart(h)
		p.Write([]byte(f[2]))
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func upload(t *testing.T, e *apitest.Env, path, tok string, fields map[string]string, files ...[3]string) *apitest.Response {
	t.Helper()
	ct, body := multipartBody(t, fields, files...)
	return e.Do("POST", path, tok, body, "Content-Type: "+ct)
}

// TestAttachments: files through the API are sniffed, counted in the
// task and the tenant's storage, downloaded byte for byte, deleted, and
// limited to 10 uploads a minute; a large file goes by a presigned PUT.
func TestAttachments(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		task := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "With files"}).Want(t, 201).Data()["id"].(string)
		a := upload(t, e, "/api/tasks/"+task+"/attachments", ceo, map[string]string{"description": "the logo"}, [3]string{"file", "logo.txt", string(png1x1)}).Want(t, 201).Data()
		if a["content_type"] != "image/png" || a["name"] != "logo.txt" || a["size"] != float64(len(png1x1)) || a["description"] != "the logo" {
			t.Fatalf("attachment: %v", a)
		}
		r := e.Do("GET", a["url"].(string), ceo, nil).Want(t, 200)
		if !bytes.Equal(r.Raw, png1x1) || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %q %v", r.Header.Get("Content-Type"), len(r.Raw))
		}
		d := e.Do("GET", "/api/tasks/"+task, ceo, nil).Want(t, 200).Data()
		if d["attachments_count"] != float64(1) || len(d["attachments"].([]any)) != 1 {
			t.Fatalf("detail: %v %v", d["attachments_count"], d["attachments"])
		}
		storage := func() float64 {
			return e.Do("GET", "/api/tenant/usage", ceo, nil).Want(t, 200).Data()["storage_used"].(float64)
		}
		if s := storage(); s != float64(len(png1x1)) {
			t.Errorf("storage %v", s)
		}
		// Rabin's upload: several files, on a task or on none.
		files := upload(t, e, "/api/tasks/upload", ceo, map[string]string{"task_id": task}, [3]string{"files", "a.txt", "hello"}, [3]string{"files", "b.pdf", "%PDF-1.4 x"}).Want(t, 201)
		fl := files.JSON["data"].([]any)
		if len(fl) != 2 || fl[0].(map[string]any)["content_type"] != "text/plain; charset=utf-8" || fl[1].(map[string]any)["content_type"] != "application/pdf" {
			t.Errorf("upload: %s", files.Raw)
		}
		loose := upload(t, e, "/api/tenant/tasks/upload", ceo, nil, [3]string{"file", "note.txt", "loose"}).Want(t, 201).JSON["data"].([]any)[0].(map[string]any)
		if r := e.Do("GET", loose["url"].(string), ceo, nil).Want(t, 200); string(r.Raw) != "loose" {
			t.Errorf("loose download %q", r.Raw)
		}
		// Rabin uploads first and creates the task with the files.
		early := upload(t, e, "/api/tasks/upload", ceo, nil, [3]string{"files", "brief.txt", "the brief"}).Want(t, 201).JSON["data"].([]any)[0].(map[string]any)
		_, other := addUser(t, e, "alpha", "sara", "employee")
		e.Do("POST", "/api/tasks", other, map[string]any{"title": "Not hers", "attachment_ids": []any{early["id"]}}).Want(t, 422)
		withFiles := e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Briefed", "attachment_ids": []any{early["id"]}}).Want(t, 201).Data()
		if withFiles["attachments_count"] != float64(1) {
			t.Errorf("adopted: %v", withFiles["attachments_count"])
		}
		wd := e.Do("GET", "/api/tasks/"+withFiles["id"].(string), ceo, nil).Want(t, 200).Data()["attachments"].([]any)
		if len(wd) != 1 || string(e.Do("GET", wd[0].(map[string]any)["url"].(string), ceo, nil).Want(t, 200).Raw) != "the brief" {
			t.Errorf("adopted attachment: %v", wd)
		}
		e.Do("GET", early["url"].(string), ceo, nil).Want(t, 404)
		e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "Again", "attachment_ids": []any{early["id"]}}).Want(t, 422)
		upload(t, e, "/api/tasks/"+task+"/attachments", ceo, nil).Want(t, 422)
		if d := e.Do("GET", "/api/tasks/"+task, ceo, nil).Want(t, 200).Data(); d["attachments_count"] != float64(3) {
			t.Errorf("count %v", d["attachments_count"])
		}
		// Someone else may not delete the CEO's file on the CEO's task.
		e.Do("DELETE", "/api/tasks/"+task+"/attachments/"+a["id"].(string), other, nil).Want(t, 403)
		e.Do("DELETE", "/api/tasks/"+task+"/attachments/"+a["id"].(string), ceo, nil).Want(t, 200)
		e.Do("GET", a["url"].(string), ceo, nil).Want(t, 404)
		if s := storage(); s != float64(len("hello")+len("%PDF-1.4 x")+len("loose")+len("the brief")) {
			t.Errorf("storage after delete %v", s)
		}

		// A large file: presigned PUT, then confirm.
		big := append(append([]byte{}, png1x1...), bytes.Repeat([]byte{0}, 11<<20)...)
		p := e.Do("POST", "/api/tasks/"+task+"/attachments/presign", ceo, map[string]any{"name": "big.bin", "size": len(big)}).Want(t, 201).Data()
		e.Do("POST", "/api/tasks/"+task+"/attachments/confirm", ceo, map[string]any{"upload_id": p["upload_id"]}).Want(t, 422)
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
		c := e.Do("POST", "/api/tasks/"+task+"/attachments/confirm", ceo, map[string]any{"upload_id": p["upload_id"], "description": "big"}).Want(t, 201).Data()
		if c["size"] != float64(len(big)) || c["content_type"] != "image/png" {
			t.Errorf("confirmed: %v", c)
		}
		if r := e.Do("GET", c["url"].(string), ceo, nil).Want(t, 200); !bytes.Equal(r.Raw, big) {
			t.Errorf("big download: %d bytes", len(r.Raw))
		}
		e.Do("POST", "/api/tasks/"+task+"/attachments/confirm", ceo, map[string]any{"upload_id": p["upload_id"]}).Want(t, 409)

		// Uploads are limited to 10 a minute per user: a fresh user, well
		// inside one fixed window.
		if time.Now().Second() > 45 {
			time.Sleep(time.Duration(61-time.Now().Second()) * time.Second)
		}
		for i := range 11 {
			r := upload(t, e, "/api/tasks/"+task+"/attachments", other, nil, [3]string{"file", "n.txt", "n"})
			if i == 10 {
				r.Want(t, 429)
			} else {
				r.Want(t, 201)
			}
		}
		// Deleting the task drops its files from storage.
		e.Do("DELETE", "/api/tasks/"+task, ceo, nil).Want(t, 200)
		if s := storage(); s != float64(len("loose")+len("the brief")) {
			t.Errorf("storage after task delete %v", s)
		}
	})
}
