package tenancy

import (
	"context"
	"slices"
	"sync"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// GateCacheTTL is how long an instance trusts its copy of a tenant's
// status and features, and of a user's status, role and modules: a
// suspension, deactivation or demotion takes effect within it.
const GateCacheTTL = 30 * time.Second

// gateCacheMax bounds each cache; past it the cache starts over (cheaper
// than tracking recency, and a refill costs one read per caller).
const gateCacheMax = 10_000

type cached[T any] struct {
	v  T
	at time.Time
}

// ttlCache keeps values read for GateCacheTTL.
type ttlCache[T any] struct {
	mu sync.Mutex
	m  map[string]cached[T]
}

func (c *ttlCache[T]) get(key string, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.Sub(e.at) >= GateCacheTTL {
		var zero T
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[T]) put(key string, v T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= gateCacheMax {
		c.m = map[string]cached[T]{}
	}
	c.m[key] = cached[T]{v: v, at: now}
}

func (c *ttlCache[T]) forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

func (c *ControlPlane) forget(key string) { c.tenants.forget(key) }

// ForgetUser drops this instance's copy of a user, so a change of their
// status, role or grants takes effect here at once (other instances
// within GateCacheTTL).
func (c *ControlPlane) ForgetUser(tenantKey, userID string) { c.users.forget(tenantKey + "/" + userID) }

// cachedTenant reads a tenant through the per-instance cache. The read is
// not counted as the request's own storage work: it is shared by every
// request of the instance for GateCacheTTL.
func (c *ControlPlane) cachedTenant(ctx context.Context, key string, now time.Time) (*Tenant, error) {
	if t, ok := c.tenants.get(key, now); ok {
		return t, nil
	}
	t, err := c.Tenant(store.WithoutStats(ctx), key)
	if err != nil {
		return nil, err
	}
	c.tenants.put(key, t, now)
	return t, nil
}

func (c *ControlPlane) cachedUser(ctx context.Context, tenantKey, id string, now time.Time) (*users.User, error) {
	key := tenantKey + "/" + id
	if u, ok := c.users.get(key, now); ok {
		return u, nil
	}
	u, err := users.Repo{}.Get(store.WithoutStats(ctx), c.TableFor(tenantKey), id)
	if err != nil {
		return nil, err
	}
	c.users.put(key, u, now)
	return u, nil
}

// Gate lets a tenant user's request through only when the organization is
// active, its subscription has not run out (402 otherwise), the route's
// feature (if any) is on, and the user is still active. It returns the
// principal with the user's current role and modules: a token carries
// those of its issue, up to 15 minutes old, and a demotion must not wait
// for it to expire.
func (c *ControlPlane) Gate(ctx context.Context, p *auth.Principal, feature string) (*auth.Principal, error) {
	if p == nil || p.Realm != auth.RealmTenant {
		return p, nil
	}
	now := time.Now()
	t, err := c.cachedTenant(ctx, p.TenantKey, now)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "the organization no longer exists", Key: "tenant-unknown"}
	}
	if err != nil {
		return nil, err
	}
	switch t.Status {
	case StatusActive:
	case StatusSuspended:
		return nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization's account is suspended; contact support"}
	default:
		return nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization is not active"}
	}
	if t.SubscriptionEnd != nil && t.SubscriptionEnd.Before(now) {
		return nil, &crm.Error{Code: crm.EPAYMENT, Message: "the organization's subscription has expired; renew it to continue"}
	}
	if feature != "" && !slices.Contains(t.Features, feature) {
		return nil, &crm.Error{Code: crm.EFORBIDDEN, Message: "the " + feature + " feature is not enabled for your organization"}
	}
	u, err := c.cachedUser(ctx, p.TenantKey, p.Subject, now)
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && u.Status != users.StatusActive) {
		return nil, &crm.Error{Code: crm.EUNAUTHORIZED, Message: "your account is no longer active", Key: "account-inactive"}
	}
	if err != nil {
		return nil, err
	}
	if p.Scope != nil {
		// An API key: its creator's current modules, within the key's
		// grant, and none of a top role's capabilities.
		fresh := *p
		fresh.Role, fresh.Modules = "api_key", nil
		for _, m := range u.EffectiveModules() {
			if slices.Contains(p.Scope, m) {
				fresh.Modules = append(fresh.Modules, m)
			}
		}
		return &fresh, nil
	}
	if mods := u.EffectiveModules(); u.Role != p.Role || !slices.Equal(mods, p.Modules) {
		fresh := *p
		fresh.Role, fresh.Modules = u.Role, slices.Clone(mods)
		return &fresh, nil
	}
	return p, nil
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
