// Command webhookretry is the scheduled Lambda (every minute) that
// attempts the webhook deliveries whose retry is due: one Query of the
// due index per active tenant, each retry claimed before it is sent, so
// overlapping runs never deliver one twice.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/webhooks"
)

func main() {
	logger, _, _, control := awsenv.Worker("webhookretry")
	d := &webhooks.Deliverer{AllowPrivate: webhooks.AllowPrivate()}
	lambda.Start(func(ctx context.Context) error {
		n, err := Run(ctx, control, d)
		logger.InfoContext(ctx, "webhook retries", "attempted", n, "err", err)
		return err
	})
}

// Run sweeps every active tenant's due retries.
func Run(ctx context.Context, control *tenancy.ControlPlane, d *webhooks.Deliverer) (int, error) {
	return control.ForActive(ctx, func(_ string, t store.Table) (int, error) { return d.Sweep(ctx, t) })
}
