package documentsapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"payvand.dev/functions/api/documentsapi"
	"payvand.dev/functions/internal/apitest"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/documents"
)

// TestPresignedDownload: on AWS a download is a redirect to a presigned
// GET of the exact bytes, named like the API names them.
func TestPresignedDownload(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, e *apitest.Env) {
		ceo := e.CEO("alpha")
		body := append([]byte("%PDF-1.4\n"), random(3<<20)...)
		d := upload(t, e, ceo, nil, "گزارش.pdf", body).Want(t, 201).Data()
		svc := &documents.Service{Tables: e.Deps.Control, Blob: e.Deps.Blob}
		ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Realm: auth.RealmTenant, TenantKey: "alpha", Subject: d["owner_id"].(string), Role: "ceo"})
		doc, err := svc.Get(ctx, d["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		out, err := documentsapi.PresignedBytes(ctx, svc, doc, false)
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != http.StatusFound || out.Location == "" || out.Body != nil {
			t.Fatalf("not a redirect: %d %q", out.Status, out.Location)
		}
		u, _ := url.Parse(out.Location)
		if disp := u.Query().Get("response-content-disposition"); !strings.Contains(disp, "filename*=UTF-8''%DA%AF") || !strings.HasPrefix(disp, "attachment;") {
			t.Errorf("presigned disposition %q", disp)
		}
		resp, err := http.Get(out.Location)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Fatalf("presigned GET: %d, %d bytes", resp.StatusCode, len(got))
		}
	})
}
