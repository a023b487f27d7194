// Command documents is the Lambda of the documents route group.
package main

import (
	"os"

	"payvand.dev/functions/api/documentsapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("documents", documentsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
