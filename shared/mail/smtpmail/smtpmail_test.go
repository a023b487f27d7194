package smtpmail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/smtpmail/smtptest"
)

const (
	persianSubject = "گزارش فروش ماه مهر ۱۴۰۴ — پیگیری مشتریان «رابین» و یادداشت‌های تیم فروش"
	persianText    = "سلام،\nفروش این ماه ۱۲٬۵۰۰٬۰۰۰ ریال بود.\n.خطی که با نقطه آغاز می‌شود\nبا احترام"
	persianHTML    = `<p dir="rtl">سلام، فروش این ماه <b>۱۲٬۵۰۰٬۰۰۰ ریال</b> بود.</p>`
)

// decoded is a received message read back the way a mail client does.
type decoded struct {
	subject, from, text, html string
	to, cc                    []string
	header                    netmail.Header
	files                     map[string][]byte // attachments by file name
}

func decode(t *testing.T, raw []byte) decoded {
	t.Helper()
	for i, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > 78 && !strings.HasPrefix(l, "<") {
			t.Errorf("line %d is %d characters long", i, len(l))
		}
	}
	m, err := netmail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	dec := new(mime.WordDecoder)
	if d.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil {
		t.Fatal(err)
	}
	d.from = from[0].Name + " <" + from[0].Address + ">"
	to, _ := m.Header.AddressList("To")
	for _, a := range to {
		d.to = append(d.to, a.Address)
	}
	cc, _ := m.Header.AddressList("Cc")
	for _, a := range cc {
		d.cc = append(d.cc, a.Address)
	}
	d.header, d.files = m.Header, map[string][]byte{}
	var read func(h textproto.MIMEHeader, body io.Reader)
	read = func(h textproto.MIMEHeader, body io.Reader) {
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("content type %q", h.Get("Content-Type"))
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart() // NextPart would decode quoted-printable itself
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				read(p.Header, p)
			}
		}
		if disp, dp, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
			b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
			if err != nil {
				t.Fatal(err)
			}
			d.files[dp["filename"]] = b
			return
		}
		if params["charset"] != "UTF-8" {
			t.Fatalf("content type %q", h.Get("Content-Type"))
		}
		switch h.Get("Content-Transfer-Encoding") {
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		default:
			t.Fatalf("transfer encoding %q", h.Get("Content-Transfer-Encoding"))
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		if ct == "text/html" {
			d.html = s
		} else {
			d.text = s
		}
	}
	read(textproto.MIMEHeader(m.Header), m.Body)
	return d
}

func TestSendDeliversPersianMessageIntact(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSigned(t)
	for _, security := range []string{StartTLS, TLS} {
		t.Run(security, func(t *testing.T) {
			srv := &smtptest.Server{TLS: serverTLS, Implicit: security == TLS, User: "crm@alpha.test", Pass: "pässword ۱۲۳"}
			port := smtptest.Start(t, srv)
			s := New(Config{Host: "127.0.0.1", Port: port, Username: "crm@alpha.test", Password: "pässword ۱۲۳",
				From: "شرکت آلفا <crm@alpha.test>", Security: security, TLS: clientTLS})
			id, err := s.Send(context.Background(), mail.Message{To: []string{"مشتری <customer@example.com>", "b@example.org"},
				Subject: persianSubject, Text: persianText, HTML: persianHTML})
			if err != nil {
				t.Fatal(err)
			}
			s.Close() // the session waits for a next message until then
			got := srv.Last(t)
			if !got.TLS || got.AuthUser != "crm@alpha.test" || got.From != "crm@alpha.test" || strings.Join(got.Rcpt, ",") != "customer@example.com,b@example.org" {
				t.Fatalf("session %+v", got)
			}
			if !strings.Contains(string(got.Data), "Message-ID: <"+id+">") {
				t.Errorf("message id %s not in the message", id)
			}
			d := decode(t, got.Data)
			if d.subject != persianSubject {
				t.Errorf("subject %q", d.subject)
			}
			if d.text != persianText {
				t.Errorf("text %q", d.text)
			}
			if d.html != persianHTML {
				t.Errorf("html %q", d.html)
			}
			if d.from != "شرکت آلفا <crm@alpha.test>" || strings.Join(d.to, ",") != "customer@example.com,b@example.org" {
				t.Errorf("from %q to %v", d.from, d.to)
			}
		})
	}
}

