package mail

import (
	"embed"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
)

//go:embed templates/*
var files embed.FS

// Render fills template name (reset-password, invitation) in lang (fa or
// en; anything else is en) and returns subject, text and HTML. Each text
// template starts with a "Subject: …" line.
//
// Data of the templates:
//   - reset-password: Name, Organization, Token, Link, ValidMinutes.
//   - invitation: Name, Organization, Inviter, TenantKey, Email, Link,
//     ValidHours. Link is the single-use set-password link,
//     ${AppURL}/accept-invitation?token=…&tenant=<key>&email=…, whose token
//     the SPA redeems at POST /api/auth/accept-invitation (or
//     /api/auth/reset-password). An invitation never carries a password.
//
// The templates use a small subset of Go template syntax — {{.Field}} and
// {{if .Field}}…{{end}} — filled here without text/template, whose
// reflection-driven method calls would keep every method of every type in
// the binaries that send mail (megabytes, and cold-start time).
func Render(name, lang string, data map[string]any) (subject, text, htmlOut string, err error) {
	if lang != "fa" {
		lang = "en"
	}
	base := "templates/" + name + "." + lang
	t, err := files.ReadFile(base + ".txt")
	if err != nil {
		return "", "", "", fmt.Errorf("mail template %s: %w", name, err)
	}
	h, err := files.ReadFile(base + ".html")
	if err != nil {
		return "", "", "", fmt.Errorf("mail template %s: %w", name, err)
	}
	filled := fill(string(t), data, func(s string) string { return s })
	subject, text, _ = strings.Cut(filled, "\n")
	subject = strings.TrimSpace(strings.TrimPrefix(subject, "Subject:"))
	return subject, strings.TrimSpace(text), fill(string(h), data, html.EscapeString), nil
}

var (
	ifBlock = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)\{\{if \.(\w+)\}\}(.*?)\{\{end\}\}`) })
	field   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{\.(\w+)\}\}`) })
)

func fill(tpl string, data map[string]any, escape func(string) string) string {
	tpl = ifBlock().ReplaceAllStringFunc(tpl, func(m string) string {
		sub := ifBlock().FindStringSubmatch(m)
		if v, ok := data[sub[1]]; ok && v != nil && fmt.Sprint(v) != "" && v != false {
			return sub[2]
		}
		return ""
	})
	return field().ReplaceAllStringFunc(tpl, func(m string) string {
		v, ok := data[field().FindStringSubmatch(m)[1]]
		if !ok || v == nil {
			return ""
		}
		return escape(fmt.Sprint(v))
	})
}
