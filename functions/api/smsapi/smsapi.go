// Package smsapi is the SMS route group: POST /api/sms/send {to, message}
// through the provider port (PAYVAND_SMS_PROVIDER: SNS, Kavenegar, or
// the control table's SMS outbox; by default SNS on AWS and the outbox
// locally), with the encoding and the number of billed segments in the
// answer, POST /api/sms/test-connection (a real check of the provider)
// and GET /api/sms/outbox (SaaS admins, local mode).
package smsapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/sms"
	"payvand.dev/shared/store"
)

// Mount is the SMS route group.
func Mount() app.Mount {
	return app.Mount{Name: "sms", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d, Provider(d)) }}
}

// Provider is the provider PAYVAND_SMS_PROVIDER names (sns, kavenegar or
// outbox; by default SNS in a Lambda and the SMS outbox elsewhere),
// chosen when a message is sent (mounting needs no store: the OpenAPI
// build mounts every group without one). A misconfiguration is a 409
// that says what is missing.
func Provider(d *app.Deps) sms.Provider { return lazy{d} }

type lazy struct{ d *app.Deps }

func (p lazy) pick() (sms.Provider, error) {
	return sms.Choose(sms.FromEnv(), p.d.AWS, p.d.Control.Table)
}

func (p lazy) Send(ctx context.Context, m sms.Message) (string, error) {
	c, err := p.pick()
	if err != nil {
		return "", err
	}
	return c.Send(ctx, m)
}

func (p lazy) Name() string {
	if c, err := p.pick(); err == nil {
		return c.Name()
	}
	return sms.FromEnv().Provider
}

func (p lazy) Check(ctx context.Context) (string, error) {
	c, err := p.pick()
	if err != nil {
		return "", err
	}
	return c.Check(ctx)
}

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
func Register(s *httpapi.Server, d *app.Deps, provider sms.Provider) {
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
	test := route(http.MethodPost, "/test-connection", "test-connection", "Check the SMS provider's connection (no text is sent)")
	test.Capability = auth.ManageUsers // it calls the provider: managers only, before any input
	test.Description = "A real check of the configured provider, answered with 200 and `{success, message, data}`; `success: false` with the reason in `message` when the provider refuses or cannot be reached. **sns:** GetSMSAttributes (the credentials work and SNS answers). **kavenegar:** account/info (the API key is valid, the account active and not out of credit; the credit itself is not shown). **outbox** (local mode): texts are kept in the local SMS outbox (`GET /api/sms/outbox`) and nothing leaves the machine."
	httpapi.Register(s, test, func(ctx context.Context, _ *struct{}) (*CheckBody, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out := &CheckBody{}
		out.Body.Data.Provider = provider.Name()
		out.Body.Data.Delivery = out.Body.Data.Provider
		msg, err := provider.Check(ctx)
		out.Body.Success, out.Body.Message = err == nil, msg
		if err != nil {
			var ce *crm.Error
			if errors.As(err, &ce) {
				out.Body.Message = ce.Message
			} else {
				out.Body.Message = err.Error()
			}
		}
		out.Body.Data.CheckedAt = time.Now().UTC()
		out.Body.Data.CheckedAtJalali = jalali.Format(out.Body.Data.CheckedAt, httpapi.LocationFrom(ctx))
		return out, nil
	})
	outbox := httpapi.Route{Method: http.MethodGet, Path: "/api/sms/outbox", ID: "sms-outbox", Summary: "Texts kept by the SMS outbox (local mode), newest first",
		Description: "Where texts go when the provider is `outbox` (the local default): every text the local runner would have sent, kept 30 days.",
		Tags:        []string{"SMS"}, Realm: httpapi.AdminOnly}
	httpapi.Register(s, outbox, func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[sms.Message], error) {
		msgs, next, err := (&sms.Outbox{Table: d.Control.Table}).List(ctx, in.Size(), in.Cursor)
		if err != nil {
			return nil, err
		}
		return httpapi.NewList(ctx, &in.ListParams, msgs, len(msgs), next), nil
	})
}

// Check is the outcome of a connection check.
type Check struct {
	Provider        string    `json:"provider" doc:"sns, kavenegar or outbox"`
	Delivery        string    `json:"delivery" doc:"Where texts go: the provider, or outbox (local mode: nothing leaves the machine)"`
	CheckedAt       time.Time `json:"checked_at"`
	CheckedAtJalali string    `json:"checked_at_jalali"`
}

// CheckAnswer is Rabin's {success, message} with the details in data.
type CheckAnswer struct {
	Success bool   `json:"success" doc:"Whether the provider accepted the check (false: message says why)"`
	Message string `json:"message"`
	Data    Check  `json:"data"`
}

// TransformSchema: success is true or false here (a check that ran and
// failed is an answer, not a problem).
func (CheckAnswer) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if p := s.Properties["success"]; p != nil {
		p.Enum = []any{true, false}
		p.PrecomputeMessages()
	}
	return s
}

// CheckBody is the huma output of a check.
type CheckBody struct{ Body CheckAnswer }
