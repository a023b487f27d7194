// Command apikeys is the Lambda of the API keys route group.
package main

import (
	"os"

	"payvand.dev/functions/api/apikeysapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("apikeys", apikeysapi.Mount()); err != nil {
		os.Exit(1)
	}
}
