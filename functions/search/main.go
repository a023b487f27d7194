// Command search is the Lambda of global search.
package main

import (
	"os"

	"payvand.dev/functions/api/searchapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("search", searchapi.Mount()); err != nil {
		os.Exit(1)
	}
}
