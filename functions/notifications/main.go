// Command notifications is the Lambda of the notifications route group
// (and POST /api/broadcasting/auth).
package main

import (
	"os"

	"payvand.dev/functions/api/notificationsapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("notifications", notificationsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
