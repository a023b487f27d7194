// Command customers is the Lambda of the customers route group.
package main

import (
	"os"

	"payvand.dev/functions/lambda"
	"payvand.dev/functions/routes"
)

func main() {
	if err := lambda.Start("customers", routes.Customers()); err != nil {
		os.Exit(1)
	}
}
