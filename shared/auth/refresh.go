package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Session is what a refresh token stands for.
type Session struct {
	Family    string // all tokens rotated from one login
	Realm     Realm
	Subject   string
	TenantKey string
}

// RefreshTokens keeps refresh tokens in the control-plane table. Only a
// hash of each token is stored. Every use rotates the token; using a
// rotated token again revokes its whole family (a stolen token is then
// useless to both the thief and the victim, who must log in again).
type RefreshTokens struct {
	Table store.Table
	Now   func() time.Time
}

func (r *RefreshTokens) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func tokenKey(token string) store.Key {
	h := sha256.Sum256([]byte(token))
	return store.Key{PK: "REFRESH#" + hex.EncodeToString(h[:]), SK: "R"}
}

func familyKey(id string) store.Key { return store.Key{PK: "RFAMILY#" + id, SK: "F"} }

func (r *RefreshTokens) tokenItem(token string, s Session, exp time.Time) store.Item {
	it := store.KeyItem(tokenKey(token))
	it["family"] = store.AV(s.Family)
	it["realm"] = store.AV(string(s.Realm))
	it["subject"] = store.AV(s.Subject)
	it["tenant"] = store.AV(s.TenantKey)
	it["used"] = store.AV(false)
	it[store.TTL] = store.AV(exp.Unix())
	return it
}

func unauthorized() error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the refresh token is invalid or has expired", Key: "token-invalid"}
}

// Start opens a new family for a login and returns its first token.
func (r *RefreshTokens) Start(ctx context.Context, s Session) (string, Session, error) {
	s.Family = ids.New()
	exp := r.now().Add(RefreshTTL)
	token := RandomSecret(32)
	fam := store.KeyItem(familyKey(s.Family))
	fam["subject"] = store.AV(s.Subject)
	fam["GSI1PK"], fam["GSI1SK"] = store.AV(accountFamilies(s.Realm, s.TenantKey, s.Subject)), store.AV(s.Family)
	fam[store.TTL] = store.AV(exp.Add(time.Hour).Unix())
	err := r.Table.TransactWrite(ctx,
		store.PutOp(fam, store.NotExists()),
		store.PutOp(r.tokenItem(token, s, exp), store.NotExists()))
	return token, s, err
}

// Rotate exchanges a refresh token for a new one of the same family.
func (r *RefreshTokens) Rotate(ctx context.Context, token string) (string, Session, error) {
	if token == "" {
		return "", Session{}, unauthorized()
	}
	k := tokenKey(token)
	it, err := store.GetOr(ctx, r.Table, k, unauthorized)
	if err != nil {
		return "", Session{}, err
	}
	s := Session{Family: store.Str(it, "family"), Realm: Realm(store.Str(it, "realm")), Subject: store.Str(it, "subject"), TenantKey: store.Str(it, "tenant")}
	if store.Eq("used", true).Eval(it) {
		r.revokeReused(ctx, s)
		return "", Session{}, unauthorized()
	}
	next := RandomSecret(32)
	// The family's life does not grow with rotation: a login lasts 7 days.
	exp := time.Unix(store.Int(it, store.TTL), 0)
	err = r.Table.TransactWrite(ctx,
		store.UpdateOp(store.Update{Key: k, Set: store.Item{"used": store.AV(true)}, Cond: []store.Cond{store.Eq("used", false)}}),
		store.PutOp(r.tokenItem(next, s, exp), store.NotExists()),
		store.CheckOp(familyKey(s.Family), store.Exists(), store.AttrNotExists("revoked")),
	)
	var te *store.TxError
	if errors.As(err, &te) {
		if te.Index == 0 {
			// Two uses raced: the loser is a reuse.
			r.revokeReused(ctx, s)
		}
		return "", Session{}, unauthorized()
	}
	if err != nil {
		return "", Session{}, err
	}
	return next, s, nil
}

func (r *RefreshTokens) revokeReused(ctx context.Context, s Session) {
	slog.WarnContext(ctx, "refresh token reused; session family revoked", "family", s.Family, "subject", s.Subject, "tenant", s.TenantKey, "realm", s.Realm)
	r.RevokeFamily(ctx, s.Family)
}

// RevokeFamily ends every token of a family (logout, reuse).
func (r *RefreshTokens) RevokeFamily(ctx context.Context, family string) error {
	if family == "" {
		return nil
	}
	_, err := r.Table.Update(ctx, store.Update{Key: familyKey(family), Set: store.Item{"revoked": store.AV(true)}, Cond: []store.Cond{store.Exists()}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil
	}
	return err
}

func accountFamilies(realm Realm, tenant, subject string) string {
	return "RFAMILIES#" + string(realm) + "#" + tenant + "#" + subject
}

// RevokeAll ends every session of an account (password reset, disabled
// account).
func (r *RefreshTokens) RevokeAll(ctx context.Context, realm Realm, tenant, subject string) error {
	p, err := r.Table.Query(ctx, store.Query{Index: "GSI1", PK: accountFamilies(realm, tenant, subject), Limit: 1000})
	if err != nil {
		return err
	}
	for _, it := range p.Items {
		if err := r.RevokeFamily(ctx, strings.TrimPrefix(store.Str(it, store.PK), "RFAMILY#")); err != nil {
			return err
		}
	}
	return nil
}

// Revoke ends the family of a token, if the token is known.
func (r *RefreshTokens) Revoke(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	it, err := r.Table.Get(ctx, tokenKey(token))
	if err != nil {
		return nil
	}
	return r.RevokeFamily(ctx, store.Str(it, "family"))
}
