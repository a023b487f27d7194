// Command importworker is the consumer Lambda that runs large imports:
// the import.requested event names the tenant, the job and the file in S3.
package main

import (
	"context"
	"encoding/json"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/imports"
	_ "payvand.dev/shared/imports/xlsx" // the worker reads spreadsheets
)

func main() {
	// Built by hand rather than through app.Open: a worker serves no HTTP,
	// and app links the API kernel.
	logger, cfg, awsCfg, control := awsenv.Worker("importworker")
	files := blob.NewS3(awsCfg, cfg.Bucket, false)
	im := &imports.Importer{Service: &customers.Service{Tables: control}, Tables: control}
	lambda.Start(func(ctx context.Context, e awsevents.CloudWatchEvent) error {
		var r imports.Request
		if err := json.Unmarshal(e.Detail, &r); err != nil {
			logger.Error("bad import request", "err", err)
			return nil // a malformed event will not get better on retry
		}
		err := im.Serve(ctx, files, r)
		logger.InfoContext(ctx, "import", "tenant", r.TenantKey, "job", r.JobID, "err", err)
		return err
	})
}