func TestComposeChoosesTheBodyEncoding(t *testing.T) {
	cases := []struct {
		name, text, html, encoding, contentType string
	}{
		{"persian text is base64", persianText, "", "base64", "text/plain"},
		{"latin text is quoted-printable", "Hello Reza,\nyour invoice is attached. Café = 5€", "", "quoted-printable", "text/plain"},
		{"html only", "", persianHTML, "base64", "text/html"},
		{"both", "hi", "<p>hi</p>", "quoted-printable", "multipart/alternative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := mail.Compose("crm@alpha.test", mail.Message{To: []string{"x@example.com"}, Subject: "Report", Text: c.text, HTML: c.html}, "id@alpha.test", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), "Content-Transfer-Encoding: "+c.encoding+"\r\n") || !strings.Contains(string(raw), "Content-Type: "+c.contentType) {
				t.Fatalf("want %s %s:\n%s", c.contentType, c.encoding, raw)
			}
			d := decode(t, raw)
			if d.text != c.text || d.html != c.html || d.subject != "Report" {
				t.Errorf("decoded %+v", d)
			}
		})
	}
}

func TestCcHeadersAndAttachments(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSigned(t)
	srv := &smtptest.Server{TLS: serverTLS, User: "u", Pass: "p"}
	port := smtptest.Start(t, srv)
	pdf := []byte("%PDF-1.7 \x00\x01\x02 فاکتور")
	m := mail.Message{To: []string{"a@example.com"}, Cc: []string{"مدیر فروش <manager@example.com>"}, Subject: persianSubject, Text: persianText, HTML: persianHTML,
		Headers:     map[string]string{"list-unsubscribe": "<https://app.test/u/1>", "Subject": "override", "X-Note": "یادداشت", "Bad Name": "x"},
		Attachments: []mail.Attachment{mail.Attach("فاکتور ۱۴۰۴.pdf", "application/pdf", pdf)}}
	sender := New(Config{Host: "127.0.0.1", Port: port, Username: "u", Password: "p", From: "crm@alpha.test", TLS: clientTLS})
	if _, err := sender.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	sender.Close()
	got := srv.Last(t)
	if strings.Join(got.Rcpt, ",") != "a@example.com,manager@example.com" {
		t.Errorf("recipients %v", got.Rcpt)
	}
	d := decode(t, got.Data)
	if d.subject != persianSubject || d.text != persianText || d.html != persianHTML || strings.Join(d.cc, ",") != "manager@example.com" {
		t.Errorf("decoded %+v", d)
	}
	if string(d.files["فاکتور ۱۴۰۴.pdf"]) != string(pdf) {
		t.Errorf("attachments %q", d.files)
	}
	note, _ := new(mime.WordDecoder).DecodeHeader(d.header.Get("X-Note"))
	if d.header.Get("List-Unsubscribe") != "<https://app.test/u/1>" || note != "یادداشت" || len(d.header["Subject"]) != 1 || d.header.Get("Bad Name") != "" {
		t.Errorf("header %v", d.header)
	}
}

func TestComposeRefusesHeaderInjection(t *testing.T) {
	raw, err := mail.Compose("crm@alpha.test", mail.Message{To: []string{"x@example.com"}, Subject: "hi\r\nBcc: victim@example.com", Text: "x"}, "id@a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "\r\nBcc:") {
		t.Fatalf("a subject added a header:\n%s", raw)
	}
	raw, err = mail.Compose("crm@alpha.test", mail.Message{To: []string{"x@example.com"}, Text: "x", Headers: map[string]string{"X-Tag": "a\r\nBcc: victim@example.com"}}, "id@a", time.Now())
	if err != nil || strings.Contains(string(raw), "\r\nBcc:") {
		t.Fatalf("a header value added a header (%v):\n%s", err, raw)
	}
	if _, err := mail.Compose("crm@alpha.test", mail.Message{To: []string{"x@example.com\r\nBcc: v@example.com"}, Text: "x"}, "id@a", time.Now()); err == nil {
		t.Fatal("a recipient with a line break was accepted")
	}
}

func TestCheckReportsEachFailure(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSigned(t)
	good := &smtptest.Server{TLS: serverTLS, User: "u", Pass: "p"}
	port := smtptest.Start(t, good)
	plain := &smtptest.Server{TLS: serverTLS, NoTLS: true, User: "u", Pass: "p"}
	plainPort := smtptest.Start(t, plain)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	cases := []struct {
		name   string
		cfg    Config
		stage  string
		reason string
	}{
		{"ok", Config{Port: port, Username: "u", Password: "p", TLS: clientTLS}, "", ""},
		{"wrong password", Config{Port: port, Username: "u", Password: "nope", TLS: clientTLS}, "auth", "refused the username or password (the server said 535"},
		{"untrusted certificate", Config{Port: port, Username: "u", Password: "p"}, "tls", "TLS handshake"},
		{"no STARTTLS", Config{Port: plainPort, Username: "u", Password: "p", TLS: clientTLS}, "starttls", "does not offer STARTTLS"},
		{"none on loopback", Config{Port: plainPort, Username: "u", Password: "p", Security: None}, "", ""},
		{"nothing listening", Config{Port: closedPort, TLS: clientTLS}, "connect", "could not connect to 127.0.0.1:" + strconv.Itoa(closedPort)},
		{"internal address refused", Config{Port: port, TLS: clientTLS, Refuse: func(a netip.Addr) bool { return a.IsLoopback() }}, "connect", "127.0.0.1 is an internal address"},
		{"implicit TLS to a plain server", Config{Port: plainPort, Security: TLS, TLS: clientTLS, Timeout: 2 * time.Second}, "tls", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Host, c.cfg.From = "127.0.0.1", "crm@alpha.test"
			err := New(c.cfg).Check(context.Background())
			if c.stage == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Stage != c.stage {
				t.Fatalf("error %v, want stage %s", err, c.stage)
			}
			if r := e.Reason(c.cfg); !strings.Contains(r, c.reason) {
				t.Errorf("reason %q, want %q", r, c.reason)
			}
		})
	}
	authenticated := false
	for _, s := range good.Sessions() {
		if s.Data != nil || s.From != "" || len(s.Rcpt) > 0 {
			t.Errorf("a check sent something: %+v", s)
		}
		authenticated = authenticated || s.AuthUser == "u"
	}
	if !authenticated {
		t.Error("no check authenticated")
	}
}

