package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// UnsubscribePurpose derives the links' key from the platform key: links
// stay valid as long as it.
const UnsubscribePurpose = "unsubscribe"

// UnsubscribeToken names a tenant's recipient in an unsubscribe link. It
// is signed, so nobody can unsubscribe an address they were not sent,
// and needs no stored state: the link keeps working as long as the key.
func UnsubscribeToken(key []byte, tenant, email string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(tenant + "\x00" + email))
	return payload + "." + sign(key, payload)
}

// ParseUnsubscribeToken returns the tenant and address of a valid token.
func ParseUnsubscribeToken(key []byte, token string) (tenant, email string, ok bool) {
	payload, sig, found := strings.Cut(token, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(sign(key, payload))) {
		return "", "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", "", false
	}
	tenant, email, found = strings.Cut(string(raw), "\x00")
	return tenant, email, found && tenant != "" && email != ""
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// UnsubscribeURL is the link (and the RFC 8058 one-click target) of a
// recipient: base is the API's public URL.
func UnsubscribeURL(base string, key []byte, tenant, email string) string {
	return strings.TrimRight(base, "/") + "/api/email/unsubscribe?token=" + UnsubscribeToken(key, tenant, email)
}
