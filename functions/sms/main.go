// Command sms is the Lambda of the SMS route group.
package main

import (
	"os"

	"payvand.dev/functions/api/smsapi"
	"payvand.dev/functions/lambda"
)

func main() {
	if err := lambda.Start("sms", smsapi.Mount()); err != nil {
		os.Exit(1)
	}
}
