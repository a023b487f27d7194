// Command platform is the Lambda of the platform route group.
package main

import (
	"os"

	"payvand.dev/functions/lambda"
	"payvand.dev/functions/routes"
)

func main() {
	if err := lambda.Start("platform", routes.All()...); err != nil {
		os.Exit(1)
	}
}
