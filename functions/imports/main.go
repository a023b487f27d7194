// Command imports is the Lambda of the import route group.
package main

import (
	"os"

	"payvand.dev/functions/api/importapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("imports", importapi.Mount()); err != nil {
		os.Exit(1)
	}
}
