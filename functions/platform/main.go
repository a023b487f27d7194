// Command platform is the Lambda of health and the API's OpenAPI document.
// The document of every route group is generated ahead of time
// (openapi.json, kept current by TestOpenAPIDocumentIsCurrent) so that this
// Lambda does not register every route at cold start.
package main

import (
	_ "embed"
	"os"

	"payvand.dev/functions/lambda"
	"payvand.dev/functions/routes"
)

//go:embed openapi.json
var openapi []byte

func main() {
	if err := lambda.StartWithDoc("platform", openapi, routes.Platform()); err != nil {
		os.Exit(1)
	}
}
