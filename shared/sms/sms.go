// Package sms sends text messages through a provider port: SNS on AWS
// (SNS), an outbox in the control table locally (Outbox). It counts the
// segments a carrier bills: GSM-7 text takes 160 characters in one
// message and 153 per part of a longer one; anything else (Persian) is
// UCS-2, 70 and 67 code units.
package sms

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf16"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Message is one text to one phone.
type Message struct {
	ID       string    `json:"id"`
	To       string    `json:"to"` // E.164
	Body     string    `json:"body"`
	Encoding string    `json:"encoding"` // GSM-7 | UCS-2
	Segments int       `json:"segments"`
	Tenant   string    `json:"tenant,omitempty"`
	SentAt   time.Time `json:"sent_at"`
}

// Sender is the provider port; Send returns the provider's message id.
type Sender interface {
	Send(ctx context.Context, m Message) (string, error)
}

// Provider is a Sender that can say who it is and check its connection.
type Provider interface {
	Sender
	// Name is sns, kavenegar or outbox.
	Name() string
	// Check asks the provider whether it would take texts, sending
	// none; it returns what it found, or why not as the error.
	Check(ctx context.Context) (string, error)
}

// MaxSegments bounds one message (carriers concatenate at most this many).
const MaxSegments = 10

const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsmExtension = "^{}\\[~]|€\f"

// Segments returns the encoding of body and the number of messages it
// takes.
func Segments(body string) (encoding string, segments int) {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2 // escape + character
		default:
			gsm = false
		}
	}
	if gsm {
		if septets <= 160 {
			return "GSM-7", 1
		}
		return "GSM-7", (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(body))) // an emoji is two units
	if units <= 70 {
		return "UCS-2", 1
	}
	return "UCS-2", (units + 66) / 67
}

// Phone returns the E.164 form of a number: +<digits>, 00… as +…, and a
// national Iranian number (09xx…) as +989xx…; Persian and Arabic digits
// are read as digits.
func Phone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "09") && len(n) == 11:
		n = "+98" + n[1:]
	default:
		return "", false
	}
	if len(n) < 9 || len(n) > 16 {
		return "", false
	}
	return n, true
}

// Prepare validates a message and counts its segments.
func Prepare(to, body string) (Message, error) {
	f := crm.FieldErrors{}
	phone, ok := Phone(to)
	if !ok {
		f.Add("to", "must be a phone number such as +989121234567 or 09121234567")
	}
	if strings.TrimSpace(body) == "" {
		f.Add("message", "required")
	}
	enc, n := Segments(body)
	if n > MaxSegments {
		f.Add("message", "too long: at most 10 messages (1,530 Latin or 670 Persian characters)")
	}
	if err := f.Err(); err != nil {
		return Message{}, err
	}
	return Message{To: phone, Body: body, Encoding: enc, Segments: n}, nil
}

// Outbox records messages instead of sending them (local mode).
type Outbox struct {
	Table store.Table
}

var _ Provider = (*Outbox)(nil)

// Name is the provider's name.
func (o *Outbox) Name() string { return "outbox" }

// Check has nothing to reach: it says where texts go.
func (o *Outbox) Check(context.Context) (string, error) {
	return "Local mode: texts are kept in the local SMS outbox (GET /api/sms/outbox) and nothing leaves this machine.", nil
}

const outboxPK = "SMSOUTBOX"

func (o *Outbox) Send(ctx context.Context, m Message) (string, error) {
	m.ID, m.SentAt = ids.New(), time.Now().UTC()
	b, _ := json.Marshal(m)
	it := store.Item{store.PK: store.AV(outboxPK), store.SK: store.AV(m.ID), "message": store.AV(string(b)),
		store.TTL: store.AV(time.Now().Add(30 * 24 * time.Hour).Unix())}
	return m.ID, o.Table.Put(ctx, it)
}

// List returns the newest messages, with the cursor of the next page.
func (o *Outbox) List(ctx context.Context, limit int, cursor string) ([]Message, string, error) {
	p, err := o.Table.Query(ctx, store.Query{PK: outboxPK, Reverse: true, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	out := make([]Message, 0, len(p.Items))
	for _, it := range p.Items {
		var m Message
		if json.Unmarshal([]byte(store.Str(it, "message")), &m) == nil {
			out = append(out, m)
		}
	}
	return out, p.Cursor, nil
}
