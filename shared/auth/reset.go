package auth

import (
	"context"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// ResetTTL is how long a password-reset token works.
const ResetTTL = time.Hour

// ResetTokens are single-use password-reset tokens in the control table;
// only their hash is stored.
type ResetTokens struct {
	Table store.Table
	Now   func() time.Time
}

func resetKey(token string) store.Key {
	k := tokenKey(token)
	return store.Key{PK: "RESET#" + k.PK[len("REFRESH#"):], SK: "R"}
}

func (r *ResetTokens) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Issue makes a token for an account.
func (r *ResetTokens) Issue(ctx context.Context, realm Realm, tenant, subject string) (string, error) {
	token := RandomSecret(24)
	it := store.KeyItem(resetKey(token))
	it["realm"], it["tenant"], it["subject"] = store.AV(string(realm)), store.AV(tenant), store.AV(subject)
	it["used"] = store.AV(false)
	it[store.TTL] = store.AV(r.now().Add(ResetTTL).Unix())
	return token, r.Table.Put(ctx, it, store.NotExists())
}

func invalidReset() error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the reset token is invalid or has expired",
		Fields: map[string][]string{"token": {"the reset token is invalid or has expired"}}}
}

// Peek returns the account of a valid unused token.
func (r *ResetTokens) Peek(ctx context.Context, token string) (Session, error) {
	it, err := r.Table.Get(ctx, resetKey(token))
	if err != nil || store.Eq("used", true).Eval(it) {
		return Session{}, invalidReset()
	}
	return Session{Realm: Realm(store.Str(it, "realm")), TenantKey: store.Str(it, "tenant"), Subject: store.Str(it, "subject")}, nil
}

// Consume marks the token used; a second use fails.
func (r *ResetTokens) Consume(ctx context.Context, token string) error {
	_, err := r.Table.Update(ctx, store.Update{Key: resetKey(token), Set: store.Item{"used": store.AV(true)},
		Cond: []store.Cond{store.Exists(), store.Eq("used", false)}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return invalidReset()
	}
	return err
}
