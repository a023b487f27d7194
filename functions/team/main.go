// Command team is the Lambda of the team route group (users, profile,
// permissions, organization settings).
package main

import (
	"os"

	"payvand.dev/functions/api/teamapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	pf := app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New}
	if err := lambda.StartWith(pf, "team", teamapi.Mount()); err != nil {
		os.Exit(1)
	}
}
