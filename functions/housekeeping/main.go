// Command housekeeping is the scheduled Lambda that drops the data of
// tenants whose deletion grace period has passed.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
)

func main() {
	// Built by hand rather than through app.Open: housekeeping serves no
	// requests, so it needs neither the API kernel nor a signing key.
	logger, _, _, control := awsenv.Worker("housekeeping")
	lambda.Start(func(ctx context.Context) error {
		purged, err := control.PurgeDue(ctx, time.Now())
		logger.InfoContext(ctx, "housekeeping", "purged_tenants", purged, "err", err)
		return err
	})
}
