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
	"sync"
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

// Sender sends with one account. Messages sent one after another share
// a session (RSET between them, as a campaign sends) for at most
// MaxPerSession messages; a session left idle for IdleTimeout is closed,
// and Close ends it at once. A Sender is safe for concurrent use: a send
// that finds the session busy opens its own.
type Sender struct {
	Config Config

	mu   sync.Mutex
	idle *session // the session a next send takes
}

var _ mail.Sender = (*Sender)(nil)

// New returns a sender for the account.
func New(c Config) *Sender { return &Sender{Config: c} }

// MaxPerSession and IdleTimeout bound a shared session: servers limit
// messages per connection and drop quiet ones.
const (
	MaxPerSession = 50
	IdleTimeout   = 15 * time.Second
)

// session is one open, authenticated SMTP session.
type session struct {
	c     *smtp.Client
	raw   net.Conn // the TCP connection (deadlines reach TLS through it)
	sent  int
	timer *time.Timer // closes it when left idle
}

// arm bounds the next exchange by timeout and by ctx; the returned func
// disarms.
func (ss *session) arm(ctx context.Context, timeout time.Duration) func() bool {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ss.raw.SetDeadline(deadline)
	return context.AfterFunc(ctx, func() { ss.raw.SetDeadline(time.Unix(1, 0)) })
}

func (ss *session) close() { ss.c.Close() }

// take returns the idle session, if any, for the caller alone.
func (s *Sender) take() *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.idle
	s.idle = nil
	if ss != nil && !ss.timer.Stop() {
		return nil // its timer is closing it
	}
	return ss
}

// give keeps ss for the next send, or ends it when another is kept or it
// has sent its share.
func (s *Sender) give(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle != nil || ss.sent >= MaxPerSession {
		go func() { ss.c.Quit(); ss.close() }()
		return
	}
	s.idle = ss
	ss.timer = time.AfterFunc(IdleTimeout, func() {
		s.mu.Lock()
		if s.idle == ss {
			s.idle = nil
		}
		s.mu.Unlock()
		ss.raw.SetDeadline(time.Now().Add(5 * time.Second))
		ss.c.Quit()
		ss.close()
	})
}

// Close ends the idle session (QUIT).
func (s *Sender) Close() error {
	if ss := s.take(); ss != nil {
		ss.raw.SetDeadline(time.Now().Add(5 * time.Second))
		ss.c.Quit()
		ss.close()
	}
	return nil
}

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
	ss, err := s.open(ctx, s.Config.timeout())
	if err != nil {
		return err
	}
	defer ss.close()
	defer ss.arm(ctx, s.Config.timeout())()
	ss.c.Quit()
	return nil
}

// Send delivers one message and returns its Message-ID.
func (s *Sender) Send(ctx context.Context, m mail.Message) (string, error) {
	from, err := mail.ParseFrom(s.Config.From)
	if err != nil {
		return "", err
	}
	if len(m.To) == 0 {
		return "", errors.New("smtp: a message needs a recipient")
	}
	msgID := ids.New() + "@" + domainOf(from.Address)
	raw, err := mail.Compose(s.Config.From, m, msgID, time.Now())
	if err != nil {
		return "", err
	}
	rcpts, err := mail.Recipients(append(append([]string(nil), m.To...), m.Cc...))
	if err != nil {
		return "", err
	}
	ss := s.take()
	if ss != nil {
		disarm := ss.arm(ctx, s.Config.sendTimeout())
		err := ss.c.Reset() // the server is still there and ready for a message
		disarm()
		if err != nil {
			ss.close()
			ss = nil
		}
	}
	if ss == nil {
		if ss, err = s.open(ctx, s.Config.sendTimeout()); err != nil {
			return "", err
		}
	}
	disarm := ss.arm(ctx, s.Config.sendTimeout())
	err = transaction(ss.c, from.Address, rcpts, raw)
	disarm()
	ss.sent++
	var serr *Error
	if err == nil || errors.As(err, &serr) && serr.refused() {
		// The server answered: the session goes on.
		s.give(ss)
	} else {
		ss.close()
	}
	if err != nil {
		return "", err
	}
	return msgID, nil
}

// transaction is MAIL, RCPT for each recipient and DATA.
func transaction(c *smtp.Client, from string, rcpts []string, raw []byte) error {
	if err := c.Mail(from); err != nil {
		return &Error{"mail", err}
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return &Error{"rcpt", fmt.Errorf("%s: %w", r, err)}
		}
	}
	w, err := c.Data()
	if err != nil {
		return &Error{"data", err}
	}
	if _, err := w.Write(raw); err != nil {
		return &Error{"data", err}
	}
	if err := w.Close(); err != nil { // the server's answer to the message
		return &Error{"data", err}
	}
	return nil
}

// refused reports an error that is the server's answer (a reply code),
// after which the session can go on.
func (e *Error) refused() bool {
	var te *textproto.Error
	return errors.As(e.Err, &te)
}

// open opens an authenticated session.
func (s *Sender) open(ctx context.Context, timeout time.Duration) (*session, error) {
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
		return nil, &Error{"connect", err}
	}
	raw := conn
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(stage string, err error) (*session, error) {
		raw.Close()
		return nil, &Error{stage, err}
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
	if a, err := mail.ParseFrom(cfg.From); err == nil && domainOf(a.Address) != "" {
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
	return &session{c: c, raw: raw}, nil
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
