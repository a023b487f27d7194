package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// TenantTag is the SES message tag that names the tenant a message was
// sent for (the sender sets it on every message; SES returns it in the
// message's events under mail.tags).
const TenantTag = "tenant"

// Suppression reasons SES feedback records.
const (
	ReasonBounce    = "bounce"
	ReasonComplaint = "complaint"
)

// Feedback is what an SES bounce or complaint event means for a tenant's
// suppression list.
type Feedback struct {
	Type   string // Bounce | Complaint (SES's eventType)
	Tenant string // the tenant tag of the message; "" when it had none
	// Suppress are the recipients to suppress, with Reason; empty for a
	// transient or undetermined bounce, which only is logged.
	Suppress []string
	Reason   string
	Detail   string // bounce type and subtype, or the complaint's feedback type
}

// sesEvent is the part of an SES event (the detail of its EventBridge
// event, or the message of its SNS notification) the feedback reads:
// https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
type sesEvent struct {
	EventType string `json:"eventType"`
	Bounce    *struct {
		BounceType        string         `json:"bounceType"`
		BounceSubType     string         `json:"bounceSubType"`
		BouncedRecipients []sesRecipient `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string         `json:"complaintFeedbackType"`
		ComplainedRecipients  []sesRecipient `json:"complainedRecipients"`
	} `json:"complaint"`
	Mail struct {
		MessageID string              `json:"messageId"`
		Tags      map[string][]string `json:"tags"`
	} `json:"mail"`
}

type sesRecipient struct {
	EmailAddress string `json:"emailAddress"`
}

// ParseFeedback reads an SES event. Permanent bounces and complaints
// name addresses to suppress; transient and undetermined bounces (a full
// mailbox, a greylisting server) and "not-spam" feedback name none.
// EVALIDATION when it is not a bounce or complaint event.
func ParseFeedback(detail []byte) (Feedback, error) {
	var e sesEvent
	if err := json.Unmarshal(detail, &e); err != nil {
		return Feedback{}, &crm.Error{Code: crm.EVALIDATION, Message: "ses feedback: " + err.Error()}
	}
	f := Feedback{Type: e.EventType}
	if tags := e.Mail.Tags[TenantTag]; len(tags) > 0 {
		f.Tenant = tags[0]
	}
	switch {
	case e.EventType == "Bounce" && e.Bounce != nil:
		f.Reason, f.Detail = ReasonBounce, e.Bounce.BounceType+"/"+e.Bounce.BounceSubType
		if e.Bounce.BounceType == "Permanent" {
			f.Suppress = recipientAddresses(e.Bounce.BouncedRecipients)
		}
	case e.EventType == "Complaint" && e.Complaint != nil:
		f.Reason, f.Detail = ReasonComplaint, e.Complaint.ComplaintFeedbackType
		if !strings.EqualFold(e.Complaint.ComplaintFeedbackType, "not-spam") {
			f.Suppress = recipientAddresses(e.Complaint.ComplainedRecipients)
		}
	default:
		return f, &crm.Error{Code: crm.EVALIDATION, Message: fmt.Sprintf("ses feedback: %q is not a bounce or complaint event", e.EventType)}
	}
	return f, nil
}

func recipientAddresses(rs []sesRecipient) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.EmailAddress != "" {
			out = append(out, r.EmailAddress)
		}
	}
	return out
}

// ApplyFeedback adds the feedback's addresses to the tenant table's
// suppression list (Suppress: a put of the address's item, so a repeated
// event changes nothing) and returns how many it suppressed. An address
// SES gives that is not one (never expected) is logged and skipped.
func ApplyFeedback(ctx context.Context, t store.Table, f Feedback) (int, error) {
	if len(f.Suppress) == 0 {
		slog.InfoContext(ctx, "ses feedback: nothing to suppress", "type", f.Type, "detail", f.Detail, "tenant", f.Tenant)
		return 0, nil
	}
	n := 0
	for _, a := range f.Suppress {
		err := Suppress(ctx, t, a, f.Reason)
		if crm.ErrorCode(err) == crm.EVALIDATION {
			slog.WarnContext(ctx, "ses feedback: not an address", "type", f.Type, "tenant", f.Tenant)
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	slog.InfoContext(ctx, "ses feedback: suppressed", "type", f.Type, "detail", f.Detail, "tenant", f.Tenant, "addresses", n)
	return n, nil
}
