package tenancy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// Keys of the tenant item's indexes.
const (
	tenantsPK    = "TENANTS"     // GSI1: every tenant, by creation
	tenantIDPK   = "TENANTID#"   // GSI2: a tenant by id
	tenantPlanPK = "TENANTPLAN#" // GSI3: the tenants of a plan (by its name, as tenants name it)
)

// planRef is the form a tenant's plan name is indexed in: plans are
// matched by name without case (see adminapi's applyPlan).
func planRef(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// tenantItem is the stored form of a tenant with its index keys.
func tenantItem(t *Tenant) (store.Item, error) {
	it, err := store.Marshal(tenantKey(t.Key), t)
	if err != nil {
		return nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(tenantsPK), store.AV(t.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(tenantIDPK+t.ID), store.AV("T")
	if ref := planRef(t.Plan); ref != "" {
		it["GSI3PK"], it["GSI3SK"] = store.AV(tenantPlanPK+ref), store.AV(t.ID)
	}
	it["search_text"] = store.AV(search.Normalize(t.Key + " " + t.CompanyName + " " + t.AdminEmail))
	return it, nil
}

func unmarshalTenant(it store.Item) (*Tenant, error) {
	var t Tenant
	if err := dynamo.UnmarshalItem(it, &t); err != nil {
		return nil, crm.Wrap(err, "unmarshal tenant")
	}
	if t.Features == nil {
		t.Features = []string{}
	}
	if t.Settings == nil {
		t.Settings = map[string]any{}
	}
	return &t, nil
}

func tenantNotFound() error { return crm.Errorf(crm.ENOTFOUND, "tenant not found") }

// TenantByRef finds a tenant by id (a UUID) or by key.
func (c *ControlPlane) TenantByRef(ctx context.Context, ref string) (*Tenant, error) {
	if !ids.Valid(ref) {
		return c.Tenant(ctx, ref)
	}
	p, err := c.Table.Query(ctx, store.Query{Index: "GSI2", PK: tenantIDPK + ref, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(p.Items) == 0 {
		return nil, tenantNotFound()
	}
	return unmarshalTenant(p.Items[0])
}

// SaveTenant writes a changed tenant; it must exist.
func (c *ControlPlane) SaveTenant(ctx context.Context, t *Tenant) error {
	// Settings are merged key by key: the bound applies to the result.
	if err := crm.CheckFreeForm("settings", t.Settings); err != nil {
		return err
	}
	t.UpdatedAt = time.Now().UTC()
	it, err := tenantItem(t)
	if err != nil {
		return err
	}
	if err := c.Table.Put(ctx, it, store.Exists()); crm.ErrorCode(err) == crm.ECONFLICT {
		return tenantNotFound()
	} else if err != nil {
		return err
	}
	c.forget(t.Key)
	return nil
}

// TenantFilter selects tenants for the admin list.
type TenantFilter struct {
	Status, Plan, Search string
	Limit, Offset        int
	Cursor               string
}

// ListTenants answers from the tenants index, newest first.
func (c *ControlPlane) ListTenants(ctx context.Context, f TenantFilter) ([]*Tenant, int, string, error) {
	var conds []store.Cond
	if f.Status != "" {
		conds = append(conds, store.Eq("status", f.Status))
	}
	if f.Plan != "" {
		conds = append(conds, store.Eq("plan", f.Plan))
	}
	for _, w := range search.Tokens(f.Search) {
		conds = append(conds, store.Contains("search_text", w))
	}
	q := store.Query{Index: "GSI1", PK: tenantsPK, Reverse: true, Filter: conds, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	return store.List(ctx, c.Table, q, unmarshalTenant)
}

// AllTenants lists every tenant (admin statistics; tenants are few).
func (c *ControlPlane) AllTenants(ctx context.Context) ([]*Tenant, error) {
	t, _, _, err := c.ListTenants(ctx, TenantFilter{Limit: 10000})
	return t, err
}

// ForActive runs f on every active tenant (its key and table), going on
// past a tenant's failure: the scheduled jobs' walk. It sums what f
// counted and joins the errors.
func (c *ControlPlane) ForActive(ctx context.Context, f func(key string, t store.Table) (int, error)) (int, error) {
	ts, err := c.AllTenants(ctx)
	if err != nil {
		return 0, err
	}
	total, errs := 0, error(nil)
	for _, t := range ts {
		if t.Status != StatusActive {
			continue
		}
		n, err := f(t.Key, c.TableFor(t.Key))
		total += n
		errs = errors.Join(errs, err)
	}
	return total, errs
}

// SetFeature turns one feature of a tenant on or off.
func (c *ControlPlane) SetFeature(ctx context.Context, t *Tenant, feature string, enabled bool) error {
	has := slices.Contains(t.Features, feature)
	switch {
	case enabled && !has:
		t.Features = append(t.Features, feature)
	case !enabled && has:
		t.Features = slices.DeleteFunc(t.Features, func(f string) bool { return f == feature })
	default:
		return nil
	}
	slices.Sort(t.Features)
	return c.SaveTenant(ctx, t)
}

// DeletionGrace is how long a deactivated tenant's data is kept after a
// hard delete is asked, so that a mistake can still be undone.
const DeletionGrace = 7 * 24 * time.Hour

// ScheduleDeletion marks an inactive tenant for deletion after the grace
// period; EVALIDATION unless it was deactivated first.
func (c *ControlPlane) ScheduleDeletion(ctx context.Context, t *Tenant, now time.Time) error {
	if t.Status != StatusInactive {
		return &crm.Error{Code: crm.EVALIDATION, Message: "deactivate the tenant before deleting it",
			Fields: map[string][]string{"status": {"the tenant must be inactive"}}}
	}
	due := now.Add(DeletionGrace).UTC()
	t.DeleteAfter = &due
	return c.SaveTenant(ctx, t)
}

// PurgeDue drops the tables (and records) of tenants whose deletion is
// due; housekeeping runs it.
func (c *ControlPlane) PurgeDue(ctx context.Context, now time.Time) ([]string, error) {
	all, err := c.AllTenants(ctx)
	if err != nil {
		return nil, err
	}
	var purged []string
	for _, t := range all {
		if t.DeleteAfter == nil || t.DeleteAfter.After(now) || t.Status != StatusInactive {
			continue
		}
		if c.Streams != nil {
			if err := c.Streams.Detach(ctx, t.Table); err != nil {
				return purged, err
			}
		}
		if err := c.DB.DeleteTable(ctx, t.Table); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return purged, err
		}
		if err := c.Table.Delete(ctx, tenantKey(t.Key)); err != nil {
			return purged, err
		}
		c.forget(t.Key)
		purged = append(purged, t.Key)
	}
	return purged, nil
}

// normalizeFeature is the form features are stored in.
func normalizeFeature(f string) string { return strings.ToLower(strings.TrimSpace(f)) }
