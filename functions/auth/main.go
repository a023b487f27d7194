// Command auth is the Lambda of the auth route group.
package main

import (
	"os"

	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("auth"); err != nil {
		os.Exit(1)
	}
}
