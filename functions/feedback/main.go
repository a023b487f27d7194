// Command feedback is the Lambda of the feedback route group.
package main

import (
	"os"

	"payvand.dev/functions/api/feedbackapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
	"payvand.dev/shared/mail/sesmail"
)

func main() {
	if err := lambda.StartWith(app.Platform{AWS: app.LambdaAWS, Mail: sesmail.New}, "feedback", feedbackapi.Mount()); err != nil {
		os.Exit(1)
	}
}
