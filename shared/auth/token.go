package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"payvand.dev/shared/crm"
)

// AccessTTL is the life of an access token.
const (
	AccessTTL  = 15 * time.Minute
	RefreshTTL = 7 * 24 * time.Hour
	issuer     = "payvand"
)

// Cookies that carry an access token (the Rabin SPA's names).
var AccessCookies = map[Realm][]string{
	RealmTenant: {"auth-token", "tenant_token"},
	RealmAdmin:  {"admin_token"},
}

type claims struct {
	jwt.RegisteredClaims
	Realm     Realm    `json:"realm"`
	TenantKey string   `json:"tk,omitempty"`
	TenantID  string   `json:"tid,omitempty"`
	Role      string   `json:"role,omitempty"`
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Modules   []string `json:"mods,omitempty"`
	SessionID string   `json:"sid,omitempty"`
}

// Tokens issues and verifies access JWTs (HS256).
type Tokens struct {
	key KeySource
	now func() time.Time
}

// NewTokens uses key (at least 32 bytes) to sign.
func NewTokens(key []byte) *Tokens { return NewTokensFrom(StaticKey(key)) }

// NewTokensFrom signs with the key of src, fetched when first needed.
func NewTokensFrom(src KeySource) *Tokens { return &Tokens{key: src, now: time.Now} }

// Issue returns a signed access token for p.
func (t *Tokens) Issue(p *Principal) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(AccessTTL)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: p.Subject,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Realm: p.Realm, TenantKey: p.TenantKey, TenantID: p.TenantID, Role: p.Role,
		Name: p.Name, Email: p.Email, Modules: p.Modules, SessionID: p.SessionID,
	}
	key, err := t.key()
	if err != nil {
		return "", time.Time{}, err
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	return s, exp, err
}

// Verify returns the principal of a valid, unexpired token.
func (t *Tokens) Verify(token string) (*Principal, error) {
	var c claims
	var keyErr error
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) {
		k, err := t.key()
		keyErr = err
		return k, err
	},
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(issuer), jwt.WithTimeFunc(t.now), jwt.WithExpirationRequired())
	if keyErr != nil {
		return nil, keyErr
	}
	if err != nil || c.Subject == "" || (c.Realm != RealmAdmin && c.Realm != RealmTenant) {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the access token is invalid or has expired", Key: "token-invalid"}
	}
	return &Principal{Realm: c.Realm, Subject: c.Subject, Name: c.Name, Email: c.Email, TenantKey: c.TenantKey,
		TenantID: c.TenantID, Role: c.Role, Modules: c.Modules, SessionID: c.SessionID}, nil
}

// Authenticate implements the API kernel's Authenticator: a bearer token
// first, else one of the access cookies.
func (t *Tokens) Authenticate(_ context.Context, bearer string, cookies []*http.Cookie) (*Principal, error) {
	if bearer != "" {
		return t.Verify(bearer)
	}
	for _, c := range cookies {
		for _, names := range AccessCookies {
			for _, n := range names {
				if c.Name == n && c.Value != "" {
					if p, err := t.Verify(c.Value); err == nil {
						return p, nil
					}
				}
			}
		}
	}
	return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "authentication is required", Key: "auth-required"}
}
