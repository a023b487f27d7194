package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseFrom reads a From address ("Name <address>" or an address).
func ParseFrom(from string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("from %q is not an address: %w", from, err)
	}
	return a, nil
}

// Recipients returns the bare addresses of to (each may carry a name).
func Recipients(to []string) ([]string, error) {
	out := make([]string, 0, len(to))
	for _, t := range to {
		a, err := netmail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is not an address: %w", t, err)
		}
		out = append(out, a.Address)
	}
	return out, nil
}

// Compose writes the message as an RFC 5322 message, as SMTP sends it and
// SES takes it raw: headers with non-ASCII
// text as RFC 2047 encoded words (a Persian subject or name), and the
// body as text/plain, text/html, or multipart/alternative of both, each
// UTF-8 in quoted-printable (mostly ASCII text) or base64 (mostly other
// scripts, where quoted-printable would triple the size), inside
// multipart/mixed with the attachments (base64, RFC 2231 file names)
// when there are any. Extra header fields (m.Headers) never replace one
// Compose writes. Lines end in CRLF.
func Compose(from string, m Message, messageID string, date time.Time) ([]byte, error) {
	f, err := ParseFrom(from)
	if err != nil {
		return nil, err
	}
	to, err := addressList(m.To)
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, errors.New("a message needs a recipient")
	}
	cc, err := addressList(m.Cc)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return nil, errors.New("the message is not valid UTF-8")
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", formatAddress(f))
	header("To", strings.Join(to, ",\r\n "))
	if len(cc) > 0 {
		header("Cc", strings.Join(cc, ",\r\n "))
	}
	header("Subject", EncodeHeader(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+messageID+">")
	header("MIME-Version", "1.0")
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := textproto.CanonicalMIMEHeaderKey(k)
		if !fieldName(name) || reserved[name] || strings.HasPrefix(name, "Content-") {
			continue
		}
		header(name, EncodeHeader(m.Headers[k]))
	}

	body := alternative(m.Text, m.HTML)
	if len(m.Attachments) > 0 {
		parts := []entity{body}
		for _, a := range m.Attachments {
			parts = append(parts, attachment(a))
		}
		body = multipartOf("mixed", parts)
	}
	for _, h := range body.header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body.content)
	if body.qp {
		// The CRLF that ends the data is then a soft line break, not a
		// line break of the text.
		b.WriteString("=")
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// reserved are the fields Compose writes itself.
var reserved = map[string]bool{"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true,
	"Message-Id": true, "Mime-Version": true, "Sender": true, "Return-Path": true}

// fieldName reports a valid header field name (RFC 5322: printable
// ASCII but the colon).
func fieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == ':' {
			return false
		}
	}
	return true
}

func addressList(list []string) ([]string, error) {
	var out []string
	for _, t := range list {
		a, err := netmail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is not an address: %w", t, err)
		}
		out = append(out, formatAddress(a))
	}
	return out, nil
}

// entity is a MIME entity: its header fields and its encoded content,
// without a line break after it; qp tells quoted-printable content.
type entity struct {
	header  []string
	content []byte
	qp      bool
}

// alternative is the text, the HTML, or both as multipart/alternative.
func alternative(text, html string) entity {
	switch {
	case text == "" && html == "":
		return textPart("text/plain", " ") // a body, however empty
	case html == "":
		return textPart("text/plain", text)
	case text == "":
		return textPart("text/html", html)
	}
	return multipartOf("alternative", []entity{textPart("text/plain", text), textPart("text/html", html)})
}

func multipartOf(subtype string, parts []entity) entity {
	boundary := newBoundary()
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		for _, h := range p.header {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n")
		b.Write(p.content)
		b.WriteString("\r\n") // belongs to the delimiter that follows
	}
	b.WriteString("--" + boundary + "--")
	return entity{header: []string{"Content-Type: multipart/" + subtype + ";\r\n boundary=\"" + boundary + "\""}, content: b.Bytes()}
}

