// Package campaign sends a tenant's e-mail: single messages, bulk
// campaigns with progress, built-in templates with {{.Variable}}
// placeholders, and a suppression list no message is sent to.
package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// Template is a built-in message.
type Template struct {
	Name      string            `json:"name"`
	Subject   map[string]string `json:"subject"` // by language
	Text      map[string]string `json:"-"`
	HTML      map[string]string `json:"-"`
	Variables []string          `json:"variables"`
}

// Templates are the built-in templates.
var Templates = []Template{
	{Name: "welcome", Variables: []string{"name", "company"},
		Subject: map[string]string{"en": "Welcome to {{.company}}", "fa": "به {{.company}} خوش آمدید"},
		Text:    map[string]string{"en": "Hello {{.name}},\n\nwelcome to {{.company}}.", "fa": "{{.name}} عزیز،\n\nبه {{.company}} خوش آمدید."},
		HTML:    map[string]string{"en": "<p>Hello {{.name}},</p><p>welcome to {{.company}}.</p>", "fa": `<div dir="rtl"><p>{{.name}} عزیز،</p><p>به {{.company}} خوش آمدید.</p></div>`}},
	{Name: "follow_up", Variables: []string{"name", "sender"},
		Subject: map[string]string{"en": "Following up", "fa": "پیگیری"},
		Text:    map[string]string{"en": "Hello {{.name}},\n\nI wanted to follow up on our conversation.\n\n{{.sender}}", "fa": "{{.name}} عزیز،\n\nدر ادامهٔ گفت‌وگوی‌مان می‌نویسم.\n\n{{.sender}}"},
		HTML:    map[string]string{"en": "<p>Hello {{.name}},</p><p>I wanted to follow up on our conversation.</p><p>{{.sender}}</p>", "fa": `<div dir="rtl"><p>{{.name}} عزیز،</p><p>در ادامهٔ گفت‌وگوی‌مان می‌نویسم.</p><p>{{.sender}}</p></div>`}},
	{Name: "payment_reminder", Variables: []string{"name", "amount", "due_date"},
		Subject: map[string]string{"en": "Payment reminder", "fa": "یادآوری پرداخت"},
		Text:    map[string]string{"en": "Hello {{.name}},\n\n{{.amount}} is due on {{.due_date}}.", "fa": "{{.name}} عزیز،\n\nمبلغ {{.amount}} در تاریخ {{.due_date}} سررسید می‌شود."},
		HTML:    map[string]string{"en": "<p>Hello {{.name}},</p><p>{{.amount}} is due on {{.due_date}}.</p>", "fa": `<div dir="rtl"><p>{{.name}} عزیز،</p><p>مبلغ {{.amount}} در تاریخ {{.due_date}} سررسید می‌شود.</p></div>`}},
}

var placeholder = regexp.MustCompile(`\{\{\s*\.?(\w+)\s*\}\}`)

func fill(s string, vars map[string]any, escape bool) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := vars[placeholder.FindStringSubmatch(m)[1]]
		if !ok || v == nil {
			return ""
		}
		out := fmt.Sprint(v)
		if escape {
			out = html.EscapeString(out)
		}
		return out
	})
}

// Content is what a message says, from a template or given whole.
type Content struct {
	Template  string         `json:"template,omitempty"`
	Lang      string         `json:"lang,omitempty"`
	Subject   string         `json:"subject,omitempty"`
	HTML      string         `json:"html,omitempty"`
	Text      string         `json:"text,omitempty"`
	Variables map[string]any `json:"variables,omitempty"`
}

