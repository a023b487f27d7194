// Command tasks is the Lambda of the work-management route group (task
// attachments live in the documents bucket).
package main

import (
	"os"

	"payvand.dev/functions/api/tasksapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.StartWith(app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob}, "tasks", tasksapi.Mount()); err != nil {
		os.Exit(1)
	}
}
