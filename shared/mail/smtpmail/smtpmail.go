// Package smtpmail sends mail through a tenant's own SMTP server: a MIME
// message (UTF-8, RFC 2047 encoded headers, quoted-printable or base64
// bodies, multipart/alternative text and HTML) over STARTTLS or implicit
// TLS, authenticated with AUTH PLAIN. Check runs the same session up to
// authentication and sends nothing, for the connection tests.
package smtpmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"syscall"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/mail"
)

// Security is how the connection is protected.
const (
	StartTLS = "starttls" // plain connect, then STARTTLS (port 587); refused when the server does not offer it
	TLS      = "tls"      // TLS from the first byte (port 465)
	None     = "none"     // no TLS: only for a server on this machine (a development mail catcher)
)

// DefaultTimeout bounds a whole check session: connect, greeting, TLS
// and authentication. SendTimeout bounds a send, message included.
const (
	DefaultTimeout = 10 * time.Second
	SendTimeout    = 60 * time.Second
)

// Config is one SMTP account.
type Config struct {
	Host     string
	Port     int
	Username string // empty: no AUTH (a relay that trusts the address)
	Password string
	From     string        // "Name <address>" or an address
	Security string        // StartTLS (default), TLS or None
	Timeout  time.Duration // of a whole session; DefaultTimeout for a check, SendTimeout for a send
	// TLS, when set, is the client TLS configuration (tests pass their
	// own root CA); its ServerName defaults to Host.
	TLS *tls.Config
	// Refuse, when set, names addresses the session must not connect to
	// (on AWS: loopback, private and link-local ones), checked on the
	// address the name resolved to, at connect time.
	Refuse func(netip.Addr) bool
}

// Sender sends with one account.
type Sender struct{ Config Config }

var _ mail.Sender = (*Sender)(nil)

// New returns a sender for the account.
func New(c Config) *Sender { return &Sender{Config: c} }

// Error is a failed session: the step that failed and why.
type Error struct {
	Stage string // connect, greeting, tls, starttls, ehlo, auth, mail, rcpt, data
	Err   error
}

func (e *Error) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Reason is the failure said for a person configuring the account.
func (e *Error) Reason(c Config) string {
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	var te *textproto.Error
	reply := ""
	if errors.As(e.Err, &te) {
		reply = fmt.Sprintf(" (the server said %d %s)", te.Code, te.Msg)
	}
	var ne net.Error
	timeout := errors.As(e.Err, &ne) && ne.Timeout()
	switch {
	case timeout:
		return fmt.Sprintf("no answer from %s within %s during %s", addr, c.timeout(), e.Stage)
	case e.Stage == "connect":
		cause := e.Err
		if u := errors.Unwrap(cause); u != nil {
			cause = u // "connect: connection refused" without "dial tcp …"
		}
		return fmt.Sprintf("could not connect to %s: %v", addr, cause)
	case e.Stage == "tls":
		return fmt.Sprintf("the TLS handshake with %s failed: %v", addr, e.Err)
	case e.Stage == "starttls" && reply == "":
		return fmt.Sprintf("%s: %v", addr, e.Err)
	case e.Stage == "auth" && te != nil && te.Code == 535:
		return "the server refused the username or password" + reply
	case e.Stage == "auth" && reply == "":
		return "authentication failed: " + e.Err.Error()
	case e.Stage == "greeting" || e.Stage == "ehlo":
		return fmt.Sprintf("%s did not greet as an SMTP server: %v", addr, e.Err)
	}
	if reply != "" {
		return e.Stage + " was refused" + reply
	}
	return e.Stage + " failed: " + e.Err.Error()
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c Config) sendTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return SendTimeout
}

func (c Config) security() string {
	if c.Security == "" {
		return StartTLS
	}
	return c.Security
}

func (c Config) tlsConfig() *tls.Config {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLS != nil {
		t = c.TLS.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = c.Host
	}
	return t
}

// Check connects, greets, secures the connection and authenticates as
// Send would, then quits: no message is sent.
func (s *Sender) Check(ctx context.Context) error {
	c, done, err := s.session(ctx, s.Config.timeout())
	if err != nil {
		return err
	}
	defer done()
	c.Quit()
	return nil
}

// Send delivers one message and returns its Message-ID.
func (s *Sender) Send(ctx context.Context, m mail.Message) (string, error) {
	from, err := ParseFrom(s.Config.From)
	if err != nil {
		return "", err
	}
	if len(m.To) == 0 {
		return "", errors.New("smtp: a message needs a recipient")
	}
	msgID := ids.New() + "@" + domainOf(from.Address)
	raw, err := Build(s.Config.From, m, msgID, time.Now())
	if err != nil {
		return "", err
	}
	rcpts, err := Recipients(append(append([]string(nil), m.To...), m.Cc...))
	if err != nil {
		return "", err
	}
	c, done, err := s.session(ctx, s.Config.sendTimeout())
	if err != nil {
		return "", err
	}
	defer done()
	if err := c.Mail(from.Address); err != nil {
		return "", &Error{"mail", err}
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return "", &Error{"rcpt", fmt.Errorf("%s: %w", r, err)}
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", &Error{"data", err}
	}
	if _, err := w.Write(raw); err != nil {
		return "", &Error{"data", err}
	}
	if err := w.Close(); err != nil { // the server's answer to the message
		return "", &Error{"data", err}
	}
	c.Quit()
	return msgID, nil
}

// session opens an authenticated session; done closes it.
func (s *Sender) session(ctx context.Context, timeout time.Duration) (*smtp.Client, func(), error) {
	cfg := s.Config
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	if cfg.Refuse != nil {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || cfg.Refuse(ap.Addr()) {
				return fmt.Errorf("%s is an internal address", ap.Addr())
			}
			return nil
		}
	}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, &Error{"connect", err}
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(stage string, err error) (*smtp.Client, func(), error) {
		stop()
		conn.Close()
		return nil, nil, &Error{stage, err}
	}
	if cfg.security() == TLS {
		tc := tls.Client(conn, cfg.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		return fail("greeting", err)
	}
	local := "localhost"
	if a, err := ParseFrom(cfg.From); err == nil && domainOf(a.Address) != "" {
		local = domainOf(a.Address)
	}
	if err := c.Hello(local); err != nil {
		return fail("ehlo", err)
	}
	if cfg.security() == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fail("starttls", errors.New("the server does not offer STARTTLS; choose security tls (port 465) if it speaks TLS from the start"))
		}
		if err := c.StartTLS(cfg.tlsConfig()); err != nil {
			var te *textproto.Error
			if errors.As(err, &te) {
				return fail("starttls", err)
			}
			return fail("tls", err)
		}
	}
	if cfg.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fail("auth", errors.New("the server does not offer authentication (AUTH) on this connection"))
		}
		if !hasWord(mechs, "PLAIN") {
			return fail("auth", fmt.Errorf("the server offers AUTH %s; Payvand authenticates with PLAIN", mechs))
		}
		// net/smtp's PLAIN sends the password only over TLS or to a
		// loopback host.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return fail("auth", err)
		}
	}
	return c, func() { stop(); c.Close() }, nil
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
