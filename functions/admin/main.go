// Command admin is the Lambda of the SaaS admin route group.
package main

import (
	"os"

	"payvand.dev/functions/api/adminapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	pf := app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New}
	if err := lambda.StartWith(pf, "admin", adminapi.Mount()); err != nil {
		os.Exit(1)
	}
}
