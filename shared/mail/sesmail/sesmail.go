// Package sesmail sends mail through Amazon SES v2. It is its own package
// so that only the functions that send mail link the SES client.
package sesmail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/mail"
)

// SES sends through Amazon SES v2 from a verified identity.
type SES struct {
	Client *sesv2.Client
	From   string // e.g. "Payvand <no-reply@example.com>"
}

var _ mail.Sender = (*SES)(nil)

// New sends from a verified identity with the client of cfg.
func New(cfg aws.Config, from string) mail.Sender {
	return &SES{Client: sesv2.NewFromConfig(cfg), From: from}
}

func (s *SES) Send(ctx context.Context, m mail.Message) (string, error) {
	utf8 := aws.String("UTF-8")
	body := &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: utf8}}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: utf8}
	}
	out, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: m.To},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: utf8},
			Body:    body,
		}},
	})
	if err != nil {
		return "", crm.Wrap(err, "ses send")
	}
	return aws.ToString(out.MessageId), nil
}
