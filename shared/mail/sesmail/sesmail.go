// Package sesmail sends mail through the Amazon SES v2 API
// (SendEmail, POST /v2/email/outbound-emails) with one signed request.
// The SDK's sesv2 client would add about 3 MB to each function that
// sends mail, for this one call.
package sesmail

import (
	"context"

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

type content struct {
	Data    string `json:"Data"`
	Charset string `json:"Charset"`
}

func (s *SES) Send(ctx context.Context, m mail.Message) (string, error) {
	body := map[string]any{"Text": content{m.Text, "UTF-8"}}
	if m.HTML != "" {
		body["Html"] = content{m.HTML, "UTF-8"}
	}
	req := map[string]any{
		"FromEmailAddress": s.From,
		"Destination":      map[string]any{"ToAddresses": m.To},
		"Content":          map[string]any{"Simple": map[string]any{"Subject": content{m.Subject, "UTF-8"}, "Body": body}},
	}
	var out struct{ MessageId string }
	if err := awssign.Do(ctx, s.Config, awssign.Request{Service: "ses", Host: "email", Path: "/v2/email/outbound-emails", Body: req, Response: &out}); err != nil {
		return "", crm.Wrap(err, "ses send")
	}
	return out.MessageId, nil
}
