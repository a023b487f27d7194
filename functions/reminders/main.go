// Command reminders is the scheduled Lambda that tells assignees of open
// tasks due today or tomorrow (task_due_soon notifications, once per task
// and due date), sends the daily digests whose hour has come in their
// users' time zones, and picks up e-mail campaigns the scheduler or a
// worker missed (campaign.Sweep).
package main

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/notify"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

func main() {
	logger, cfg, awsCfg, control := awsenv.Worker("reminders")
	sender := sesmail.New(awsCfg, cfg.MailFrom)
	lambda.Start(func(ctx context.Context) error {
		n, err := Run(ctx, control, sender, time.Now())
		logger.InfoContext(ctx, "reminders", "tasks", n, "err", err)
		return err
	})
}

// Run reminds in every active tenant.
func Run(ctx context.Context, control *tenancy.ControlPlane, sender mail.Sender, now time.Time) (int, error) {
	return control.ForActive(ctx, func(key string, t store.Table) (int, error) {
		n, err := notify.DueSoon(ctx, t, now)
		_, derr := notify.Digest(ctx, t, sender, key, now)
		return n, errors.Join(err, derr, (&campaign.Worker{Tables: control.TableFor}).Sweep(ctx, []string{key}, now))
	})
}
