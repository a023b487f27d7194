package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"testing"

	"payvand.dev/functions/app"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/config"
)

// TestOpenAPIDocumentIsCurrent fails when a route changed without the
// embedded document; `make openapi` (UPDATE_OPENAPI=1) rewrites it.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	d := &app.Deps{Config: config.Config{Version: "dev"}, Tokens: auth.NewTokens(make([]byte, 32))}
	s, err := d.Server(slog.New(slog.NewJSONHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile("openapi.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(doc, openapi) {
		t.Fatal("functions/platform/openapi.json is stale: run `make openapi`")
	}
}
