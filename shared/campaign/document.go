package campaign

import (
	"html"
	"strings"
	"unicode"
)

// Language is the message's language: the one asked for, else "fa" when
// most of its letters are Arabic-script (Persian), else "en".
func Language(c Content, sample string) string {
	switch c.Lang {
	case "fa", "en":
		return c.Lang
	}
	var arabic, latin int
	for _, r := range sample {
		switch {
		case unicode.Is(unicode.Arabic, r):
			arabic++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	if arabic > latin {
		return "fa"
	}
	return "en"
}

// Document makes body a whole HTML document in the language's direction:
// mail clients ignore a fragment's dir unless the document carries it, so
// Persian mail is laid out right to left. A body that is already a
// document is left as it is.
func Document(lang, body string) string {
	if body == "" {
		return ""
	}
	head := strings.ToLower(strings.TrimSpace(body[:min(len(body), 64)]))
	if strings.HasPrefix(head, "<!doctype") || strings.HasPrefix(head, "<html") {
		return body
	}
	dir, align, font := "ltr", "left", "Arial, Helvetica, sans-serif"
	if lang == "fa" {
		dir, align, font = "rtl", "right", "Tahoma, 'Vazirmatn', Arial, sans-serif"
	}
	return `<!DOCTYPE html><html lang="` + lang + `" dir="` + dir + `"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
		`<body dir="` + dir + `" style="direction:` + dir + `;text-align:` + align + `;font-family:` + font + `">` +
		body + `</body></html>`
}

// footer is the unsubscribe line of a bulk message, in its language.
func footer(lang, link string) (text, htmlOut string) {
	say := "You receive this because you are on our list. Unsubscribe:"
	if lang == "fa" {
		say = "این پیام را چون در فهرست ما هستید دریافت کرده‌اید. لغو اشتراک:"
	}
	return "\n\n--\n" + say + " " + link,
		`<hr style="border:none;border-top:1px solid #ddd"><p style="font-size:12px;color:#666">` + html.EscapeString(say) +
			` <a href="` + html.EscapeString(link) + `">` + html.EscapeString(link) + `</a></p>`
}
