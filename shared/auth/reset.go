package auth

import (
	"context"
	"errors"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// ResetTTL is how long a password-reset token works.
const ResetTTL = time.Hour

// InvitationTTL is how long an invitation's set-password link works.
const InvitationTTL = 72 * time.Hour

// Purpose is what a one-time password token is for, with its lifetime.
// Tokens of every purpose set a password the same way; an account has at
// most one live token per purpose.
type Purpose struct {
	Name string
	TTL  time.Duration
}

var (
	// PasswordReset is the forgot-password token.
	PasswordReset = Purpose{Name: "reset", TTL: ResetTTL}
	// Invitation is the set-password link of a new account.
	Invitation = Purpose{Name: "invitation", TTL: InvitationTTL}
)

var purposes = []Purpose{PasswordReset, Invitation}

// ResetTokens are single-use tokens that set an account's password
// (password resets and invitations) in the control table; only their hash
// is stored. A pointer per account and purpose names the newest token, so
// issuing a token invalidates the one issued before it.
type ResetTokens struct {
	Table store.Table
	Now   func() time.Time
}

func resetKey(token string) store.Key {
	k := tokenKey(token)
	return store.Key{PK: "RESET#" + k.PK[len("REFRESH#"):], SK: "R"}
}

// tokenHash is the stored name of a token (never the token itself).
func tokenHash(token string) string { return resetKey(token).PK[len("RESET#"):] }

// currentKey names the newest token of an account for one purpose.
func currentKey(p string, realm Realm, tenant, subject string) store.Key {
	return store.Key{PK: "RESETFOR#" + p + "#" + string(realm) + "#" + tenant + "#" + subject, SK: "C"}
}

func (r *ResetTokens) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Issue makes a token of a purpose for an account; the account's earlier
// token of that purpose stops working.
func (r *ResetTokens) Issue(ctx context.Context, p Purpose, realm Realm, tenant, subject string) (string, error) {
	token := RandomSecret(24)
	exp := store.AV(r.now().Add(p.TTL).Unix())
	it := store.KeyItem(resetKey(token))
	it["realm"], it["tenant"], it["subject"] = store.AV(string(realm)), store.AV(tenant), store.AV(subject)
	it["purpose"], it["used"], it[store.TTL] = store.AV(p.Name), store.AV(false), exp
	cur := store.KeyItem(currentKey(p.Name, realm, tenant, subject))
	cur["token"], cur[store.TTL] = store.AV(tokenHash(token)), exp
	return token, r.Table.TransactWrite(ctx, store.PutOp(it, store.NotExists()), store.PutOp(cur))
}

func invalidReset() error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the reset token is invalid or has expired",
		Fields: map[string][]string{"token": {"the reset token is invalid or has expired"}}}
}

// grant is a stored token: its account and purpose.
type grant struct {
	Session
	purpose string
}

func (r *ResetTokens) lookup(ctx context.Context, token string) (grant, error) {
	if token == "" {
		return grant{}, invalidReset()
	}
	it, err := r.Table.Get(ctx, resetKey(token)) // an expired token is not found
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && store.Eq("used", true).Eval(it)) {
		return grant{}, invalidReset()
	}
	if err != nil {
		return grant{}, err
	}
	g := grant{Session: Session{Realm: Realm(store.Str(it, "realm")), TenantKey: store.Str(it, "tenant"), Subject: store.Str(it, "subject")},
		purpose: store.Str(it, "purpose")}
	if g.purpose == "" {
		g.purpose = PasswordReset.Name
	}
	return g, nil
}

// Peek returns the account of a valid unused token that is the newest of
// its purpose.
func (r *ResetTokens) Peek(ctx context.Context, token string) (Session, error) {
	g, err := r.lookup(ctx, token)
	if err != nil {
		return Session{}, err
	}
	cur, err := r.Table.Get(ctx, currentKey(g.purpose, g.Realm, g.TenantKey, g.Subject))
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && store.Str(cur, "token") != tokenHash(token)) {
		return Session{}, invalidReset()
	}
	if err != nil {
		return Session{}, err
	}
	return g.Session, nil
}

// Consume marks the token used; a second use, or the use of a token that
// a newer one replaced, fails.
func (r *ResetTokens) Consume(ctx context.Context, token string) error {
	g, err := r.lookup(ctx, token)
	if err != nil {
		return err
	}
	err = r.Table.TransactWrite(ctx,
		store.UpdateOp(store.Update{Key: resetKey(token), Set: store.Item{"used": store.AV(true)},
			Cond: []store.Cond{store.Exists(), store.Eq("used", false)}}),
		store.DeleteOp(currentKey(g.purpose, g.Realm, g.TenantKey, g.Subject), store.Eq("token", tokenHash(token))))
	var te *store.TxError
	if errors.As(err, &te) || crm.ErrorCode(err) == crm.ECONFLICT {
		return invalidReset()
	}
	return err
}

// Forget ends every outstanding token of an account, whatever its purpose
// (its password was just set: an older reset or invitation link must not
// set it again).
func (r *ResetTokens) Forget(ctx context.Context, realm Realm, tenant, subject string) error {
	for _, p := range purposes {
		if err := r.Table.Delete(ctx, currentKey(p.Name, realm, tenant, subject)); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return err
		}
	}
	return nil
}
