// Command imports is the Lambda of the import route group.
package main

import (
	"os"

	"payvand.dev/functions/api/importapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
)

func main() {
	pf := app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob}
	if err := lambda.StartWith(pf, "imports", importapi.Mount()); err != nil {
		os.Exit(1)
	}
}
