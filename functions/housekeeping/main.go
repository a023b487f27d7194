// Command housekeeping is the scheduled Lambda that drops the data of
// tenants whose deletion grace period has passed.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/functions/boot"
)

func main() {
	logger, cfg, err := boot.Start("housekeeping")
	if err != nil {
		os.Exit(1)
	}
	// Built by hand rather than through app.Open: housekeeping serves no
	// requests, so it needs neither the API kernel nor a signing key.
	_, control, err := awsenv.ControlPlane(context.Background(), cfg)
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context) error {
		purged, err := control.PurgeDue(ctx, time.Now())
		logger.InfoContext(ctx, "housekeeping", "purged_tenants", purged, "err", err)
		return err
	})
}
