package auth

import (
	"crypto/hmac"
	"crypto/sha256"
)

// Derive returns a key for another purpose (the Pusher channel secret)
// made from the signing key, so every function that can verify tokens
// agrees on it without a second secret to provision.
func (t *Tokens) Derive(purpose string) ([]byte, error) {
	k, err := t.key()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("payvand/" + purpose))
	return m.Sum(nil), nil
}
