package smsapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"strconv"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/api/smsapi"
	"payvand.dev/functions/internal/apitest"
)

// wantDocumented fails unless the answer matches the schema the OpenAPI
// document gives its operation and status (a success:false check
// answer included).
func wantDocumented(t *testing.T, e *apitest.Env, method, path string, r *apitest.Response) {
	t.Helper()
	s, err := e.Deps.Server(slog.New(slog.NewJSONHandler(io.Discard, nil)), smsapi.Mount())
	if err != nil {
		t.Fatal(err)
	}
	oapi := s.API.OpenAPI()
	item := oapi.Paths[path]
	if item == nil {
		t.Fatalf("%s is not in the document", path)
	}
	op := map[string]*huma.Operation{"GET": item.Get, "POST": item.Post}[method]
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
