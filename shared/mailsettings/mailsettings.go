// Package mailsettings is a tenant's choice of mail provider: the
// platform's SES sender with a from-address of the tenant's on the
// verified domain, or the tenant's own SMTP server. SMTP credentials are
// kept in the tenant's table sealed with AES-256-GCM under a key derived
// from the platform secret (auth.Tokens.Derive(KeyPurpose)) and bound to
// the table, so a copied item opens nowhere else. SenderFor picks the
// sender a tenant's mail goes through.
package mailsettings

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/mail/smtpmail"
	"payvand.dev/shared/store"
)

// KeyPurpose names the derived key that seals credentials.
const KeyPurpose = "mail-credentials"

// Providers.
const (
	SES  = "ses"  // the platform's sender (SES on AWS, the outbox locally)
	SMTP = "smtp" // the tenant's own server
)

// Key is the settings item of a tenant table.
var Key = store.Key{PK: "SETTINGS#EMAIL", SK: "S"}

// Credentials are what POST /api/settings/email/configure takes; all of
// them are sealed together.
type Credentials struct {
	From     string `json:"from,omitempty"`
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Security string `json:"security,omitempty"`
}

// Settings are a tenant's choice.
type Settings struct {
	Provider    string
	Credentials Credentials
	UpdatedAt   time.Time
	UpdatedBy   string
}

// Platform describes the platform's own sender.
type Platform struct {
	From     string // PAYVAND_MAIL_FROM
	Identity string // PAYVAND_SES_IDENTITY: the verified domain (or address); "" = the outbox
	Local    bool   // not in a Lambda: an SMTP server on loopback may go without TLS
}

// Domain is the domain a tenant's SES from-address must be on.
func (p Platform) Domain() string {
	if p.Identity != "" {
		return strings.ToLower(domainOf(p.Identity))
	}
	if a, err := mail.ParseFrom(p.From); err == nil {
		return strings.ToLower(domainOf(a.Address))
	}
	return ""
}