// textPart is UTF-8 text in the smaller of the two encodings.
func textPart(contentType, body string) entity {
	body = crlf(body)
	e := entity{header: []string{"Content-Type: " + contentType + "; charset=UTF-8"}}
	if mostlyASCII(body) {
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(body))
		w.Close()
		e.header = append(e.header, "Content-Transfer-Encoding: quoted-printable")
		e.content, e.qp = b.Bytes(), true
		return e
	}
	e.header = append(e.header, "Content-Transfer-Encoding: base64")
	e.content = base64Lines([]byte(body))
	return e
}

func attachment(a Attachment) entity {
	ct := "application/octet-stream"
	if mt, _, err := mime.ParseMediaType(a.ContentType); err == nil {
		ct = mt
	}
	name := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, a.Name)
	if name == "" {
		name = "attachment"
	}
	return entity{header: []string{
		"Content-Type: " + ct + ";" + parameter("name", name),
		"Content-Disposition: attachment;" + parameter("filename", name),
		"Content-Transfer-Encoding: base64",
	}, content: base64Lines(a.Data)}
}

// parameter is one folded parameter: quoted when it is short ASCII,
// else percent-encoded UTF-8 in RFC 2231 continuations of at most 60
// characters, so no line exceeds 78.
func parameter(key, value string) string {
	if plain := mime.FormatMediaType("x", map[string]string{key: value}); len(plain) < 70 && !strings.Contains(plain, "*=") {
		return "\r\n " + strings.TrimPrefix(plain, "x; ")
	}
	const hex = "0123456789ABCDEF"
	var enc []string // one token per byte, so a chunk never splits %XX
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			enc = append(enc, string(c))
		} else {
			enc = append(enc, "%"+string(hex[c>>4])+string(hex[c&15]))
		}
	}
	var out []string
	chunk := "utf-8''"
	for _, tok := range enc {
		if len(chunk)+len(tok) > 60 {
			out = append(out, chunk)
			chunk = ""
		}
		chunk += tok
	}
	out = append(out, chunk)
	var b strings.Builder
	for i, c := range out {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, "\r\n %s*%d*=%s", key, i, c)
	}
	return b.String()
}

// base64Lines is data in base64, 76 characters a line.
func base64Lines(data []byte) []byte {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(enc, data)
	out := make([]byte, 0, len(enc)+len(enc)/76*2)
	for len(enc) > 76 {
		out = append(append(out, enc[:76]...), '\r', '\n')
		enc = enc[76:]
	}
	return append(out, enc...)
}

// EncodeHeader encodes a header value as RFC 2047 words when it is not
// printable ASCII, one word a line, so no line exceeds 78 characters
// (the folding white space between encoded words is not part of the
// text). Words never split a character.
func EncodeHeader(v string) string {
	if !needsEncoding(v) {
		return v
	}
	const maxBytes = 42 // 56 base64 characters: "Subject: =?UTF-8?B?…?=" is 77
	var words []string
	for len(v) > 0 {
		n := 0
		for n < len(v) {
			_, size := utf8.DecodeRuneInString(v[n:])
			if n+size > maxBytes {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(v[:n]))+"?=")
		v = v[n:]
	}
	return strings.Join(words, "\r\n ")
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < ' ' || s[i] > '~') && s[i] != '\t' {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// formatAddress is an address with its name encoded where it must be,
// the address on a line of its own after an encoded name.
func formatAddress(a *netmail.Address) string {
	if a.Name == "" || !needsEncoding(a.Name) {
		return a.String()
	}
	return EncodeHeader(a.Name) + "\r\n <" + a.Address + ">"
}

// crlf makes every line end in CRLF (the canonical form of text).
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func mostlyASCII(s string) bool {
	other := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			other++
		}
	}
	return other*3 <= len(s)
}

func newBoundary() string {
	var r [12]byte
	rand.Read(r[:])
	return "payvand-" + hex.EncodeToString(r[:])
}
