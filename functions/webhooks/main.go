// Command webhooks is the Lambda of the webhooks route group.
package main

import (
	"os"

	"payvand.dev/functions/api/webhooksapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("webhooks", webhooksapi.Mount()); err != nil {
		os.Exit(1)
	}
}
