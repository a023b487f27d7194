// Command products is the Lambda of the products route group.
package main

import (
	"os"

	"payvand.dev/functions/api/productsapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("products", productsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
