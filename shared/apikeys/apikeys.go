// Package apikeys issues and verifies API keys (DESIGN §7): a key begins
// with pvk_, names its tenant, is shown once and stored only as its
// SHA-256, and carries the modules it was granted — never more than its
// creator has. It is sent as Authorization: Bearer <key>.
package apikeys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

// Prefix begins every key.
const Prefix = "pvk_"

// Key is an API key's record (never its secret).
type Key struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hint      string     `json:"hint" doc:"the key's first characters, to recognize it"`
	Modules   []string   `json:"modules"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	// LastUsedAt is when the key last authenticated a request, to the
	// minute (kept beside the record, not in it).
	LastUsedAt *time.Time `json:"last_used_at"`
}

// lastUsedAttr holds the epoch second a key last authenticated a request.
const lastUsedAttr = "last_used"

// usedEvery is how stale last_used_at may be: at most one write a minute
// per key, however many requests it makes.
const usedEvery = time.Minute

func hashKey(key string) store.Key {
	sum := sha256.Sum256([]byte(key))
	return store.Key{PK: "APIKEY#" + hex.EncodeToString(sum[:]), SK: "K"}
}

func notFound() error { return crm.Errorf(crm.ENOTFOUND, "API key not found") }

// Create issues a key for the caller with modules (each one the caller
// has) and returns it with its plain value, shown this once.
func Create(ctx context.Context, t store.Table, p *auth.Principal, name string, modules []string, expires *time.Time) (*Key, string, error) {
	f := crm.FieldErrors{}
	if strings.TrimSpace(name) == "" {
		f.Add("name", "required")
	}
	if len(modules) == 0 {
		f.Add("modules", "grant at least one module")
	}
	for _, m := range modules {
		if !p.HasModule(m) {
			f.Add("modules", "you do not have the "+m+" module, so a key of yours cannot")
		}
	}
	if expires != nil && expires.Before(time.Now()) {
		f.Add("expires_at", "must be in the future")
	}
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	plain := Prefix + p.TenantKey + "." + base64.RawURLEncoding.EncodeToString(secret)
	k := &Key{ID: ids.New(), Name: strings.TrimSpace(name), Hint: plain[:len(Prefix)+len(p.TenantKey)+5], Modules: slices.Compact(slices.Sorted(slices.Values(modules))),
		CreatedBy: p.Subject, CreatedAt: time.Now().UTC(), ExpiresAt: expires}
	b, _ := json.Marshal(k)
	it := store.KeyItem(hashKey(plain))
	it["key"] = store.AV(string(b))
	it["GSI1PK"], it["GSI1SK"] = store.AV("APIKEYS"), store.AV(k.ID)
	if expires != nil {
		it[store.TTL] = store.AV(expires.Unix())
	}
	err := t.TransactWrite(ctx, store.PutOp(it, store.NotExists()), outbox.Op(ctx, "api_key.created", map[string]any{"key_id": k.ID, "name": k.Name, "modules": k.Modules}))
	return k, plain, err
}

// List returns the tenant's keys (one Query of their index).
func List(ctx context.Context, t store.Table) ([]Key, error) {
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "APIKEYS", Limit: 100})
	if err != nil {
		return nil, err
	}
	out := make([]Key, 0, len(p.Items))
	for _, it := range p.Items {
		var k Key
		if json.Unmarshal([]byte(store.Str(it, "key")), &k) == nil {
			if n := store.Int(it, lastUsedAttr); n > 0 {
				at := time.Unix(n, 0).UTC()
				k.LastUsedAt = &at
			}
			out = append(out, k)
		}
	}
	return out, nil
}

// Revoke deletes a key by id; ENOTFOUND.
func Revoke(ctx context.Context, t store.Table, id string) error {
	if !ids.Valid(id) {
		return notFound()
	}
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: "APIKEYS", SK: store.SKEquals(id)})
	if err != nil {
		return err
	}
	if len(p.Items) == 0 {
		return notFound()
	}
	return t.TransactWrite(ctx, store.DeleteOp(store.KeyOf(p.Items[0])), outbox.Op(ctx, "api_key.revoked", map[string]any{"key_id": id}))
}

// Tables opens a tenant's table.
type Tables interface {
	TableFor(key string) store.Table
}

// Authenticator accepts pvk_ keys and hands every other credential to
// Next (the access-token verifier).
type Authenticator struct {
	Next interface {
		Authenticate(ctx context.Context, bearer string, cookies []*http.Cookie) (*auth.Principal, error)
	}
	Tables Tables
}

func unauthorized() error {
	return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the API key is not valid"}
}

// Authenticate verifies a key: one GetItem in its tenant's table.
func (a Authenticator) Authenticate(ctx context.Context, bearer string, cookies []*http.Cookie) (*auth.Principal, error) {
	if !strings.HasPrefix(bearer, Prefix) {
		return a.Next.Authenticate(ctx, bearer, cookies)
	}
	tenant, _, ok := strings.Cut(strings.TrimPrefix(bearer, Prefix), ".")
	if !ok || !tenancy.ValidTenantKey(tenant) || len(bearer) > 200 {
		return nil, unauthorized()
	}
	t := a.Tables.TableFor(tenant)
	it, err := t.Get(ctx, hashKey(bearer))
	if err != nil {
		return nil, unauthorized()
	}
	var k Key
	now := time.Now()
	if json.Unmarshal([]byte(store.Str(it, "key")), &k) != nil || (k.ExpiresAt != nil && k.ExpiresAt.Before(now)) {
		return nil, unauthorized()
	}
	if now.Unix()-store.Int(it, lastUsedAttr) >= int64(usedEvery/time.Second) {
		// Best effort, and not the request's own storage work: a failed
		// stamp must not refuse a valid key.
		t.Update(store.WithoutStats(ctx), store.Update{Key: hashKey(bearer), Set: store.Item{lastUsedAttr: store.AV(now.Unix())}, Cond: []store.Cond{store.Exists()}})
	}
	return &auth.Principal{Realm: auth.RealmTenant, Subject: k.CreatedBy, TenantKey: tenant, Role: "api_key",
		Modules: slices.Clone(k.Modules), Scope: slices.Clone(k.Modules), SessionID: "apikey:" + k.ID}, nil
}
