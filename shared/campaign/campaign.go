// Package campaign sends a tenant's e-mail: single messages, bulk
// campaigns (scheduled or at once, with per-recipient status and
// progress, resumable across invocations), built-in templates with
// {{.Variable}} placeholders, one-click unsubscribe links, and a
// suppression list no message is sent to.
package campaign

import (
	"context"
	"fmt"
	"html"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	pmail "payvand.dev/shared/mail"
	"payvand.dev/shared/store"
)

// Template is a message with {{.variable}} placeholders, in Persian and
// English: a built-in one, or one of the tenant's.
type Template struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Builtin   bool              `json:"builtin"`
	Subject   map[string]string `json:"subject" doc:"by language: fa, en"`
	Text      map[string]string `json:"text"`
	HTML      map[string]string `json:"html"`
	Variables []string          `json:"variables" doc:"the placeholders the template uses"`
	UpdatedAt *time.Time        `json:"updated_at,omitempty"`

	UpdatedAtJalali *string `json:"updated_at_jalali,omitempty"`
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

func init() {
	for i := range Templates {
		Templates[i].ID, Templates[i].Builtin = Templates[i].Name, true
	}
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

// Render fills the content's texts with variables (HTML-escaped in the
// HTML); a template is Resolve'd into them first.
func Render(c Content, vars map[string]any) (subject, text, htmlOut string, err error) {
	all := map[string]any{}
	for k, v := range c.Variables {
		all[k] = v
	}
	for k, v := range vars {
		all[k] = v
	}
	if strings.TrimSpace(c.Subject) == "" {
		return "", "", "", invalid("subject", "required")
	}
	if c.Text == "" && c.HTML == "" {
		return "", "", "", invalid("html", "give html, text or a template")
	}
	return fill(c.Subject, all, false), fill(c.Text, all, false), fill(c.HTML, all, true), nil
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

// Single is one message: to at most 50 addresses (and as many in cc).
type Single struct {
	To, Cc      []string
	Content     Content
	Attachments []pmail.Attachment
}

// SendOne sends one message unless an address is suppressed (409).
func SendOne(ctx context.Context, t store.Table, sender pmail.Sender, tenant string, m Single) (string, error) {
	to, err := addresses("to", m.To, 1)
	if err != nil {
		return "", err
	}
	cc, err := addresses("cc", m.Cc, 0)
	if err != nil {
		return "", err
	}
	all := append(slices.Clone(to), cc...)
	sup, err := suppressed(ctx, t, all)
	if err != nil {
		return "", err
	}
	for _, e := range all {
		if sup[e] {
			return "", &crm.Error{Code: crm.ECONFLICT, Message: e + " is on the suppression list", Fields: map[string][]string{"to": {e + " is on the suppression list"}}}
		}
	}
	content, err := Resolve(ctx, t, m.Content)
	if err != nil {
		return "", err
	}
	subject, text, htmlOut, err := Render(content, nil)
	if err != nil {
		return "", err
	}
	lang := Language(content, subject+text+htmlOut)
	return sender.Send(ctx, pmail.Message{To: to, Cc: cc, Subject: subject, Text: text, HTML: Document(lang, htmlOut), Tenant: tenant, Attachments: m.Attachments})
}

// addresses normalizes a list of 'least' to 50 addresses.
func addresses(field string, in []string, least int) ([]string, error) {
	if len(in) < least || len(in) > 50 {
		return nil, invalid(field, fmt.Sprintf("give %d to 50 addresses", least))
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		e, ok := Address(s)
		if !ok {
			return nil, invalid(field, "must be e-mail addresses")
		}
		out = append(out, e)
	}
	return out, nil
}
