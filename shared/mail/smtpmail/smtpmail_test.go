package smtpmail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"payvand.dev/shared/mail"
)

// selfSigned makes a certificate for 127.0.0.1 and a client TLS
// configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "payvand test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, &tls.Config{RootCAs: pool}
}

// received is what the test server was given in one session.
type received struct {
	authUser, authPass string
	from               string
	rcpt               []string
	data               []byte
	tls                bool
}

// smtpServer is a minimal SMTP server on 127.0.0.1: EHLO, STARTTLS,
// AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	implicit bool // TLS from the first byte
	noTLS    bool // does not offer STARTTLS
	user     string
	pass     string
	mu       sync.Mutex
	sessions []received
	wg       sync.WaitGroup
}

func startServer(t *testing.T, s *smtpServer) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := received{tls: s.implicit}
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"test"}
			if !r.tls && !s.noTLS {
				lines = append(lines, "STARTTLS")
			}
			if r.tls || s.noTLS {
				lines = append(lines, "AUTH PLAIN LOGIN")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r.tls = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if mech != "PLAIN" || err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				tp.PrintfLine("535 5.7.8 Authentication credentials invalid")
				continue
			}
			r.authUser, r.authPass = parts[1], parts[2]
			tp.PrintfLine("235 2.7.0 Authentication successful")
		case "MAIL":
			r.from = strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")
			tp.PrintfLine("250 ok")
		case "RCPT":
			r.rcpt = append(r.rcpt, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 end with .")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			r.data = data
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			s.mu.Lock()
			s.sessions = append(s.sessions, r)
			s.mu.Unlock()
			return
		default:
			tp.PrintfLine("502 unknown")
		}
	}
}

func (s *smtpServer) last(t *testing.T) received {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) == 0 {
		t.Fatal("the server saw no complete session")
	}
	return s.sessions[len(s.sessions)-1]
}

const (
	persianSubject = "گزارش فروش ماه مهر ۱۴۰۴ — پیگیری مشتریان «رابین» و یادداشت‌های تیم فروش"
	persianText    = "سلام،\nفروش این ماه ۱۲٬۵۰۰٬۰۰۰ ریال بود.\n.خطی که با نقطه آغاز می‌شود\nبا احترام"
	persianHTML    = `<p dir="rtl">سلام، فروش این ماه <b>۱۲٬۵۰۰٬۰۰۰ ریال</b> بود.</p>`
)

// decoded is a received message read back the way a mail client does.
type decoded struct {
	subject, from, text, html string
	to                        []string
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
	read := func(h textproto.MIMEHeader, body io.Reader) {
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil || params["charset"] != "UTF-8" {
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
	ct, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if ct != "multipart/alternative" {
		read(textproto.MIMEHeader(m.Header), m.Body)
		return d
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart() // NextPart would decode quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		read(p.Header, p)
	}
	return d
}

func TestSendDeliversPersianMessageIntact(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, security := range []string{StartTLS, TLS} {
		t.Run(security, func(t *testing.T) {
			srv := &smtpServer{tls: serverTLS, implicit: security == TLS, user: "crm@alpha.test", pass: "pässword ۱۲۳"}
			port := startServer(t, srv)
			s := New(Config{Host: "127.0.0.1", Port: port, Username: "crm@alpha.test", Password: "pässword ۱۲۳",
				From: "شرکت آلفا <crm@alpha.test>", Security: security, TLS: clientTLS})
			id, err := s.Send(context.Background(), mail.Message{To: []string{"مشتری <customer@example.com>", "b@example.org"},
				Subject: persianSubject, Text: persianText, HTML: persianHTML})
			if err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			if !got.tls || got.authUser != "crm@alpha.test" || got.from != "crm@alpha.test" || strings.Join(got.rcpt, ",") != "customer@example.com,b@example.org" {
				t.Fatalf("session %+v", got)
			}
			if !strings.Contains(string(got.data), "Message-ID: <"+id+">") {
				t.Errorf("message id %s not in the message", id)
			}
			d := decode(t, got.data)
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

func TestBuildChoosesTheBodyEncoding(t *testing.T) {
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
			raw, err := Build("crm@alpha.test", mail.Message{To: []string{"x@example.com"}, Subject: "Report", Text: c.text, HTML: c.html}, "id@alpha.test", time.Now())
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

func TestBuildRefusesHeaderInjection(t *testing.T) {
	raw, err := Build("crm@alpha.test", mail.Message{To: []string{"x@example.com"}, Subject: "hi\r\nBcc: victim@example.com", Text: "x"}, "id@a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "\r\nBcc:") {
		t.Fatalf("a subject added a header:\n%s", raw)
	}
	if _, err := Build("crm@alpha.test", mail.Message{To: []string{"x@example.com\r\nBcc: v@example.com"}, Text: "x"}, "id@a", time.Now()); err == nil {
		t.Fatal("a recipient with a line break was accepted")
	}
}

func TestCheckReportsEachFailure(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	good := &smtpServer{tls: serverTLS, user: "u", pass: "p"}
	port := startServer(t, good)
	plain := &smtpServer{tls: serverTLS, noTLS: true, user: "u", pass: "p"}
	plainPort := startServer(t, plain)
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
	good.mu.Lock()
	defer good.mu.Unlock()
	authenticated := false
	for _, s := range good.sessions {
		if s.data != nil || s.from != "" || len(s.rcpt) > 0 {
			t.Errorf("a check sent something: %+v", s)
		}
		authenticated = authenticated || s.authUser == "u"
	}
	if !authenticated {
		t.Error("no check authenticated")
	}
}
