// Command email is the Lambda of the e-mail route group.
package main

import (
	"os"

	"payvand.dev/functions/api/emailapi"
	"payvand.dev/functions/api/emailsettingsapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	if err := lambda.StartWith(app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New, Blob: app.LambdaBlob}, "email", emailapi.Mount(), emailsettingsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
