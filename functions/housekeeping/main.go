// Command housekeeping is the scheduled Lambda that drops the data of
// tenants whose deletion grace period has passed.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/functions/lambdahttp"
	"payvand.dev/shared/config"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/tenancy"
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
	// Built by hand rather than through app.Open: housekeeping serves no
	// requests, so it needs neither the API kernel nor a signing key.
	awsCfg, err := awsenv.Config(context.Background())
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	db := dynamodb.New(awsCfg, nil)
	control := &tenancy.ControlPlane{DB: db, Table: db.Table(cfg.ControlTable), TablePrefix: cfg.TablePrefix}
	lambda.Start(func(ctx context.Context) error {
		purged, err := control.PurgeDue(ctx, time.Now())
		logger.InfoContext(ctx, "housekeeping", "purged_tenants", purged, "err", err)
		return err
	})
}
