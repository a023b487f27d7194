// Package emailapi is the e-mail route group: send one message, send a
// bulk campaign with progress (GET /api/email/bulk/{id}, and
// email.campaign_progress events to the sender's WebSocket channel),
// built-in templates and their preview, a test message, and the
// suppression list no message is sent to.
package emailapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
)

// Mount is the e-mail route group.
func Mount() app.Mount {
	return app.Mount{Name: "email", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

// SyncLimit is the largest campaign sent within the request where no
// background runner exists (Lambda).
const SyncLimit = 200

func route(method, path, id, summary string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/email" + path, ID: "email-" + id, Summary: summary, Tags: []string{"Email"},
		Realm: httpapi.TenantUsers, Feature: "email"}
}

// Addresses takes one address or a list.
type Addresses []string

// Schema documents and validates both forms.
func (Addresses) Schema(huma.Registry) *huma.Schema {
	one := &huma.Schema{Type: huma.TypeString, MaxLength: &maxAddress}
	return &huma.Schema{OneOf: []*huma.Schema{one, {Type: huma.TypeArray, MaxItems: &maxTo, Items: one}}}
}

var maxAddress, maxTo = 320, 50

func (a *Addresses) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = Addresses{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// SendInput is Rabin's {to, subject, html/text} (or a template).
type SendInput struct {
	Body struct {
		To Addresses `json:"to"`
		campaign.Content
	}
}

// BulkInput is Rabin's {recipients, subject, template, variables}.
type BulkInput struct {
	Body struct {
		Recipients []json.RawMessage `json:"recipients" doc:"addresses, or {email, name, variables}"`
		campaign.Content
	}
}

// Rendered is a preview.
type Rendered struct {
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

// IDInput names a campaign.
type IDInput struct {
	ID string `path:"id"`
}

// SuppressInput adds an address to the suppression list.
type SuppressInput struct {
	Body struct {
		Email  string `json:"email"`
		Reason string `json:"reason,omitempty"`
	}
}

// EmailInput names a suppressed address.
type EmailInput struct {
	Email string `path:"email"`
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodPost, "/send", "send", "Send one message (not to suppressed addresses: 409)"),
		func(ctx context.Context, in *SendInput) (*httpapi.Body[map[string]string], error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			id, err := campaign.SendOne(ctx, t, d.Mail, auth.PrincipalFrom(ctx).TenantKey, in.Body.To, in.Body.Content)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(map[string]string{"message_id": id}, "message sent"), nil
		})
	bulk := route(http.MethodPost, "/bulk", "bulk", "Send a campaign; its progress is at GET /api/email/bulk/{id}")
	bulk.Status = http.StatusAccepted
	httpapi.Register(s, bulk, func(ctx context.Context, in *BulkInput) (*httpapi.Body[*campaign.Campaign], error) {
		t, err := d.Control.TenantTable(ctx)
		if err != nil {
			return nil, err
		}
		var rs []campaign.Recipient
		for _, raw := range in.Body.Recipients {
			var r campaign.Recipient
			if json.Unmarshal(raw, &r.Email) != nil {
				json.Unmarshal(raw, &r)
			}
			rs = append(rs, r)
		}
		if d.Background == nil && len(rs) > SyncLimit {
			return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid",
				Fields: map[string][]string{"recipients": {"at most 200 recipients in one campaign here"}}}
		}
		p := auth.PrincipalFrom(ctx)
		c, err := campaign.NewCampaign(ctx, t, p.Subject, in.Body.Content, rs)
		if err != nil {
			return nil, err
		}
		if d.Background != nil {
			d.Background(func(bg context.Context) {
				campaign.Run(auth.WithPrincipal(bg, p), t, d.Mail, p.TenantKey, c)
			})
		} else if err := campaign.Run(ctx, t, d.Mail, p.TenantKey, c); err != nil {
			return nil, err
		}
		return &httpapi.Body[*campaign.Campaign]{Body: httpapi.Envelope[*campaign.Campaign]{Success: true, Data: c, Message: "campaign " + c.Status}}, nil
	})
	httpapi.Register(s, route(http.MethodGet, "/bulk/{id}", "bulk-progress", "A campaign's progress"),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[*campaign.Campaign], error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			c, err := campaign.Get(ctx, t, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(c, ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/templates", "templates", "The built-in templates and their variables"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]campaign.Template], error) {
			return httpapi.OK(campaign.Templates, ""), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/preview", "preview", "Render a template or a message with variables"),
		func(ctx context.Context, in *struct{ Body campaign.Content }) (*httpapi.Body[Rendered], error) {
			subject, text, html, err := campaign.Render(in.Body, nil)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(Rendered{Subject: subject, HTML: html, Text: text}, ""), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/test", "test", "Send a test message of a template"),
		func(ctx context.Context, in *SendInput) (*httpapi.Body[map[string]string], error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			c := in.Body.Content
			if c.Template == "" && c.HTML == "" && c.Text == "" {
				c.Template = "welcome"
			}
			id, err := campaign.SendOne(ctx, t, d.Mail, auth.PrincipalFrom(ctx).TenantKey, in.Body.To, c)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(map[string]string{"message_id": id}, "test message sent"), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/suppressions", "suppressions", "Addresses no message is sent to"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]map[string]string], error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			l, err := campaign.Suppressions(ctx, t)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(l, ""), nil
		})
	add := route(http.MethodPost, "/suppressions", "suppress", "Stop sending to an address (unsubscribed, bounced)")
	add.Status = http.StatusCreated
	httpapi.Register(s, add, func(ctx context.Context, in *SuppressInput) (*httpapi.Body[any], error) {
		t, err := d.Control.TenantTable(ctx)
		if err != nil {
			return nil, err
		}
		if err := campaign.Suppress(ctx, t, in.Body.Email, in.Body.Reason); err != nil {
			return nil, err
		}
		return httpapi.OK[any](nil, "address suppressed"), nil
	})
	httpapi.Register(s, route(http.MethodDelete, "/suppressions/{email}", "unsuppress", "Send to an address again"),
		func(ctx context.Context, in *EmailInput) (*httpapi.Body[any], error) {
			t, err := d.Control.TenantTable(ctx)
			if err != nil {
				return nil, err
			}
			if err := campaign.Unsuppress(ctx, t, in.Email); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "address no longer suppressed"), nil
		})
}
