// Command auth is the Lambda of the auth route group.
package main

import (
	"os"

	"payvand.dev/functions/lambda"
	"payvand.dev/functions/routes"
)

func main() {
	if err := lambda.Start("auth", routes.Auth()); err != nil {
		os.Exit(1)
	}
}
