package tenancy

import (
	"context"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// NewTenant is what provisioning needs.
type NewTenant struct {
	Key           string
	CompanyName   string
	Plan          string
	MaxUsers      int
	AdminName     string
	AdminEmail    string
	AdminPassword string
	// AdminPasswordHash, when set, is used instead of AdminPassword.
	AdminPasswordHash string
	AdminLocale       string
	SubscriptionEnd   *time.Time
}

// DefaultFeatures are on for a new tenant.
var DefaultFeatures = []string{"customers", "contacts", "products", "sales", "tasks", "documents", "reports", "email", "sms"}

// Provision registers a tenant, creates its table and its first user (role
// CEO). The tenant record is written first with status provisioning, so a
// taken key fails before any table is made and a crash leaves a visible
// half-provisioned tenant rather than an orphan table.
func (c *ControlPlane) Provision(ctx context.Context, n NewTenant) (*Tenant, *users.User, error) {
	f := crm.FieldErrors{}
	if !ValidTenantKey(n.Key) {
		f.Add("tenant_key", "use 3-40 lowercase letters, digits or dashes")
	}
	if n.CompanyName == "" {
		f.Add("company_name", "required")
	}
	if len(n.AdminPassword) < 8 && n.AdminPasswordHash == "" {
		f.Add("password", "use at least 8 characters")
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	if n.Plan == "" {
		n.Plan = "basic"
	}
	if n.MaxUsers == 0 {
		n.MaxUsers = 10
	}
	now := time.Now().UTC()
	t := &Tenant{ID: ids.New(), Key: n.Key, CompanyName: n.CompanyName, Status: StatusProvisioning, Plan: n.Plan,
		Table: c.TablePrefix + n.Key, Features: DefaultFeatures, MaxUsers: n.MaxUsers, CreatedAt: now, UpdatedAt: now,
		SubscriptionEnd: n.SubscriptionEnd}
	it, err := tenantItem(t)
	if err != nil {
		return nil, nil, err
	}
	if err := c.Table.Put(ctx, it, store.NotExists()); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil, nil, &crm.Error{Code: crm.ECONFLICT, Message: "the tenant key is taken", Fields: map[string][]string{"tenant_key": {"the tenant key is taken"}}}
		}
		return nil, nil, err
	}
	u, err := c.provisionRest(ctx, n, t)
	if err != nil {
		// Undo what was made so the key can be used again; best effort.
		if c.Streams != nil {
			c.Streams.Detach(ctx, t.Table)
		}
		c.DB.DeleteTable(ctx, t.Table)
		c.Table.Delete(ctx, tenantKey(n.Key))
		return nil, nil, err
	}
	t.Status = StatusActive
	return t, u, nil
}

func (c *ControlPlane) provisionRest(ctx context.Context, n NewTenant, t *Tenant) (*users.User, error) {
	if err := c.DB.CreateTable(ctx, t.Table); err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
		return nil, crm.Wrap(err, "create tenant table")
	}
	if c.Streams != nil {
		if err := c.Streams.Attach(ctx, t.Table); err != nil {
			return nil, crm.Wrap(err, "connect the tenant table to the event relay")
		}
	}
	hash := n.AdminPasswordHash
	if hash == "" {
		var err error
		if hash, err = auth.HashPassword(n.AdminPassword); err != nil {
			return nil, err
		}
	}
	locale := n.AdminLocale
	if locale != "en" {
		locale = "fa"
	}
	u := &users.User{Name: n.AdminName, Email: n.AdminEmail, Role: "ceo", PasswordHash: hash, Locale: locale, Timezone: "Asia/Tehran"}
	if err := (users.Repo{}).Create(ctx, c.TableFor(n.Key), u, 0); err != nil {
		return nil, err
	}
	if err := c.IndexLogin(ctx, u.Email, n.Key, u.ID); err != nil {
		return nil, err
	}
	if _, err := c.Table.Update(ctx, updateStatus(n.Key, StatusActive)); err != nil {
		return nil, err
	}
	return u, nil
}
