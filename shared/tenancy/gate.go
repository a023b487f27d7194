package tenancy

import (
	"context"
	"slices"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// GateCacheTTL is how long an instance trusts its copy of a tenant's
// status and features; a suspension takes effect within it.
const GateCacheTTL = 30 * time.Second

type cachedTenant struct {
	t  *Tenant
	at time.Time
}

func (c *ControlPlane) forget(key string) {
	c.mu.Lock()
	delete(c.cache, key)
	c.mu.Unlock()
}

// cachedTenant reads a tenant through the per-instance cache. The read is
// not counted as the request's own storage work: it is shared by every
// request of the instance for GateCacheTTL.
func (c *ControlPlane) cachedTenant(ctx context.Context, key string, now time.Time) (*Tenant, error) {
	c.mu.Lock()
	if e, ok := c.cache[key]; ok && now.Sub(e.at) < GateCacheTTL {
		c.mu.Unlock()
		return e.t, nil
	}
	c.mu.Unlock()
	t, err := c.Tenant(store.WithoutStats(ctx), key)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]cachedTenant{}
	}
	c.cache[key] = cachedTenant{t: t, at: now}
	c.mu.Unlock()
	return t, nil
}

// Gate lets a tenant user's request through only when the organization is
// active, its subscription has not run out (402 otherwise) and, when the
// route belongs to a feature, that feature is on.
func (c *ControlPlane) Gate(ctx context.Context, p *auth.Principal, feature string) error {
	if p == nil || p.Realm != auth.RealmTenant {
		return nil
	}
	now := time.Now()
	t, err := c.cachedTenant(ctx, p.TenantKey, now)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the organization no longer exists", Key: "tenant-unknown"}
	}
	if err != nil {
		return err
	}
	switch t.Status {
	case StatusActive:
	case StatusSuspended:
		return &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization's account is suspended; contact support"}
	default:
		return &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization is not active"}
	}
	if t.SubscriptionEnd != nil && t.SubscriptionEnd.Before(now) {
		return &crm.Error{Code: crm.EPAYMENT, Message: "the organization's subscription has expired; renew it to continue"}
	}
	if feature != "" && !slices.Contains(t.Features, feature) {
		return &crm.Error{Code: crm.EFORBIDDEN, Message: "the " + feature + " feature is not enabled for your organization"}
	}
	return nil
}

// PlanLimit is the general rate limit of the caller's plan (0 = default).
func (c *ControlPlane) PlanLimit(ctx context.Context, p *auth.Principal) int {
	if p == nil || p.Realm != auth.RealmTenant {
		return 0
	}
	t, err := c.cachedTenant(ctx, p.TenantKey, time.Now())
	if err != nil {
		return 0
	}
	return t.RateLimit
}
