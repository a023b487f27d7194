// Command platform is the Lambda of health, the API's OpenAPI document and
// its documentation page (/api/docs, whose viewer is embedded: package
// docsui, linked by no other Lambda). It needs no store and no keys, so it
// links neither. The document of
// every route group is generated ahead of time (openapi.json, kept current
// by TestOpenAPIDocumentIsCurrent) so that this Lambda does not register
// every route at cold start.
package main

import (
	_ "embed"
	"log/slog"
	"net/http"
	"os"

	"payvand.dev/functions/api/health"
	"payvand.dev/functions/lambdahttp"
	"payvand.dev/shared/config"
	"payvand.dev/shared/httpapi"
	_ "payvand.dev/shared/httpapi/docsui" // /api/docs from embedded files
)

//go:embed openapi.json
var openapi []byte

func main() {
	err := lambdahttp.Serve("platform", func(logger *slog.Logger) (http.Handler, error) {
		s := httpapi.New(httpapi.Config{Title: "Payvand API", Version: config.Version, Logger: logger, PrebuiltOpenAPI: openapi})
		health.Register(s, config.Version)
		return s.Handler(), nil
	})
	if err != nil {
		os.Exit(1)
	}
}
