// Command sesfeedback is the consumer Lambda of SES's bounce and
// complaint events. The stack's SES configuration set (every message is
// sent with it, tagged with its tenant) sends them to the account's
// default EventBridge bus, where a rule (source aws.ses, detail types
// "Email Bounced" and "Email Complained") invokes this function.
// Permanent bounces and complaints join the tenant's suppression list;
// transient bounces are only logged.
package main

import (
	"context"
	"log/slog"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/awsenv"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/tenancy"
)

func main() {
	_, _, _, control := awsenv.Worker("sesfeedback")
	lambda.Start(Handler{Control: control}.Handle)
}

// Handler applies SES feedback to the suppression list of the tenant the
// message was sent for.
type Handler struct{ Control *tenancy.ControlPlane }

// Handle takes one event. It fails (and EventBridge retries) only when
// the store does; an event that names no known tenant, or is not
// feedback, cannot get better on a retry and is logged. Suppressing is a
// put of the address's item, so a redelivered event changes nothing.
func (h Handler) Handle(ctx context.Context, e awsevents.CloudWatchEvent) error {
	f, err := campaign.ParseFeedback(e.Detail)
	if err != nil {
		slog.WarnContext(ctx, "ses feedback: not a bounce or complaint", "detail_type", e.DetailType, "id", e.ID, "err", err)
		return nil
	}
	if f.Tenant == "" {
		slog.WarnContext(ctx, "ses feedback: message has no tenant tag", "type", f.Type, "id", e.ID)
		return nil
	}
	t, err := h.Control.Tenant(ctx, f.Tenant)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		slog.WarnContext(ctx, "ses feedback: unknown tenant", "tenant", f.Tenant, "type", f.Type, "id", e.ID)
		return nil
	}
	if err != nil {
		return err
	}
	_, err = campaign.ApplyFeedback(ctx, h.Control.TableFor(t.Key), f)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		slog.WarnContext(ctx, "ses feedback: the tenant's table is gone", "tenant", f.Tenant, "id", e.ID)
		return nil
	}
	return err
}
