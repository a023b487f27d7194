// Command importworker is the consumer Lambda that runs large imports:
// the import.requested event names the tenant, the job and the file in S3.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/app"
	"payvand.dev/functions/lambdahttp"
	"payvand.dev/shared/config"
	"payvand.dev/shared/imports"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", "importworker")
	slog.SetDefault(logger)
	if err := lambdahttp.CheckEnv("importworker"); err != nil {
		logger.Error("missing configuration", "err", err)
		os.Exit(1)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		logger.Error("invalid configuration", "err", err)
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	im := &imports.Importer{Service: deps.Customers, Tables: deps.Control}
	lambda.Start(func(ctx context.Context, e awsevents.CloudWatchEvent) error {
		var r imports.Request
		if err := json.Unmarshal(e.Detail, &r); err != nil {
			logger.Error("bad import request", "err", err)
			return nil // a malformed event will not get better on retry
		}
		err := im.Serve(ctx, deps.Blob, r)
		logger.InfoContext(ctx, "import", "tenant", r.TenantKey, "job", r.JobID, "err", err)
		return err
	})
}
