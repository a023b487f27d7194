package mail_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"payvand.dev/shared/mail"
)

// The composed message is read back with the standard library's RFC 5322
// and MIME readers (not our own code): the Persian subject, both bodies
// and a binary attachment come back byte for byte.
func TestComposeReadsBackWithTheStandardParsers(t *testing.T) {
	blob := make([]byte, 100_000)
	rand.Read(blob)
	text := strings.Repeat("سلام، این یک متن فارسی طولانی است که باید سالم برسد. ", 20) + "\nخط دوم = با علامت مساوی"
	html := `<div dir="rtl"><p>` + text + `</p></div>`
	m := mail.Message{To: []string{"a@x.test", "b@x.test"}, Cc: []string{"c@x.test"}, Subject: "گزارش فروش آبان ۱۴۰۵\r\nBcc: evil@x.test",
		Text: text, HTML: html, Headers: map[string]string{"List-Unsubscribe": "<https://api.test/u?t=1>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
		Attachments: []mail.Attachment{{Name: "فاکتور ۱.pdf", ContentType: "application/pdf", Data: blob}}}
	raw, err := mail.Compose("پیوند <no-reply@payvand.test>", m, "id@payvand.test", time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}

	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Fatalf("subject %q %v", subject, err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Fatal("a CR LF in the subject made a header field")
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "پیوند" || from[0].Address != "no-reply@payvand.test" {
		t.Fatalf("from %v %v", from, err)
	}
	if cc, _ := msg.Header.AddressList("Cc"); len(cc) != 1 || cc[0].Address != "c@x.test" {
		t.Fatalf("cc %v", cc)
	}
	if msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || msg.Header.Get("List-Unsubscribe") != "<https://api.test/u?t=1>" {
		t.Fatalf("headers %v", msg.Header)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mixed := multipart.NewReader(msg.Body, params["boundary"])
	first, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	_, ap, _ := mime.ParseMediaType(first.Header.Get("Content-Type"))
	alt := multipart.NewReader(first, ap["boundary"])
	var bodies []string
	for {
		p, err := alt.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, strings.TrimSuffix(strings.ReplaceAll(string(decoded(t, p)), "\r\n", "\n"), "\n"))
	}
	if len(bodies) != 2 || bodies[0] != text || bodies[1] != html {
		t.Fatalf("bodies differ: %d parts", len(bodies))
	}
	att, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if att.FileName() != "فاکتور ۱.pdf" {
		t.Fatalf("attachment name %q", att.FileName())
	}
	if got := decoded(t, att); !bytes.Equal(got, blob) {
		t.Fatal("attachment bytes differ")
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d octets (RFC 5322 allows 998)", len(line))
		}
	}
}

func TestComposeTextOnly(t *testing.T) {
	raw, _ := mail.Compose("no-reply@payvand.test", mail.Message{To: []string{"a@x.test"}, Subject: "Hi", Text: "plain"}, "id@payvand.test", time.Now())
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil || !strings.HasPrefix(msg.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%v %v", msg, err)
	}
}

// decoded is a part's content: the standard reader undoes
// quoted-printable itself; base64 is decoded here.
func decoded(t *testing.T, p *multipart.Part) []byte {
	b, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		if b, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))); err != nil {
			t.Fatal(err)
		}
	}
	return b
}
