// Command documents is the Lambda of the documents route group.
package main

import (
	"os"

	"payvand.dev/functions/api/documentsapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	if err := lambda.StartWith(app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob, Mail: sesmail.New}, "documents", documentsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
