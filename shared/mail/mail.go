// Package mail is the mail port: templates in Persian and English, an SES
// v2 adapter for AWS, and an outbox that keeps every message (the local
// default, listable by SaaS admins).
package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Message is one email.
type Message struct {
	ID       string   `json:"id"`
	To       []string `json:"to"`
	Cc       []string `json:"cc,omitempty"`
	Subject  string   `json:"subject"`
	Text     string   `json:"text"`
	HTML     string   `json:"html"`
	Template string   `json:"template,omitempty"`
	Tenant   string   `json:"tenant,omitempty"`
	// Headers are extra header fields (List-Unsubscribe, …).
	Headers     map[string]string `json:"headers,omitempty"`
	Attachments []Attachment      `json:"attachments,omitempty"`
	SentAt      time.Time         `json:"sent_at"`
}

// Attachment is a file sent with a message. The outbox keeps its name,
// type, size and digest, not its bytes.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	Data        []byte `json:"-"`
}

// ErrThrottled wraps a provider's refusal for sending too fast (SES over
// its per-second quota): the message may be sent again after a pause.
var ErrThrottled = errors.New("mail: sending too fast")

// Sender delivers messages.
type Sender interface {
	// Send returns the provider's message id.
	Send(ctx context.Context, m Message) (string, error)
}

// Attach makes an attachment of data, with its size and digest.
func Attach(name, contentType string, data []byte) Attachment {
	sum := sha256.Sum256(data)
	return Attachment{Name: name, ContentType: contentType, Size: len(data), SHA256: hex.EncodeToString(sum[:]), Data: data}
}
