package auth

import (
	"sync"

	"payvand.dev/shared/crm"
)

// KeySource yields the server's signing key. On AWS the key lives in
// Secrets Manager and is fetched on first use, not at cold start, so that
// requests that never touch a token (health, 401s) do not wait for it.
type KeySource func() ([]byte, error)

// StaticKey is a key known at start.
func StaticKey(k []byte) KeySource { return func() ([]byte, error) { return k, nil } }

// LazyKey fetches the key once it is first needed; a failed fetch is
// retried by the next request rather than remembered.
func LazyKey(fetch func() ([]byte, error)) KeySource {
	var mu sync.Mutex
	var key []byte
	return func() ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if key != nil {
			return key, nil
		}
		k, err := fetch()
		if err != nil {
			return nil, crm.Wrap(err, "signing key")
		}
		key = k
		return key, nil
	}
}
