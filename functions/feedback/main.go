// Command feedback is the Lambda of the feedback route group.
package main

import (
	"os"

	"payvand.dev/functions/api/feedbackapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("feedback", feedbackapi.Mount()); err != nil {
		os.Exit(1)
	}
}
