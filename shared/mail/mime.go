package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
)

// Compose writes m as an RFC 5322 message with MIME parts: the text and
// HTML bodies as multipart/alternative (quoted-printable UTF-8), inside
// multipart/mixed when there are attachments (base64). Non-ASCII header
// text (a Persian subject, a display name) is RFC 2047 encoded. from is
// the From field ("Name <addr>" or an address).
func Compose(from string, m Message, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", encodeAddress(from))
	h("To", strings.Join(m.To, ", "))
	if len(m.Cc) > 0 {
		h("Cc", strings.Join(m.Cc, ", "))
	}
	h("Subject", mime.BEncoding.Encode("utf-8", clean(m.Subject)))
	h("Date", now.UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@payvand>")
	h("MIME-Version", "1.0")
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h(textproto.CanonicalMIMEHeaderKey(clean(k)), clean(m.Headers[k]))
	}
	bodyHeader, body := alternative(m)
	if len(m.Attachments) == 0 {
		for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
			if v := bodyHeader.Get(k); v != "" {
				h(k, v)
			}
		}
		b.WriteString("\r\n")
		b.Write(body)
		return b.Bytes()
	}
	mixed := multipart.NewWriter(&b)
	h("Content-Type", `multipart/mixed; boundary="`+mixed.Boundary()+`"`)
	b.WriteString("\r\n")
	part, _ := mixed.CreatePart(bodyHeader)
	part.Write(body)
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := clean(a.Name)
		part, _ := mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(ct, map[string]string{"name": name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			part.Write([]byte(enc[:76] + "\r\n"))
			enc = enc[76:]
		}
		part.Write([]byte(enc + "\r\n"))
	}
	mixed.Close()
	return b.Bytes()
}

// alternative is the bodies with their header fields: one
// quoted-printable UTF-8 part, or text and HTML as multipart/alternative.
func alternative(m Message) (textproto.MIMEHeader, []byte) {
	type body struct{ ct, text string }
	var parts []body
	if m.Text != "" || m.HTML == "" {
		parts = append(parts, body{"text/plain; charset=utf-8", m.Text})
	}
	if m.HTML != "" {
		parts = append(parts, body{"text/html; charset=utf-8", m.HTML})
	}
	var buf bytes.Buffer
	if len(parts) == 1 {
		writeQP(&buf, parts[0].text)
		return textproto.MIMEHeader{"Content-Type": {parts[0].ct}, "Content-Transfer-Encoding": {"quoted-printable"}}, buf.Bytes()
	}
	alt := multipart.NewWriter(&buf)
	for _, p := range parts {
		pw, _ := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {p.ct}, "Content-Transfer-Encoding": {"quoted-printable"}})
		writeQP(pw, p.text)
	}
	alt.Close()
	return textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary="` + alt.Boundary() + `"`}}, buf.Bytes()
}

func writeQP(w io.Writer, s string) {
	q := quotedprintable.NewWriter(w)
	q.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")))
	q.Close()
	w.Write([]byte("\r\n"))
}

// encodeAddress quotes or RFC 2047-encodes a display name as needed.
func encodeAddress(a string) string {
	if p, err := netmail.ParseAddress(a); err == nil {
		return p.String()
	}
	return clean(a)
}

// clean drops CR and LF: no header injection through a subject or name.
func clean(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
