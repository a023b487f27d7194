// Package tenancy is the control plane: tenants, SaaS admins, the login
// index (email → tenants), provisioning of tenant tables, and finding the
// caller's tenant table from the verified principal.
package tenancy

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// Tenant statuses.
const (
	StatusProvisioning = "provisioning"
	StatusActive       = "active"
	StatusSuspended    = "suspended"
	StatusInactive     = "inactive"
)

// Tenant is one customer organization of the SaaS.
type Tenant struct {
	ID          string   `dynamo:"id" json:"id"`
	Key         string   `dynamo:"tenant_key" json:"tenant_key"`
	CompanyName string   `dynamo:"company_name" json:"company_name"`
	Status      string   `dynamo:"status" json:"status"`
	Plan        string   `dynamo:"plan" json:"plan"`
	Table       string   `dynamo:"table_name" json:"-"`
	Features    []string `dynamo:"features" json:"features"`
	MaxUsers    int      `dynamo:"max_users" json:"max_users"`
	RateLimit   int      `dynamo:"rate_limit" json:"rate_limit"` // from the plan; 0 = default
	// SubscriptionEnd is when the plan runs out (nil: no end).
	SubscriptionEnd *time.Time     `dynamo:"subscription_end" json:"subscription_end"`
	Settings        map[string]any `dynamo:"settings" json:"settings"`
	AdminEmail      string         `dynamo:"admin_email" json:"admin_email"`
	// DeleteAfter is when a deactivated tenant's table is dropped.
	DeleteAfter *time.Time `dynamo:"delete_after" json:"delete_after,omitempty"`
	CreatedAt   time.Time  `dynamo:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `dynamo:"updated_at" json:"updated_at"`
}

// Admin is a SaaS operator account.
type Admin struct {
	ID           string    `dynamo:"id" json:"id"`
	Username     string    `dynamo:"username" json:"username"`
	Name         string    `dynamo:"name" json:"name"`
	Email        string    `dynamo:"email" json:"email"`
	PasswordHash string    `dynamo:"password_hash" json:"-"`
	CreatedAt    time.Time `dynamo:"created_at" json:"created_at"`
}

// Key builders of the control-plane table.
func tenantKey(key string) store.Key { return store.Key{PK: "TENANT#" + key, SK: "TENANT"} }
func adminKey(username string) store.Key {
	return store.Key{PK: "ADMIN#" + strings.ToLower(username), SK: "ADMIN"}
}
func loginKey(email, tenant string) store.Key {
	return store.Key{PK: "LOGIN#" + strings.ToLower(email), SK: "TENANT#" + tenant}
}

// Compiled on first use: package init is part of every cold start.
var validKey = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`) })

// ValidTenantKey reports whether key can name a tenant (and its table).
func ValidTenantKey(key string) bool { return validKey().MatchString(key) }

// StreamWiring attaches and detaches a tenant table's stream (DESIGN §7).
type StreamWiring interface {
	Attach(ctx context.Context, table string) error
	Detach(ctx context.Context, table string) error
}

// ControlPlane reads and writes the control-plane table.
type ControlPlane struct {
	DB          store.DB
	Table       store.Table
	TablePrefix string // tenant tables are named TablePrefix + tenant key
	// Streams connects a new tenant table's stream to the event relay and
	// disconnects it before the table is purged; nil where no relay reads
	// streams (the local runner's relay runs in-process).
	Streams StreamWiring

	tenants ttlCache[*Tenant]     // for Gate, by tenant key
	users   ttlCache[*users.User] // for Gate, by tenant key + user id
}

// Tenant returns a tenant by key; ENOTFOUND when unknown.
func (c *ControlPlane) Tenant(ctx context.Context, key string) (*Tenant, error) {
	if !ValidTenantKey(key) {
		return nil, tenantNotFound()
	}
	it, err := store.GetOr(ctx, c.Table, tenantKey(key), tenantNotFound)
	if err != nil {
		return nil, err
	}
	return unmarshalTenant(it)
}

// Admin returns a SaaS admin by username.
func (c *ControlPlane) Admin(ctx context.Context, username string) (*Admin, error) {
	it, err := c.Table.Get(ctx, adminKey(username))
	if err != nil {
		return nil, err
	}
	var a Admin
	if err := dynamo.UnmarshalItem(it, &a); err != nil {
		return nil, crm.Wrap(err, "unmarshal admin")
	}
	return &a, nil
}

// PutAdmin creates a SaaS admin; ECONFLICT when the username is taken.
func (c *ControlPlane) PutAdmin(ctx context.Context, a *Admin) error {
	it, err := store.Marshal(adminKey(a.Username), a)
	if err != nil {
		return err
	}
	if err := c.Table.Put(ctx, it, store.NotExists()); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return crm.Errorf(crm.ECONFLICT, "admin %q already exists", a.Username)
		}
		return err
	}
	return nil
}

// SetAdminPassword replaces a SaaS admin's password hash.
func (c *ControlPlane) SetAdminPassword(ctx context.Context, username, hash string) error {
	_, err := c.Table.Update(ctx, store.Update{Key: adminKey(username), Set: store.Item{"password_hash": store.AV(hash)}, Cond: []store.Cond{store.Exists()}})
	return err
}

// TenantsForEmail lists the tenant keys where an email has an account
// (IshYar's login sends only email and password).
func (c *ControlPlane) TenantsForEmail(ctx context.Context, email string) ([]string, error) {
	p, err := c.Table.Query(ctx, store.Query{PK: loginKey(email, "").PK, SK: store.SKPrefix("TENANT#"), Limit: 50})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, strings.TrimPrefix(store.Str(it, store.SK), "TENANT#"))
	}
	return out, nil
}

// LoginIndexOp is the write that records email → tenant; user creation
// puts it in the control plane next to the tenant-table transaction.
func (c *ControlPlane) IndexLogin(ctx context.Context, email, tenant, userID string) error {
	it := store.KeyItem(loginKey(email, tenant))
	it["user_id"] = store.AV(userID)
	return c.Table.Put(ctx, it)
}

// UnindexLogin removes email → tenant.
func (c *ControlPlane) UnindexLogin(ctx context.Context, email, tenant string) error {
	return c.Table.Delete(ctx, loginKey(email, tenant))
}

// TableFor returns the table of a tenant key.
func (c *ControlPlane) TableFor(key string) store.Table { return c.DB.Table(c.TablePrefix + key) }

// TenantTable returns the table of the caller's tenant. The tenant comes
// only from the verified principal in ctx, never from request input.
func (c *ControlPlane) TenantTable(ctx context.Context) (store.Table, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil || p.Realm != auth.RealmTenant || !ValidTenantKey(p.TenantKey) {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "authentication is required", Key: "auth-required"}
	}
	return c.TableFor(p.TenantKey), nil
}
