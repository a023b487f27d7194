// Command platform is the Lambda of the platform route group.
package main

import (
	"os"

	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("platform"); err != nil {
		os.Exit(1)
	}
}
