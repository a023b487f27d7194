// Command sales is the Lambda of the sales route group.
package main

import (
	"os"

	"payvand.dev/functions/api/salesapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("sales", salesapi.Mount()); err != nil {
		os.Exit(1)
	}
}
