// Command customers is the Lambda of the customers route group.
package main

import (
	"os"

	"payvand.dev/functions/api/customersapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("customers", customersapi.Mount()); err != nil {
		os.Exit(1)
	}
}
