// Package mail is the mail port: templates in Persian and English, an SES
// v2 adapter for AWS, and an outbox that keeps every message (the local
// default, listable by SaaS admins).
package mail

import (
	"context"
	"time"
)

// Message is one email.
type Message struct {
	ID       string    `json:"id"`
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	HTML     string    `json:"html"`
	Template string    `json:"template,omitempty"`
	Tenant   string    `json:"tenant,omitempty"`
	SentAt   time.Time `json:"sent_at"`
}

// Sender delivers messages.
type Sender interface {
	// Send returns the provider's message id.
	Send(ctx context.Context, m Message) (string, error)
}