// Render fills the content with variables (HTML-escaped in the HTML).
func Render(c Content, vars map[string]any) (subject, text, htmlOut string, err error) {
	all := map[string]any{}
	for k, v := range c.Variables {
		all[k] = v
	}
	for k, v := range vars {
		all[k] = v
	}
	subject, text, htmlOut = c.Subject, c.Text, c.HTML
	if c.Template != "" {
		var t *Template
		for i := range Templates {
			if Templates[i].Name == c.Template {
				t = &Templates[i]
			}
		}
		if t == nil {
			return "", "", "", invalid("template", "unknown template")
		}
		lang := c.Lang
		if lang != "fa" {
			lang = "en"
		}
		if subject == "" {
			subject = t.Subject[lang]
		}
		text, htmlOut = t.Text[lang], t.HTML[lang]
	}
	if strings.TrimSpace(subject) == "" {
		return "", "", "", invalid("subject", "required")
	}
	if text == "" && htmlOut == "" {
		return "", "", "", invalid("html", "give html, text or a template")
	}
	return fill(subject, all, false), fill(text, all, false), fill(htmlOut, all, true), nil
}

func invalid(field, msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{field: {msg}}}
}

// Address normalizes an e-mail address; false when it is not one.
func Address(s string) (string, bool) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

func suppressKey(email string) store.Key { return store.Key{PK: "SUPPRESS#" + email, SK: "S"} }

// Suppress adds an address to the tenant's suppression list.
func Suppress(ctx context.Context, t store.Table, email, reason string) error {
	e, ok := Address(email)
	if !ok {
		return invalid("email", "must be an e-mail address")
	}
	it := store.KeyItem(suppressKey(e))
	it["email"], it["reason"], it["at"] = store.AV(e), store.AV(reason), store.AV(time.Now().UTC().Format(time.RFC3339))
	it["GSI1PK"], it["GSI1SK"] = store.AV("SUPPRESSIONS"), store.AV(e)
	return t.Put(ctx, it)
}

// Unsuppress removes an address from the list.
func Unsuppress(ctx context.Context, t store.Table, email string) error {
	e, _ := Address(email)
	return t.Delete(ctx, suppressKey(e))
}

// Suppressions lists the addresses (one Query, at most 1,000).
func Suppressions(ctx context.Context, t store.Table) ([]map[string]string, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "SUPPRESSIONS", Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, map[string]string{"email": store.Str(it, "email"), "reason": store.Str(it, "reason"), "at": store.Str(it, "at")})
	}
	return out, nil
}

// suppressed returns which of the addresses are on the list (BatchGet in
// hundreds).
func suppressed(ctx context.Context, t store.Table, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	for i := 0; i < len(emails); i += 100 {
		keys := []store.Key{}
		for _, e := range emails[i:min(i+100, len(emails))] {
			keys = append(keys, suppressKey(e))
		}
		items, err := t.BatchGet(ctx, keys)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out[store.Str(it, "email")] = true
		}
	}
	return out, nil
}

// Recipient of a bulk message, with its own variables.
type Recipient struct {
	Email     string         `json:"email"`
	Name      string         `json:"name,omitempty"`
	Variables map[string]any `json:"variables,omitempty"`
}

// Campaign is a bulk send and its progress.
type Campaign struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"` // queued | sending | completed
	Subject    string      `json:"subject"`
	Total      int         `json:"total"`
	Sent       int         `json:"sent"`
	Suppressed int         `json:"suppressed"`
	Invalid    int         `json:"invalid"`
	Failed     int         `json:"failed"`
	CreatedBy  string      `json:"created_by"`
	CreatedAt  time.Time   `json:"created_at"`
	FinishedAt *time.Time  `json:"finished_at"`
	Content    Content     `json:"-"`
	Recipients []Recipient `json:"-"`
}

func campaignKey(id string) store.Key { return store.Key{PK: "CAMPAIGN#" + id, SK: "#CAMPAIGN"} }

func save(ctx context.Context, t store.Table, c *Campaign, event bool) error {
	b, _ := json.Marshal(c)
	it := store.KeyItem(campaignKey(c.ID))
	it["campaign"], it[store.TTL] = store.AV(string(b)), store.AV(c.CreatedAt.Add(90*24*time.Hour).Unix())
	it["GSI1PK"], it["GSI1SK"] = store.AV("CAMPAIGNS"), store.AV(c.ID)
	ops := []store.Op{store.PutOp(it)}
	if event {
		ops = append(ops, outbox.Op(ctx, "email.campaign_progress", map[string]any{"campaign_id": c.ID, "status": c.Status, "total": c.Total,
			"sent": c.Sent, "suppressed": c.Suppressed, "invalid": c.Invalid, "failed": c.Failed}))
	}
	return t.TransactWrite(ctx, ops...)
}

