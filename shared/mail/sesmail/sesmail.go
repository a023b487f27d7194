// Package sesmail sends mail through the Amazon SES v2 API
// (SendEmail, POST /v2/email/outbound-emails) with one signed request.
// The SDK's sesv2 client would add about 3 MB to each function that
// sends mail, for this one call.
package sesmail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/mail"
)

// SES sends from a verified identity.
type SES struct {
	Config aws.Config
	From   string // e.g. "Payvand <no-reply@example.com>"
}

var _ mail.Sender = (*SES)(nil)

// New sends with the credentials and region of cfg.
func New(cfg aws.Config, from string) mail.Sender { return &SES{Config: cfg, From: from} }

func (s *SES) Send(ctx context.Context, m mail.Message) (string, error) {
	// The raw form carries what the simple one cannot everywhere: the
	// List-Unsubscribe fields and attachments.
	raw, err := mail.Compose(s.From, m, messageID(s.From), time.Now())
	if err != nil {
		return "", &crm.Error{Code: crm.EVALIDATION, Message: "the message cannot be sent: " + err.Error()}
	}
	dest := map[string]any{"ToAddresses": m.To}
	if len(m.Cc) > 0 {
		dest["CcAddresses"] = m.Cc
	}
	req := map[string]any{
		"FromEmailAddress": s.From,
		"Destination":      dest,
		"Content":          map[string]any{"Raw": map[string]any{"Data": raw}},
	}
	// Bounces and complaints come back through the configuration set's
	// event destination, tagged with the tenant whose list they feed.
	if set := os.Getenv("PAYVAND_SES_CONFIGURATION_SET"); set != "" {
		req["ConfigurationSetName"] = set
	}
	if m.Tenant != "" {
		req["EmailTags"] = []map[string]string{{"Name": "tenant", "Value": m.Tenant}}
	}
	var out struct{ MessageId string }
	if err := awssign.Do(ctx, s.Config, awssign.Request{Service: "ses", Host: "email", Path: "/v2/email/outbound-emails", Body: req, Response: &out}); err != nil {
		var ae *awssign.Error
		if errors.As(err, &ae) && (ae.Status == 429 || ae.Code == "TooManyRequestsException" || ae.Code == "Throttling" || ae.Code == "LimitExceededException") {
			// Over the account's sending rate: the caller waits and
			// sends again.
			return "", fmt.Errorf("%w: %v", mail.ErrThrottled, err)
		}
		return "", crm.Wrap(err, "ses send")
	}
	return out.MessageId, nil
}

// messageID is a unique Message-ID on the sender's domain (SES keeps one
// a message gives).
func messageID(from string) string {
	b := make([]byte, 16)
	rand.Read(b)
	domain := "payvand"
	if a, err := mail.ParseFrom(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			domain = d
		}
	}
	return hex.EncodeToString(b) + "@" + domain
}
