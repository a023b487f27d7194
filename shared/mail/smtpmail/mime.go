package smtpmail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"payvand.dev/shared/mail"
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

// Build writes the message as sent over SMTP: headers with non-ASCII
// text as RFC 2047 encoded words (a Persian subject), and the body as
// text/plain, text/html, or multipart/alternative of both, each part
// UTF-8 in quoted-printable (mostly ASCII text) or base64 (mostly other
// scripts, where quoted-printable would triple the size). Lines end in
// CRLF.
func Build(from string, m mail.Message, messageID string, date time.Time) ([]byte, error) {
	f, err := ParseFrom(from)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, t := range m.To {
		a, err := netmail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("recipient %q is not an address: %w", t, err)
		}
		to = append(to, formatAddress(a))
	}
	if len(to) == 0 {
		return nil, errors.New("a message needs a recipient")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return nil, errors.New("the message is not valid UTF-8")
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", formatAddress(f))
	header("To", strings.Join(to, ",\r\n "))
	header("Subject", EncodeHeader(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+messageID+">")
	header("MIME-Version", "1.0")

	text, html := m.Text, m.HTML
	if text == "" && html == "" {
		text = " " // a body, however empty
	}
	single := func(contentType, body string) {
		if writePart(&b, contentType, body) {
			// The CRLF that ends the data is then a soft line break,
			// not a line break of the text.
			b.WriteString("=")
		}
		b.WriteString("\r\n")
	}
	switch {
	case html == "":
		single("text/plain", text)
	case text == "":
		single("text/html", html)
	default:
		boundary := newBoundary()
		header("Content-Type", "multipart/alternative;\r\n boundary=\""+boundary+"\"")
		b.WriteString("\r\n")
		for _, p := range []struct{ ct, body string }{{"text/plain", text}, {"text/html", html}} {
			b.WriteString("--" + boundary + "\r\n")
			writePart(&b, p.ct, p.body)
			b.WriteString("\r\n") // belongs to the delimiter that follows
		}
		b.WriteString("--" + boundary + "--\r\n")
	}
	return b.Bytes(), nil
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

// writePart writes Content-Type and Content-Transfer-Encoding, a blank
// line and the encoded body, without a line break after it; it reports
// whether the body is quoted-printable.
func writePart(b *bytes.Buffer, contentType, body string) (qp bool) {
	body = crlf(body)
	b.WriteString("Content-Type: " + contentType + "; charset=UTF-8\r\n")
	if mostlyASCII(body) {
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		w := quotedprintable.NewWriter(b)
		w.Write([]byte(body))
		w.Close()
		return true
	}
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	return false
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
