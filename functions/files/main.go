// Command files is the Lambda of the files route group (avatars).
package main

import (
	"os"

	"payvand.dev/functions/api/filesapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.StartWith(app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob}, "files", filesapi.Mount()); err != nil {
		os.Exit(1)
	}
}