// Get reads a campaign; ENOTFOUND.
func Get(ctx context.Context, t store.Table, id string) (*Campaign, error) {
	if !ids.Valid(id) {
		return nil, crm.Errorf(crm.ENOTFOUND, "campaign not found")
	}
	it, err := store.GetOr(ctx, t, campaignKey(id), func() error { return crm.Errorf(crm.ENOTFOUND, "campaign not found") })
	if err != nil {
		return nil, err
	}
	var c Campaign
	return &c, json.Unmarshal([]byte(store.Str(it, "campaign")), &c)
}

// MaxRecipients bounds one campaign.
const MaxRecipients = 5000

// NewCampaign validates a bulk send and records it queued.
func NewCampaign(ctx context.Context, t store.Table, by string, content Content, rs []Recipient) (*Campaign, error) {
	if len(rs) == 0 || len(rs) > MaxRecipients {
		return nil, invalid("recipients", fmt.Sprintf("give 1 to %d recipients", MaxRecipients))
	}
	if _, _, _, err := Render(content, nil); err != nil {
		return nil, err
	}
	c := &Campaign{ID: ids.New(), Status: "queued", Total: len(rs), CreatedBy: by, CreatedAt: time.Now().UTC(), Content: content, Recipients: rs}
	c.Subject, _, _, _ = Render(content, nil)
	return c, save(ctx, t, c, true)
}

// Run sends a campaign, skipping suppressed and invalid addresses and
// recording progress every 50 messages and at the end.
func Run(ctx context.Context, t store.Table, sender pmail.Sender, tenant string, c *Campaign) error {
	c.Status = "sending"
	var valid []string
	byEmail := map[string]Recipient{}
	for _, r := range c.Recipients {
		if e, ok := Address(r.Email); ok {
			if _, dup := byEmail[e]; !dup {
				valid = append(valid, e)
			}
			byEmail[e] = r
		} else {
			c.Invalid++
		}
	}
	sort.Strings(valid)
	sup, err := suppressed(ctx, t, valid)
	if err != nil {
		return err
	}
	for i, e := range valid {
		r := byEmail[e]
		if sup[e] {
			c.Suppressed++
		} else {
			vars := map[string]any{"name": r.Name, "email": e}
			for k, v := range r.Variables {
				vars[k] = v
			}
			subject, text, htmlOut, err := Render(c.Content, vars)
			if err == nil {
				_, err = sender.Send(ctx, pmail.Message{To: []string{e}, Subject: subject, Text: text, HTML: htmlOut, Tenant: tenant})
			}
			if err != nil {
				c.Failed++
			} else {
				c.Sent++
			}
		}
		if (i+1)%50 == 0 {
			save(ctx, t, c, true)
		}
	}
	now := time.Now().UTC()
	c.Status, c.FinishedAt = "completed", &now
	return save(ctx, t, c, true)
}

// SendOne sends one message unless the address is suppressed.
func SendOne(ctx context.Context, t store.Table, sender pmail.Sender, tenant string, to []string, c Content) (string, error) {
	if len(to) == 0 || len(to) > 50 {
		return "", invalid("to", "give 1 to 50 addresses")
	}
	var addrs []string
	for _, s := range to {
		e, ok := Address(s)
		if !ok {
			return "", invalid("to", "must be e-mail addresses")
		}
		addrs = append(addrs, e)
	}
	sup, err := suppressed(ctx, t, addrs)
	if err != nil {
		return "", err
	}
	for _, e := range addrs {
		if sup[e] {
			return "", &crm.Error{Code: crm.ECONFLICT, Message: e + " is on the suppression list", Fields: map[string][]string{"to": {e + " is on the suppression list"}}}
		}
	}
	subject, text, htmlOut, err := Render(c, nil)
	if err != nil {
		return "", err
	}
	return sender.Send(ctx, pmail.Message{To: addrs, Subject: subject, Text: text, HTML: htmlOut, Tenant: tenant})
}