func domainOf(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Validate checks a configuration and returns it cleaned (members the
// provider does not use dropped). Errors name the field
// (credentials.host …) with a 422.
func Validate(provider string, c Credentials, p Platform) (Credentials, error) {
	f := crm.FieldErrors{}
	from := strings.TrimSpace(c.From)
	var addr string
	if from != "" {
		if a, err := mail.ParseFrom(from); err != nil || strings.ContainsAny(from, "\r\n") {
			f.Add("credentials.from", "must be an address such as sales@example.com or Alpha Co <sales@example.com>")
		} else {
			addr = strings.ToLower(a.Address)
		}
	}
	switch strings.ToLower(strings.TrimSpace(provider)) {
	case SES:
		if addr != "" {
			d := p.Domain()
			exact := strings.Contains(p.Identity, "@")
			switch {
			case d == "":
				f.Add("credentials.from", "the platform has no verified sending domain: leave from empty")
			case exact && addr != strings.ToLower(p.Identity):
				f.Add("credentials.from", "must be "+p.Identity+" (the verified sending address)")
			case !exact && domainOf(addr) != d:
				f.Add("credentials.from", "must be an address @"+d+" (the verified sending domain)")
			}
		}
		if err := f.Err(); err != nil {
			return Credentials{}, err
		}
		return Credentials{From: from}, nil
	case SMTP:
	case "":
		f.Add("provider", "required: ses or smtp")
		return Credentials{}, f.Err()
	default:
		f.Add("provider", "must be ses or smtp")
		return Credentials{}, f.Err()
	}
	out := Credentials{From: from, Host: strings.ToLower(strings.TrimSuffix(strings.TrimSpace(c.Host), ".")),
		Port: c.Port, Username: strings.TrimSpace(c.Username), Password: c.Password, Security: strings.ToLower(strings.TrimSpace(c.Security))}
	if from == "" {
		f.Add("credentials.from", "required")
	}
	switch {
	case out.Host == "":
		f.Add("credentials.host", "required")
	case len(out.Host) > 253 || strings.ContainsAny(out.Host, " /:@\r\n\t") && net.ParseIP(out.Host) == nil:
		f.Add("credentials.host", "must be a host name or an IP address")
	}
	if out.Port == 0 {
		out.Port = 587
		if out.Security == smtpmail.TLS {
			out.Port = 465
		}
	}
	switch {
	case out.Port < 1 || out.Port > 65535:
		f.Add("credentials.port", "must be between 1 and 65535")
	case out.Port == 25 && !p.Local:
		// Lambda's network drops outbound port 25.
		f.Add("credentials.port", "port 25 is blocked for outgoing connections on AWS; use 587 (starttls) or 465 (tls)")
	}
	if out.Security == "" {
		out.Security = smtpmail.StartTLS
	}
	switch out.Security {
	case smtpmail.StartTLS, smtpmail.TLS:
	case smtpmail.None:
		if !p.Local || !loopback(out.Host) {
			f.Add("credentials.security", "none is allowed only for a server on this machine (localhost) when running locally; use starttls or tls")
		}
	default:
		f.Add("credentials.security", "must be starttls, tls or none")
	}
	if !p.Local && out.Host != "" {
		if a, err := netip.ParseAddr(out.Host); err == nil && Internal(a) {
			f.Add("credentials.host", "must not be a loopback, private or link-local address")
		}
		if out.Host == "localhost" || strings.HasSuffix(out.Host, ".localhost") {
			f.Add("credentials.host", "must not be a loopback, private or link-local address")
		}
	}
	if out.Username != "" && out.Password == "" {
		f.Add("credentials.password", "required with a username")
	}
	if out.Username == "" && out.Password != "" {
		f.Add("credentials.username", "required with a password")
	}
	if len(out.Username) > 320 {
		f.Add("credentials.username", "at most 320 characters")
	}
	if len(out.Password) > 1024 {
		f.Add("credentials.password", "at most 1024 characters")
	}
	return out, f.Err()
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Internal reports addresses a tenant's SMTP server may not have on AWS
// (the same rule as webhooks: loopback, private, link-local, carrier
// NAT, the metadata address).
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsInterfaceLocalMulticast() || netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// item is the stored form.
type item struct {
	Provider  string `json:"provider"`
	Sealed    string `json:"sealed"` // Credentials, sealed
	UpdatedAt string `json:"updated_at"`
	UpdatedBy string `json:"updated_by"`
}

// Save writes the settings, credentials sealed with secretKey.
func Save(ctx context.Context, t store.Table, secretKey []byte, s Settings) error {
	plain, err := json.Marshal(s.Credentials)
	if err != nil {
		return err
	}
	sealed, err := Seal(secretKey, aad(t), plain)
	if err != nil {
		return err
	}
	it := store.KeyItem(Key)
	it["provider"] = store.AV(s.Provider)
	it["sealed"] = store.AV(sealed)
	it["updated_at"] = store.AV(s.UpdatedAt.UTC().Format(time.RFC3339))
	it["updated_by"] = store.AV(s.UpdatedBy)
	return t.Put(ctx, it)
}

// ErrUnreadable: the stored credentials do not open with this key (the
// platform secret changed, or the item was copied from another table).
var ErrUnreadable = &crm.Error{Code: crm.ECONFLICT, Message: "the stored e-mail credentials cannot be read; configure e-mail again"}

// Load reads a tenant's settings: nil when the tenant has chosen none.
// Credentials that do not open give the settings with ErrUnreadable.
func Load(ctx context.Context, t store.Table, secretKey []byte) (*Settings, error) {
	it, err := t.Get(ctx, Key)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := &Settings{Provider: store.Str(it, "provider"), UpdatedBy: store.Str(it, "updated_by")}
	s.UpdatedAt, _ = time.Parse(time.RFC3339, store.Str(it, "updated_at"))
	plain, err := Open(secretKey, aad(t), store.Str(it, "sealed"))
	if err != nil {
		return s, ErrUnreadable
	}
	if err := json.Unmarshal(plain, &s.Credentials); err != nil {
		return s, ErrUnreadable
	}
	return s, nil
}

// Delete forgets the tenant's choice (back to the platform's sender).
func Delete(ctx context.Context, t store.Table) error { return t.Delete(ctx, Key) }

func aad(t store.Table) string { return "payvand/mail-settings/" + t.Name() }

// Seal encrypts with AES-256-GCM: "v1." and the base64 of nonce and
// ciphertext. aad binds it to its place.
func Seal(key []byte, aad string, plain []byte) (string, error) {
	g, err := gcm(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1." + base64.RawStdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte(aad))), nil
}

// Open decrypts what Seal made with the same key and aad.
func Open(key []byte, aad, sealed string) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1."))
	if err != nil || !strings.HasPrefix(sealed, "v1.") || len(raw) < g.NonceSize() {
		return nil, errors.New("mailsettings: not a sealed value")
	}
	return g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte(aad))
}

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("mailsettings: the key must be 32 bytes (AES-256)")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// SMTPConfig is the smtpmail account of SMTP credentials; on AWS
// (!local) it refuses internal addresses at connect time too, since a
// host name may resolve to one.
func SMTPConfig(c Credentials, local bool) smtpmail.Config {
	cfg := smtpmail.Config{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From, Security: c.Security}
	if !local {
		cfg.Refuse = Internal
	}
	return cfg
}

// Keys derive the sealing key (auth.Tokens does).
type Keys interface {
	Derive(purpose string) ([]byte, error)
}

// Sender is SenderFor with the sealing key derived from keys: the
// organization's own sender, or platformDefault. Close it after use when
// it is an io.Closer (an SMTP session).
func Sender(ctx context.Context, t store.Table, platformDefault mail.Sender, keys Keys) (mail.Sender, error) {
	secret, err := keys.Derive(KeyPurpose)
	if err != nil {
		return nil, err
	}
	return SenderFor(ctx, t, platformDefault, secret)
}

// SenderFor is the sender of the tenant whose table t is: its SMTP
// server, the platform's SES sender with the tenant's from-address, or
// platformDefault unchanged when the tenant chose nothing (or SES
// without a from-address, or the platform sends to the outbox).
// secretKey is auth.Tokens.Derive(KeyPurpose). Credentials that no
// longer open are an ECONFLICT error, never a silent fallback to another
// sender. Take one sender for a whole campaign: the SMTP sender shares
// one session between messages sent one after another, and is an
// io.Closer that ends it (else it ends after smtpmail.IdleTimeout).
func SenderFor(ctx context.Context, t store.Table, platformDefault mail.Sender, secretKey []byte) (mail.Sender, error) {
	s, err := Load(ctx, t, secretKey)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return platformDefault, nil
	}
	switch s.Provider {
	case SMTP:
		return smtpmail.New(SMTPConfig(s.Credentials, IsLocal())), nil
	case SES:
		if ses, ok := platformDefault.(*sesmail.SES); ok && s.Credentials.From != "" {
			c := *ses
			c.From = s.Credentials.From
			return &c, nil
		}
	}
	return platformDefault, nil
}

// View is what GET /api/settings/email shows: never a secret.
type View struct {
	Provider    string     `json:"provider" enum:"ses,smtp" doc:"ses: the platform's sender (Amazon SES; locally the outbox). smtp: the organization's own server"`
	Configured  bool       `json:"configured" doc:"Whether mail can be sent: true for the platform's sender and for stored settings that open; false when stored credentials no longer open (configure again)"`
	Custom      bool       `json:"custom" doc:"Whether the organization chose a provider (false: the platform's default)"`
	From        string     `json:"from" doc:"The From address mail goes out with"`
	Host        string     `json:"host,omitempty"`
	Port        int        `json:"port,omitempty"`
	Username    string     `json:"username,omitempty"`
	Security    string     `json:"security,omitempty" enum:"starttls,tls,none"`
	PasswordSet bool       `json:"password_set" doc:"A password is stored (it is never shown)"`
	Readable    bool       `json:"readable" doc:"false when the stored credentials no longer open (the platform secret changed): configure again"`
	Delivery    string     `json:"delivery" doc:"Where mail goes: ses, smtp, or outbox (local mode: kept in the local outbox, nothing leaves the machine)"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	UpdatedBy   string     `json:"updated_by,omitempty"`
}

// ViewOf describes settings (nil: none chosen).
func ViewOf(s *Settings, readable bool, p Platform) View {
	v := View{Provider: SES, Configured: true, Readable: readable, From: p.From, Delivery: "ses"}
	if p.Identity == "" {
		v.Delivery = "outbox"
	}
	if s == nil {
		return v
	}
	// Credentials that do not open send nothing: SenderFor refuses them.
	v.Custom, v.Provider, v.Configured = true, s.Provider, readable
	if !s.UpdatedAt.IsZero() {
		at := s.UpdatedAt
		v.UpdatedAt = &at
	}
	v.UpdatedBy = s.UpdatedBy
	c := s.Credentials
	if c.From != "" {
		v.From = c.From
	}
	if s.Provider == SMTP {
		v.Delivery = "smtp"
		v.Host, v.Port, v.Username, v.Security, v.PasswordSet = c.Host, c.Port, c.Username, c.Security, c.Password != ""
	}
	if !readable {
		v.From = ""
	}
	return v
}

// IsLocal reports the local runner (not a Lambda).
func IsLocal() bool { return !inLambda() }

// Addr is host:port.
func Addr(c Credentials) string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func inLambda() bool { return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" }
