// Command auth is the Lambda of the auth route group.
package main

import (
	"os"

	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	pf := app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New}
	if err := lambda.StartWith(pf, "auth", authapi.Mount()); err != nil {
		os.Exit(1)
	}
}
