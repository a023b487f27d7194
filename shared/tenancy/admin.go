package tenancy

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Plan is a subscription plan of the SaaS. Prices are integer minor units
// of Currency (IRR has none: rials).
type Plan struct {
	ID           string    `dynamo:"id" json:"id"`
	Name         string    `dynamo:"name" json:"name"`
	Features     []string  `dynamo:"features" json:"features"`
	Price        int64     `dynamo:"price" json:"price"`
	Currency     string    `dynamo:"currency" json:"currency"`
	DurationDays int       `dynamo:"duration_days" json:"duration"`
	MaxUsers     int       `dynamo:"max_users" json:"max_users"`
	RateLimit    int       `dynamo:"rate_limit" json:"rate_limit" doc:"General requests per minute per user; 0 = the default"`
	Active       bool      `dynamo:"active" json:"active"`
	CreatedAt    time.Time `dynamo:"created_at" json:"created_at"`
	UpdatedAt    time.Time `dynamo:"updated_at" json:"updated_at"`
}

func planKey(id string) store.Key { return store.Key{PK: "PLAN#" + id, SK: "PLAN"} }

const plansPK = "PLANS"

// SavePlan creates (empty ID) or replaces a plan.
func (c *ControlPlane) SavePlan(ctx context.Context, p *Plan) error {
	f := crm.FieldErrors{}
	if p.Name == "" {
		f.Add("name", "required")
	}
	if p.Price < 0 {
		f.Add("price", "must not be negative")
	}
	if p.DurationDays <= 0 {
		f.Add("duration", "must be a positive number of days")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := time.Now().UTC()
	cond := store.Exists()
	if p.ID == "" {
		p.ID, p.CreatedAt, cond = ids.New(), now, store.NotExists()
	}
	if p.Features == nil {
		p.Features = []string{}
	}
	if p.Currency == "" {
		p.Currency = "IRR"
	}
	p.UpdatedAt = now
	it, err := store.Marshal(planKey(p.ID), p)
	if err != nil {
		return err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(plansPK), store.AV(p.ID)
	if err := c.Table.Put(ctx, it, cond); crm.ErrorCode(err) == crm.ECONFLICT {
		return planNotFound()
	} else if err != nil {
		return err
	}
	return nil
}

func planNotFound() error { return crm.Errorf(crm.ENOTFOUND, "plan not found") }

// PlanByID returns a plan.
func (c *ControlPlane) PlanByID(ctx context.Context, id string) (*Plan, error) {
	it, err := store.GetOr(ctx, c.Table, planKey(id), planNotFound)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := dynamo.UnmarshalItem(it, &p); err != nil {
		return nil, crm.Wrap(err, "unmarshal plan")
	}
	return &p, nil
}

// Plans lists every plan, oldest first.
func (c *ControlPlane) Plans(ctx context.Context) ([]*Plan, error) {
	p, err := c.Table.Query(ctx, store.Query{Index: "GSI1", PK: plansPK, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]*Plan, 0, len(p.Items))
	for _, it := range p.Items {
		var pl Plan
		if err := dynamo.UnmarshalItem(it, &pl); err != nil {
			return nil, crm.Wrap(err, "unmarshal plan")
		}
		out = append(out, &pl)
	}
	return out, nil
}

// PlanInUse reports whether any tenant is on the plan named name: one
// query of the tenants-by-plan index, whatever the number of tenants.
func (c *ControlPlane) PlanInUse(ctx context.Context, name string) (bool, error) {
	p, err := c.Table.Query(ctx, store.Query{Index: "GSI3", PK: tenantPlanPK + planRef(name), Limit: 1})
	if err != nil {
		return false, err
	}
	return len(p.Items) > 0, nil
}

// DeletePlan removes a plan that no tenant is on: ENOTFOUND when there is
// no such plan, ECONFLICT while a tenant uses it (move them to another
// plan first). Tenants name their plan, so the check is by name.
func (c *ControlPlane) DeletePlan(ctx context.Context, id string) (*Plan, error) {
	p, err := c.PlanByID(ctx, id)
	if err != nil {
		return nil, err
	}
	used, err := c.PlanInUse(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if used {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "tenants are on this plan; move them to another plan before deleting it"}
	}
	if err := c.Table.Delete(ctx, planKey(id), store.Exists()); crm.ErrorCode(err) == crm.ECONFLICT {
		return nil, planNotFound()
	} else if err != nil {
		return nil, err
	}
	return p, nil
}

// AuditEntry is one recorded admin action.
type AuditEntry struct {
	ID      string         `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Realm   string         `json:"realm"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	IP      string         `json:"ip"`
	Details map[string]any `json:"details,omitempty"`
}

const auditPK = "AUDIT"

// AuditRetention keeps the admin audit log this long.
const AuditRetention = 2 * 365 * 24 * time.Hour

// Audit records who did what, when and from where.
func (c *ControlPlane) Audit(ctx context.Context, action, target, ip string, details map[string]any) error {
	e := AuditEntry{ID: ids.New(), At: time.Now().UTC(), Action: action, Target: target, IP: ip, Details: details}
	if p := auth.PrincipalFrom(ctx); p != nil {
		e.Actor, e.Realm = p.Subject, string(p.Realm)
	}
	b, _ := json.Marshal(e)
	return c.Table.Put(ctx, store.Item{
		store.PK: store.AV(auditPK), store.SK: store.AV(e.ID), "entry": store.AV(string(b)),
		store.TTL: store.AV(e.At.Add(AuditRetention).Unix()),
	})
}

// AuditLog lists entries newest first.
func (c *ControlPlane) AuditLog(ctx context.Context, limit, offset int, cursor string) ([]AuditEntry, int, string, error) {
	q := store.Query{PK: auditPK, Reverse: true, Limit: limit, Offset: offset, Cursor: cursor}
	p, err := c.Table.Query(ctx, q)
	if err != nil {
		return nil, 0, "", err
	}
	out := make([]AuditEntry, 0, len(p.Items))
	for _, it := range p.Items {
		var e AuditEntry
		if json.Unmarshal([]byte(store.Str(it, "entry")), &e) == nil {
			out = append(out, e)
		}
	}
	cp, err := c.Table.Query(ctx, store.Query{PK: auditPK, CountOnly: true})
	if err != nil {
		return nil, 0, "", err
	}
	return out, cp.Count, p.Cursor, nil
}
