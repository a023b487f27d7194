// Command housekeeping is the scheduled Lambda that drops the data of
// tenants whose deletion grace period has passed.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/app"
	"payvand.dev/functions/lambdahttp"
	"payvand.dev/shared/config"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", "housekeeping")
	slog.SetDefault(logger)
	if err := lambdahttp.CheckEnv("housekeeping"); err != nil {
		logger.Error("missing configuration", "err", err)
		os.Exit(1)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		logger.Error("invalid configuration", "err", err)
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context) error {
		purged, err := deps.Control.PurgeDue(ctx, time.Now())
		logger.InfoContext(ctx, "housekeeping", "purged_tenants", purged, "err", err)
		return err
	})
}
