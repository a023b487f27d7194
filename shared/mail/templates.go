package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*
var files embed.FS

// Render fills template name (reset-password, invitation) in lang (fa or
// en; anything else is en) and returns subject, text and HTML. Each
// template file starts with a "Subject: …" line.
func Render(name, lang string, data any) (subject, text, html string, err error) {
	if lang != "fa" {
		lang = "en"
	}
	base := "templates/" + name + "." + lang
	t, err := texttemplate.ParseFS(files, base+".txt")
	if err != nil {
		return "", "", "", fmt.Errorf("mail template %s: %w", name, err)
	}
	var tb bytes.Buffer
	if err := t.Execute(&tb, data); err != nil {
		return "", "", "", err
	}
	subject, text, _ = strings.Cut(tb.String(), "\n")
	subject = strings.TrimSpace(strings.TrimPrefix(subject, "Subject:"))
	h, err := htmltemplate.ParseFS(files, base+".html")
	if err != nil {
		return "", "", "", fmt.Errorf("mail template %s: %w", name, err)
	}
	var hb bytes.Buffer
	if err := h.Execute(&hb, data); err != nil {
		return "", "", "", err
	}
	return subject, strings.TrimSpace(text), hb.String(), nil
}
