// Package smsapi is the SMS route group: POST /api/sms/send {to, message}
// through the provider port (SNS on AWS, the control table's SMS outbox
// locally), with the encoding and the number of billed segments in the
// answer, and POST /api/sms/test-connection.
package smsapi

import (
	"context"
	"net/http"
	"os"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/sms"
	"payvand.dev/shared/store"
)

// Mount is the SMS route group.
func Mount() app.Mount {
	return app.Mount{Name: "sms", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d, Provider(d)) }}
}

// Provider is SNS in a Lambda and the SMS outbox elsewhere, chosen when
// a message is sent (mounting needs no store: the OpenAPI build mounts
// every group without one).
func Provider(d *app.Deps) sms.Sender { return lazy{d} }

type lazy struct{ d *app.Deps }

func (p lazy) pick() sms.Sender {
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		return &sms.SNS{AWS: p.d.AWS, SenderID: os.Getenv("PAYVAND_SMS_SENDER_ID")}
	}
	return &sms.Outbox{Table: p.d.Control.Table}
}

func (p lazy) Send(ctx context.Context, m sms.Message) (string, error) { return p.pick().Send(ctx, m) }

// SendInput takes Rabin's {to, message} (and body/phone as aliases).
type SendInput struct {
	Body struct {
		To      string `json:"to,omitempty"`
		Phone   string `json:"phone,omitempty" doc:"alias of to"`
		Message string `json:"message,omitempty"`
		Text    string `json:"body,omitempty" doc:"alias of message"`
	}
}

// Sent describes a sent message.
type Sent struct {
	MessageID string    `json:"message_id"`
	To        string    `json:"to"`
	Encoding  string    `json:"encoding" doc:"GSM-7 or UCS-2 (Persian text)"`
	Segments  int       `json:"segments" doc:"messages the carrier bills"`
	SentAt    time.Time `json:"sent_at"`
}

// SentBody is Rabin's {success, message_id} with the details in data.
type SentBody struct {
	Body struct {
		httpapi.Envelope[Sent]
		MessageID string `json:"message_id"`
	}
}

func route(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/sms" + path, ID: "sms-" + id, Summary: summary, Tags: []string{"SMS"},
		Realm: httpapi.TenantUsers, Feature: "sms"}
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps, provider sms.Sender) {
	httpapi.Register(s, route(http.MethodPost, "/send", "send", "Send a text message; Persian text is UCS-2 (70 characters a message, 67 a part)"),
		func(ctx context.Context, in *SendInput) (*SentBody, error) {
			to, body := in.Body.To, in.Body.Message
			if to == "" {
				to = in.Body.Phone
			}
			if body == "" {
				body = in.Body.Text
			}
			m, err := sms.Prepare(to, body)
			if err != nil {
				return nil, err
			}
			p := auth.PrincipalFrom(ctx)
			m.Tenant = p.TenantKey
			id, err := provider.Send(ctx, m)
			if err != nil {
				return nil, err
			}
			sent := Sent{MessageID: id, To: m.To, Encoding: m.Encoding, Segments: m.Segments, SentAt: time.Now().UTC()}
			// The tenant's log of sent texts, and the event, in one write.
			if t, err := d.Control.TenantTable(ctx); err == nil {
				it := store.KeyItem(store.Key{PK: "SMSLOG", SK: id})
				it["to"], it["segments"], it["encoding"], it["by"] = store.AV(m.To), store.AV(m.Segments), store.AV(m.Encoding), store.AV(p.Subject)
				it["sent_at"], it[store.TTL] = store.AV(sent.SentAt.Format(time.RFC3339)), store.AV(sent.SentAt.Add(90*24*time.Hour).Unix())
				t.TransactWrite(ctx, store.PutOp(it), outbox.Op(ctx, "sms.sent", map[string]any{"message_id": id, "to": m.To, "segments": m.Segments, "encoding": m.Encoding}))
			}
			out := &SentBody{}
			out.Body.Envelope = httpapi.Envelope[Sent]{Success: true, Data: sent, Message: "message sent"}
			out.Body.MessageID = id
			return out, nil
		})
	httpapi.Register(s, route(http.MethodPost, "/test-connection", "test-connection", "Check that the SMS provider is configured"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[map[string]string], error) {
			name := "the local SMS outbox (messages are recorded, not sent)"
			var current sms.Sender = provider
			if l, ok := provider.(lazy); ok {
				current = l.pick()
			}
			if _, ok := current.(*sms.SNS); ok {
				name = "Amazon SNS"
			}
			return httpapi.OK(map[string]string{"provider": name}, "SMS is configured: "+name), nil
		})
}
