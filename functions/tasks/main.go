// Command tasks is the Lambda of the work-management route group.
package main

import (
	"os"

	"payvand.dev/functions/api/tasksapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("tasks", tasksapi.Mount()); err != nil {
		os.Exit(1)
	}
}
