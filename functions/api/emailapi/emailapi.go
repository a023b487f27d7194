// Package emailapi is the e-mail route group: send one message (with
// attachments), bulk campaigns (at once or scheduled, with progress and
// per-recipient status; a worker sends them, see campaign.Worker),
// templates (built-in and the tenant's, fa/en) and their preview, a test
// message, the suppression list, and the public one-click unsubscribe
// (RFC 8058) every campaign message links to.
package emailapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/app"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/campaign"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/mailsettings"
	"payvand.dev/shared/store"
)

// Mount is the e-mail route group.
func Mount() app.Mount {
	return app.Mount{Name: "email", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

func route(method, path, id, summary, description string) httpapi.Route {
	return httpapi.Route{Method: method, Path: "/api/email" + path, ID: "email-" + id, Summary: summary, Description: description,
		Tags: []string{"Email"}, Realm: httpapi.TenantUsers, Module: "email", Feature: "email"}
}

// now is the clock of campaigns (tests move it).
var now = time.Now

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

// SendInput is Rabin's {to, subject, html/text, attachments} (or a template).
type SendInput struct {
	Body struct {
		To          Addresses         `json:"to"`
		Cc          Addresses         `json:"cc,omitempty"`
		Attachments []AttachmentInput `json:"attachments,omitempty" maxItems:"10" doc:"documents by id, or small files inline (base64); 10 MB in all"`
		campaign.Content
	}
}

// BulkInput is Rabin's {recipients, subject, template, variables, schedule_at}.
type BulkInput struct {
	Origin
	Body struct {
		Recipients []json.RawMessage `json:"recipients" doc:"addresses, or {email, name, variables}; at most 5,000"`
		ScheduleAt *time.Time        `json:"schedule_at,omitempty" doc:"send at this time (RFC 3339) instead of now; at most a year ahead"`
		campaign.Content
	}
}

// Origin is the API's public URL as the caller reached it, for the
// unsubscribe links (PAYVAND_API_URL overrides it).
type Origin struct{ base string }

// Resolve reads the scheme and host of the request.
func (o *Origin) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil || strings.EqualFold(ctx.Header("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	o.base = scheme + "://" + ctx.Host()
	return nil
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
		Reason string `json:"reason,omitempty" maxLength:"100"`
	}
}

// EmailInput names a suppressed address.
type EmailInput struct {
	Email string `path:"email"`
}

// BulkBody is Rabin's {success, campaign_id} with the campaign in data.
type BulkBody struct {
	Status int
	Body   struct {
		httpapi.Envelope[*campaign.Campaign]
		CampaignID string `json:"campaign_id"`
	}
}

func tenantTable(ctx context.Context, d *app.Deps) (store.Table, error) {
	return d.Control.TenantTable(ctx)
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {
	registerSend(s, d)
	registerCampaigns(s, d)
	registerTemplates(s, d)
	registerSuppressions(s, d)
	registerUnsubscribe(s, d)
}

func registerSend(s *httpapi.Server, d *app.Deps) {
	send := func(ctx context.Context, in *SendInput, c campaign.Content) (string, error) {
		t, err := tenantTable(ctx, d)
		if err != nil {
			return "", err
		}
		atts, err := attachments(ctx, d, in.Body.Attachments)
		if err != nil {
			return "", err
		}
		sender, err := mailsettings.Sender(ctx, t, d.Mail, d.Tokens)
		if err != nil {
			return "", err
		}
		if c, ok := sender.(io.Closer); ok {
			defer c.Close()
		}
		return campaign.SendOne(ctx, t, sender, auth.PrincipalFrom(ctx).TenantKey,
			campaign.Single{To: in.Body.To, Cc: in.Body.Cc, Content: c, Attachments: atts})
	}
	sendRoute := route(http.MethodPost, "/send", "send", "Send one message",
		"Sends one message to at most 50 addresses (and 50 in cc), given whole (subject with html and/or text) or from a template with variables. Persian mail is laid out right to left. Attachments are documents by id (the caller needs the documents module) or small inline files, 10 MB in all. A suppressed address answers 409 and nothing is sent.")
	sendRoute.MaxBodySize = 5 << 20 // inline files, base64
	httpapi.Register(s, sendRoute,
		func(ctx context.Context, in *SendInput) (*SentBody, error) {
			id, err := send(ctx, in, in.Body.Content)
			if err != nil {
				return nil, err
			}
			return sent(id, "message sent"), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/test", "test", "Send a test message",
		"Sends a template (default: welcome) or a given message to the addresses, to check how it looks and that mail arrives."),
		func(ctx context.Context, in *SendInput) (*SentBody, error) {
			c := in.Body.Content
			if c.Template == "" && c.HTML == "" && c.Text == "" {
				c.Template = "welcome"
			}
			id, err := send(ctx, in, c)
			if err != nil {
				return nil, err
			}
			return sent(id, "test message sent"), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/preview", "preview", "Render a template or a message with variables",
		"Answers the subject, HTML and text a message would have: variables are filled in, and HTML-escaped in the HTML."),
		func(ctx context.Context, in *struct{ Body campaign.Content }) (*PreviewBody, error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			c, err := campaign.Resolve(ctx, t, in.Body)
			if err != nil {
				return nil, err
			}
			subject, text, html, err := campaign.Render(c, nil)
			if err != nil {
				return nil, err
			}
			out := &PreviewBody{}
			r := Rendered{Subject: subject, HTML: campaign.Document(campaign.Language(c, subject+text+html), html), Text: text}
			out.Body.Success, out.Body.Data, out.Body.HTML, out.Body.Text = true, r, r.HTML, r.Text
			return out, nil
		})
}

// SentBody is Rabin's {success, message_id}, with the id in data too.
type SentBody struct {
	Body struct {
		httpapi.Envelope[map[string]string]
		MessageID string `json:"message_id"`
	}
}

func sent(id, message string) *SentBody {
	out := &SentBody{}
	out.Body.Success, out.Body.Data, out.Body.MessageID, out.Body.Message = true, map[string]string{"message_id": id}, id, message
	return out
}

// PreviewBody is Rabin's {html, text} with the whole rendering in data.
type PreviewBody struct {
	Body struct {
		httpapi.Envelope[Rendered]
		HTML string `json:"html"`
		Text string `json:"text"`
	}
}

func registerCampaigns(s *httpapi.Server, d *app.Deps) {
	bulk := route(http.MethodPost, "/bulk", "bulk", "Send a campaign",
		"Records a campaign of up to 5,000 recipients and answers 202: a worker sends it at once, or at schedule_at. Invalid and repeated addresses are settled at once; suppressed ones (unsubscribed, bounced, complained) are skipped when their turn comes. Each message carries a one-click unsubscribe link (RFC 8058). Progress: GET /api/email/bulk/{id}, per recipient: …/recipients, and email.campaign_progress events on the sender's private-user channel.")
	bulk.Status, bulk.MaxBodySize = http.StatusAccepted, 4<<20
	httpapi.Register(s, bulk, func(ctx context.Context, in *BulkInput) (*BulkBody, error) {
		t, err := tenantTable(ctx, d)
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
		base := d.Config.APIURL
		if base == "" {
			base = in.base
		}
		c, err := campaign.Create(ctx, t, campaign.Draft{By: auth.PrincipalFrom(ctx).Subject, Content: in.Body.Content, Recipients: rs,
			ScheduleAt: in.Body.ScheduleAt, UnsubscribeBase: base}, now())
		if err != nil {
			return nil, err
		}
		c.Localize(httpapi.LocationFrom(ctx))
		out := &BulkBody{Status: http.StatusAccepted}
		out.Body.Success, out.Body.Data, out.Body.CampaignID, out.Body.Message = true, c, c.ID, "campaign "+c.Status
		return out, nil
	})
	httpapi.Register(s, route(http.MethodGet, "/bulk", "campaigns", "The campaigns, newest first", "Lists the tenant's campaigns of the last 90 days with their progress."),
		func(ctx context.Context, in *struct{ httpapi.ListParams }) (*httpapi.ListBody[*campaign.Campaign], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			cursor, offset, err := s.Cursors.Window(ctx, "campaigns", &in.ListParams)
			if err != nil {
				return nil, err
			}
			l, total, next, err := campaign.List(ctx, t, cursor, offset, in.Size())
			if err != nil {
				return nil, err
			}
			for _, c := range l {
				c.Localize(httpapi.LocationFrom(ctx))
			}
			return httpapi.SealedList(ctx, s.Cursors, "campaigns", &in.ListParams, l, total, next)
		})
	httpapi.Register(s, route(http.MethodGet, "/bulk/{id}", "bulk-progress", "A campaign's progress",
		"Answers the campaign's status (scheduled, queued, sending, completed, cancelled), its counts (sent, suppressed, invalid, duplicate, failed) and progress in percent."),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[*campaign.Campaign], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			c, err := campaign.Get(ctx, t, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(c.Localize(httpapi.LocationFrom(ctx)), ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/bulk/{id}/recipients", "bulk-recipients", "A campaign's recipients and their status",
		"Lists each recipient in the order given with its status (pending, sent, suppressed, invalid, duplicate, failed), message id or error; status= narrows the list."),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			httpapi.ListParams
		}) (*httpapi.ListBody[campaign.Delivery], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			c, err := campaign.Get(ctx, t, in.ID)
			if err != nil {
				return nil, err
			}
			status := in.Filter("status")
			scope := "recipients:" + c.ID + ":" + status
			cursor, offset, err := s.Cursors.Window(ctx, scope, &in.ListParams)
			if err != nil {
				return nil, err
			}
			if cursor != "" {
				if offset, err = strconv.Atoi(cursor); err != nil || offset < 0 {
					return nil, crm.Errorf(crm.EVALIDATION, "the cursor is invalid")
				}
			}
			l, next, err := campaign.Deliveries(ctx, t, c, status, offset, in.Size())
			if err != nil {
				return nil, err
			}
			for i := range l {
				l[i].Localize(httpapi.LocationFrom(ctx))
			}
			nextCursor := ""
			if next >= 0 {
				nextCursor = strconv.Itoa(next)
			}
			return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, l, c.Count(status), nextCursor)
		})
	httpapi.Register(s, route(http.MethodPost, "/bulk/{id}/cancel", "bulk-cancel", "Cancel a campaign",
		"A scheduled campaign never sends; a running one stops once the chunk of up to 100 messages in flight is sent (and counted). A finished one answers 409."),
		func(ctx context.Context, in *IDInput) (*httpapi.Body[*campaign.Campaign], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			c, err := campaign.Cancel(ctx, t, in.ID, now())
			if err != nil {
				return nil, err
			}
			return httpapi.OK(c.Localize(httpapi.LocationFrom(ctx)), "campaign cancelled"), nil
		})
}

func registerSuppressions(s *httpapi.Server, d *app.Deps) {
	httpapi.Register(s, route(http.MethodGet, "/suppressions", "suppressions", "Addresses no message is sent to",
		"Lists the suppressed addresses with the reason (unsubscribe, bounce, complaint, or what a user gave)."),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]map[string]string], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			l, err := campaign.Suppressions(ctx, t)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(l, ""), nil
		})
	add := route(http.MethodPost, "/suppressions", "suppress", "Stop sending to an address", "Adds an address to the suppression list (unsubscribed, bounced, or by hand).")
	add.Status = http.StatusCreated
	httpapi.Register(s, add, func(ctx context.Context, in *SuppressInput) (*httpapi.Body[any], error) {
		t, err := tenantTable(ctx, d)
		if err != nil {
			return nil, err
		}
		if err := campaign.Suppress(ctx, t, in.Body.Email, in.Body.Reason); err != nil {
			return nil, err
		}
		return httpapi.OK[any](nil, "address suppressed"), nil
	})
	httpapi.Register(s, route(http.MethodDelete, "/suppressions/{email}", "unsuppress", "Send to an address again", "Removes an address from the suppression list."),
		func(ctx context.Context, in *EmailInput) (*httpapi.Body[any], error) {
			t, err := tenantTable(ctx, d)
			if err != nil {
				return nil, err
			}
			if err := campaign.Unsuppress(ctx, t, in.Email); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "address no longer suppressed"), nil
		})
}
