package apitest

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"strconv"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
)

// WantDocumented fails unless the answer matches the schema that mount's
// OpenAPI document gives its operation and status (problems and
// success:false answers included).
func (e *Env) WantDocumented(t testing.TB, mount app.Mount, method, path string, r *Response) {
	t.Helper()
	s, err := e.Deps.Server(slog.New(slog.NewJSONHandler(io.Discard, nil)), mount)
	if err != nil {
		t.Fatal(err)
	}
	oapi := s.API.OpenAPI()
	item := oapi.Paths[path]
	if item == nil {
		t.Fatalf("%s is not in the document", path)
	}
	op := map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete}[method]
	resp := op.Responses[strconv.Itoa(r.Status)]
	if resp == nil {
		t.Fatalf("%s %s: status %d is not documented", method, path, r.Status)
	}
	if resp.Ref != "" {
		resp = oapi.Components.Responses[resp.Ref[len("#/components/responses/"):]]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mt := resp.Content[ct]
	if mt == nil {
		t.Fatalf("%s %s %d: %s is not documented", method, path, r.Status, ct)
	}
	var v any
	json.Unmarshal(r.Raw, &v)
	res := &huma.ValidateResult{}
	huma.Validate(oapi.Components.Schemas, mt.Schema, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, res)
	for _, e := range res.Errors {
		t.Errorf("%s %s %d: %v\n%s", method, path, r.Status, e, r.Raw)
	}
}
