// Package smtptest is a minimal SMTP server for tests: EHLO, STARTTLS
// or implicit TLS with a self-signed certificate, AUTH PLAIN, MAIL, RCPT
// and DATA, on 127.0.0.1.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// SelfSigned makes a certificate for 127.0.0.1 and a client TLS
// configuration that trusts it.
func SelfSigned(t testing.TB) (server, client *tls.Config) {
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

// Session is what the server was given in one session that ended with
// QUIT. From, Rcpt and Data are those of its last transaction;
// Messages holds every message it took.
type Session struct {
	AuthUser, AuthPass string
	From               string
	Rcpt               []string
	Data               []byte // as read by a dot reader: lines end in LF
	TLS                bool
	Messages           [][]byte
	Resets             int
}

// Server is a minimal SMTP server on 127.0.0.1: EHLO, STARTTLS, AUTH
// PLAIN, MAIL, RCPT, DATA, QUIT. It offers AUTH only over TLS, or when
// it offers no TLS at all.
type Server struct {
	TLS      *tls.Config
	Implicit bool // TLS from the first byte
	NoTLS    bool // does not offer STARTTLS
	User     string
	Pass     string

	// RefuseRcpt answers 550 to RCPT TO this address.
	RefuseRcpt string

	ln          net.Listener
	mu          sync.Mutex
	sessions    []Session
	connections int
	conns       []net.Conn
	wg          sync.WaitGroup
}

// Start serves until the test ends and returns the port.
func Start(t testing.TB, s *Server) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.Implicit {
		ln = tls.NewListener(ln, s.TLS)
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
			s.mu.Lock()
			s.connections++
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.Drop(); s.wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := Session{TLS: s.Implicit}
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
			if !r.TLS && !s.NoTLS {
				lines = append(lines, "STARTTLS")
			}
			if r.TLS || s.NoTLS {
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
			tc := tls.Server(c, s.TLS)
			if tc.Handshake() != nil {
				return
			}
			c, r.TLS = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if mech != "PLAIN" || err != nil || len(parts) != 3 || parts[1] != s.User || parts[2] != s.Pass {
				tp.PrintfLine("535 5.7.8 Authentication credentials invalid")
				continue
			}
			r.AuthUser, r.AuthPass = parts[1], parts[2]
			tp.PrintfLine("235 2.7.0 Authentication successful")
		case "MAIL":
			r.From, r.Rcpt = strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>"), nil
			tp.PrintfLine("250 ok")
		case "RCPT":
			to := strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			if s.RefuseRcpt != "" && to == s.RefuseRcpt {
				tp.PrintfLine("550 5.1.1 no such user")
				continue
			}
			r.Rcpt = append(r.Rcpt, to)
			tp.PrintfLine("250 ok")
		case "RSET":
			r.From, r.Rcpt = "", nil
			r.Resets++
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 end with .")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			r.Data = data
			r.Messages = append(r.Messages, data)
			tp.PrintfLine("250 queued")
		case "QUIT":
			// Recorded before the reply: the client returns on it.
			s.mu.Lock()
			s.sessions = append(s.sessions, r)
			s.mu.Unlock()
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 unknown")
		}
	}
}

// Connections is the number of connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Drop closes every open connection (a server that restarted).
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// Sessions returns the sessions so far.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Session(nil), s.sessions...)
}

// Last returns the latest session.
func (s *Server) Last(t testing.TB) Session {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) == 0 {
		t.Fatal("the server saw no complete session")
	}
	return s.sessions[len(s.sessions)-1]
}