// BenchmarkCompose is one campaign message: a Persian subject, text and
// HTML bodies and a 100 KB attachment.
func BenchmarkCompose(b *testing.B) {
	m := mail.Message{To: []string{"مشتری <customer@example.com>"}, Subject: persianSubject, Text: strings.Repeat(persianText+"\n", 20),
		HTML: strings.Repeat(persianHTML, 20), Attachments: []mail.Attachment{mail.Attach("فاکتور.pdf", "application/pdf", make([]byte, 100<<10))}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mail.Compose("شرکت آلفا <crm@alpha.test>", m, "id@alpha.test", now); err != nil {
			b.Fatal(err)
		}
	}
}

// A campaign's messages share one session: RSET between them, a new
// session after MaxPerSession or when the server dropped the old one,
// and a refused recipient fails its message only.
func TestSequentialSendsShareASession(t *testing.T) {
	serverTLS, clientTLS := smtptest.SelfSigned(t)
	srv := &smtptest.Server{TLS: serverTLS, User: "u", Pass: "p", RefuseRcpt: "gone@example.com"}
	port := smtptest.Start(t, srv)
	s := New(Config{Host: "127.0.0.1", Port: port, Username: "u", Password: "p", From: "crm@alpha.test", TLS: clientTLS})
	send := func(to string) error {
		_, err := s.Send(context.Background(), mail.Message{To: []string{to}, Subject: "سلام " + to, Text: "x"})
		return err
	}
	for i := range 3 {
		if err := send(fmt.Sprintf("c%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	err := send("gone@example.com")
	var e *Error
	if !errors.As(err, &e) || e.Stage != "rcpt" || !strings.Contains(e.Reason(s.Config), "550") {
		t.Fatalf("refused recipient: %v", err)
	}
	if err := send("c3@example.com"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n := srv.Connections(); n != 1 {
		t.Fatalf("%d connections for 5 messages, want 1", n)
	}
	got := srv.Last(t)
	if len(got.Messages) != 4 || got.Resets != 4 || !strings.Contains(string(got.Messages[3]), "c3@example.com") {
		t.Fatalf("session: %d messages, %d resets", len(got.Messages), got.Resets)
	}

	// The server dropped the idle session: the next message opens another.
	if err := send("d@example.com"); err != nil {
		t.Fatal(err)
	}
	srv.Drop()
	if err := send("e@example.com"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n := srv.Connections(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}

	// At most MaxPerSession messages a session.
	before := srv.Connections()
	for i := range MaxPerSession + 1 {
		if err := send(fmt.Sprintf("m%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if n := srv.Connections() - before; n != 2 {
		t.Fatalf("%d connections for %d messages, want 2", n, MaxPerSession+1)
	}
}

// BenchmarkSend is one message of a campaign over STARTTLS to a server
// on loopback: in a shared session, and with a session of its own.
func BenchmarkSend(b *testing.B) {
	serverTLS, clientTLS := smtptest.SelfSigned(b)
	srv := &smtptest.Server{TLS: serverTLS, User: "u", Pass: "p"}
	port := smtptest.Start(b, srv)
	m := mail.Message{To: []string{"c@example.com"}, Subject: persianSubject, Text: persianText, HTML: persianHTML}
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "shared session", false: "session per message"}[shared]
		b.Run(name, func(b *testing.B) {
			s := New(Config{Host: "127.0.0.1", Port: port, Username: "u", Password: "p", From: "crm@alpha.test", TLS: clientTLS})
			for b.Loop() {
				if _, err := s.Send(context.Background(), m); err != nil {
					b.Fatal(err)
				}
				if !shared {
					s.Close()
				}
			}
			s.Close()
		})
	}
}
