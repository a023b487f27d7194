package adminapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"payvand.dev/functions/internal/invitation"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

// TenantListInput filters the tenants list.
type TenantListInput struct {
	httpapi.ListParams
	Status string `query:"status" enum:"active,suspended,inactive,provisioning," doc:"Also as filter[status]."`
	Plan   string `query:"plan"`
}

// CreateTenantInput is Rabin's tenant creation.
type CreateTenantInput struct {
	client
	Body struct {
		CompanyName      string `json:"company_name" minLength:"1" maxLength:"200"`
		TenantKey        string `json:"tenant_key" minLength:"3" maxLength:"40"`
		AdminName        string `json:"admin_name" minLength:"1" maxLength:"200"`
		AdminEmail       string `json:"admin_email" maxLength:"254" doc:"The CEO's email. It receives an invitation with a single-use link, valid 72 hours, to choose a password (${AppURL}/accept-invitation?token=…&tenant=<key>&email=…, redeemed at POST /api/auth/accept-invitation); no password is sent, and the CEO cannot log in before using the link (or forgot-password)."`
		AdminPhone       string `json:"admin_phone,omitempty" maxLength:"30"`
		SubscriptionPlan string `json:"subscription_plan,omitempty" maxLength:"100" doc:"A plan's id or name"`
		MaxUsers         int    `json:"max_users,omitempty" minimum:"1" maximum:"100000"`
		Locale           string `json:"locale,omitempty" enum:"fa,en"`
	}
}

// TenantRef addresses one tenant by id or key.
type TenantRef struct {
	client
	ID string `path:"id"`
}

// UpdateTenantInput changes a tenant.
type UpdateTenantInput struct {
	TenantRef
	Body struct {
		CompanyName *string           `json:"company_name,omitempty" minLength:"1" maxLength:"200"`
		AdminEmail  *string           `json:"admin_email,omitempty" maxLength:"254"`
		MaxUsers    *int              `json:"max_users,omitempty" minimum:"1" maximum:"100000"`
		Settings    *httpapi.FreeForm `json:"settings,omitempty"`
	}
}

// SubscriptionInput changes a subscription.
type SubscriptionInput struct {
	TenantRef
	Body struct {
		Status  string `json:"status,omitempty" enum:"active,suspended,inactive,expired,"`
		Plan    string `json:"plan,omitempty" maxLength:"100"`
		EndDate string `json:"end_date,omitempty" doc:"YYYY-MM-DD or RFC 3339; empty string keeps it"`
	}
}

// FeatureInput toggles one feature.
type FeatureInput struct {
	TenantRef
	Body struct {
		FeatureName string `json:"feature_name" minLength:"1" maxLength:"50"`
		Enabled     bool   `json:"enabled"`
	}
}

func registerTenants(s *httpapi.Server, d Deps, route func(method, path, id, summary string) httpapi.Route) {
	httpapi.Register(s, route(http.MethodGet, "/api/admin/tenants", "tenants-list", "List tenants (status, plan, search; page or cursor)"),
		func(ctx context.Context, in *TenantListInput) (*httpapi.ListBody[TenantView], error) {
			cursor, offset, err := s.Cursors.Window(ctx, "tenants", &in.ListParams)
			if err != nil {
				return nil, err
			}
			f := tenancy.TenantFilter{Status: in.Filter("status"), Plan: in.Filter("plan"), Search: in.Search, Limit: in.Size(), Cursor: cursor, Offset: offset}
			ts, total, next, err := d.Control.ListTenants(ctx, f)
			if err != nil {
				return nil, err
			}
			views := make([]TenantView, len(ts))
			for i, t := range ts {
				views[i] = d.view(ctx, t)
			}
			return httpapi.SealedList(ctx, s.Cursors, "tenants", &in.ListParams, views, total, next)
		})

	create := route(http.MethodPost, "/api/admin/tenants", "tenants-create", "Create a tenant: its table, its admin user and an invitation email")
	create.Status = http.StatusCreated
	httpapi.Register(s, create, func(ctx context.Context, in *CreateTenantInput) (*httpapi.Body[TenantView], error) {
		t, err := d.createTenant(ctx, in)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(d.view(ctx, t), "tenant created; the invitation is on its way"), nil
	})

	httpapi.Register(s, route(http.MethodGet, "/api/admin/tenants/{id}", "tenants-get", "A tenant with its user count"),
		func(ctx context.Context, in *TenantRef) (*httpapi.Body[TenantView], error) {
			t, err := d.Control.TenantByRef(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			v := d.view(ctx, t)
			if p, err := d.Control.TableFor(t.Key).Query(ctx, store.Query{Index: "GSI1", PK: "USERS", CountOnly: true}); err == nil {
				v.CurrentUsers = &p.Count
			}
			return httpapi.OK(v, ""), nil
		})

	httpapi.Register(s, route(http.MethodPut, "/api/admin/tenants/{id}", "tenants-update", "Update a tenant"),
		func(ctx context.Context, in *UpdateTenantInput) (*httpapi.Body[TenantView], error) {
			t, err := d.Control.TenantByRef(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			b := in.Body
			if b.CompanyName != nil {
				t.CompanyName = strings.TrimSpace(*b.CompanyName)
			}
			if b.AdminEmail != nil {
				t.AdminEmail = strings.ToLower(strings.TrimSpace(*b.AdminEmail))
			}
			if b.MaxUsers != nil {
				t.MaxUsers = *b.MaxUsers
			}
			if b.Settings != nil {
				t.Settings = map[string]any(*b.Settings)
			}
			if err := d.save(ctx, in.ip, "tenant.update", t, map[string]any{"changes": b}); err != nil {
				return nil, err
			}
			return httpapi.OK(d.view(ctx, t), "tenant updated"), nil
		})

	httpapi.Register(s, route(http.MethodDelete, "/api/admin/tenants/{id}", "tenants-delete",
		"Deactivate a tenant; on an inactive tenant, schedule its data for deletion after the grace period"),
		func(ctx context.Context, in *TenantRef) (*httpapi.Body[TenantView], error) {
			t, err := d.Control.TenantByRef(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if t.Status != tenancy.StatusInactive {
				t.Status = tenancy.StatusInactive
				if err := d.save(ctx, in.ip, "tenant.deactivate", t, nil); err != nil {
					return nil, err
				}
				return httpapi.OK(d.view(ctx, t), "tenant deactivated; delete again to remove its data"), nil
			}
			if err := d.Control.ScheduleDeletion(ctx, t, d.now()); err != nil {
				return nil, err
			}
			d.Control.Audit(ctx, "tenant.schedule-deletion", t.Key, in.ip, map[string]any{"delete_after": t.DeleteAfter})
			return httpapi.OK(d.view(ctx, t), "tenant data will be deleted on "+t.DeleteAfter.Format(time.DateOnly)), nil
		})

	httpapi.Register(s, route(http.MethodPatch, "/api/admin/tenants/{id}/subscription", "tenants-subscription", "Change a tenant's subscription status, plan or end date"),
		func(ctx context.Context, in *SubscriptionInput) (*httpapi.Body[TenantView], error) {
			t, err := d.Control.TenantByRef(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if err := d.applySubscription(ctx, t, in); err != nil {
				return nil, err
			}
			if err := d.save(ctx, in.ip, "tenant.subscription", t, map[string]any{"status": in.Body.Status, "plan": in.Body.Plan, "end_date": in.Body.EndDate}); err != nil {
				return nil, err
			}
			return httpapi.OK(d.view(ctx, t), "subscription updated"), nil
		})

	httpapi.Register(s, route(http.MethodPost, "/api/admin/tenants/{id}/features", "tenants-features", "Turn a tenant feature on or off"),
		func(ctx context.Context, in *FeatureInput) (*httpapi.Body[map[string]any], error) {
			t, err := d.Control.TenantByRef(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			feature := strings.ToLower(strings.TrimSpace(in.Body.FeatureName))
			if err := d.Control.SetFeature(ctx, t, feature, in.Body.Enabled); err != nil {
				return nil, err
			}
			d.Control.Audit(ctx, "tenant.feature", t.Key, in.ip, map[string]any{"feature": feature, "enabled": in.Body.Enabled})
			return httpapi.OK(map[string]any{"features": t.Features}, "features updated"), nil
		})
}

// save writes a tenant and records the action.
func (d Deps) save(ctx context.Context, ip, action string, t *tenancy.Tenant, details map[string]any) error {
	if err := d.Control.SaveTenant(ctx, t); err != nil {
		return err
	}
	return d.Control.Audit(ctx, action, t.Key, ip, details)
}

func (d Deps) applySubscription(ctx context.Context, t *tenancy.Tenant, in *SubscriptionInput) error {
	b := in.Body
	if b.Plan != "" {
		if err := d.applyPlan(ctx, t, b.Plan, b.EndDate == ""); err != nil {
			return err
		}
	}
	if b.EndDate != "" {
		end, err := parseDate(b.EndDate)
		if err != nil {
			return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"end_date": {"use YYYY-MM-DD or RFC 3339"}}}
		}
		t.SubscriptionEnd = &end
	}
	switch b.Status {
	case "":
	case "expired":
		if t.SubscriptionEnd == nil || t.SubscriptionEnd.After(d.now()) {
			now := d.now().UTC()
			t.SubscriptionEnd = &now
		}
	default:
		t.Status = b.Status
		if b.Status == tenancy.StatusActive {
			t.DeleteAfter = nil
		}
	}
	return nil
}

// applyPlan moves a tenant to a plan (by id or name): its features, user
// limit and, when asked, a fresh end date.
func (d Deps) applyPlan(ctx context.Context, t *tenancy.Tenant, ref string, renew bool) error {
	plans, err := d.Control.Plans(ctx)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if p.ID == ref || strings.EqualFold(p.Name, ref) {
			t.Plan = p.Name
			if len(p.Features) > 0 {
				t.Features = append([]string(nil), p.Features...)
			}
			if p.MaxUsers > 0 {
				t.MaxUsers = p.MaxUsers
			}
			t.RateLimit = p.RateLimit
			if renew {
				end := d.now().UTC().AddDate(0, 0, p.DurationDays)
				t.SubscriptionEnd = &end
			}
			return nil
		}
	}
	if ref == "trial" || ref == "basic" {
		t.Plan = ref
		return nil
	}
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"plan": {"no plan has this id or name"}}}
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.Add(24*time.Hour - time.Second).UTC(), err // through the end of that day
}

func (d Deps) createTenant(ctx context.Context, in *CreateTenantInput) (*tenancy.Tenant, error) {
	b := in.Body
	// The CEO cannot log in until they choose a password with the
	// invitation link; no password travels by email.
	hash, err := invitation.UnusablePasswordHash()
	if err != nil {
		return nil, err
	}
	n := tenancy.NewTenant{Key: strings.TrimSpace(b.TenantKey), CompanyName: strings.TrimSpace(b.CompanyName), MaxUsers: b.MaxUsers,
		AdminName: strings.TrimSpace(b.AdminName), AdminEmail: strings.ToLower(strings.TrimSpace(b.AdminEmail)), AdminPasswordHash: hash, AdminLocale: b.Locale}
	probe := &tenancy.Tenant{Plan: "basic", Features: tenancy.DefaultFeatures, MaxUsers: b.MaxUsers}
	if b.SubscriptionPlan != "" {
		if err := d.applyPlan(ctx, probe, b.SubscriptionPlan, true); err != nil {
			return nil, err
		}
	}
	n.Plan, n.SubscriptionEnd = probe.Plan, probe.SubscriptionEnd
	if n.MaxUsers == 0 {
		n.MaxUsers = probe.MaxUsers
	}
	t, u, err := d.Control.Provision(ctx, n)
	if err != nil {
		return nil, err
	}
	t.AdminEmail, t.Features, t.RateLimit = u.Email, probe.Features, probe.RateLimit
	if err := d.Control.SaveTenant(ctx, t); err != nil {
		return nil, err
	}
	d.Control.Audit(ctx, "tenant.create", t.Key, in.ip, map[string]any{"company_name": t.CompanyName, "plan": t.Plan, "admin_email": u.Email})
	inviter := "Payvand"
	if p := auth.PrincipalFrom(ctx); p != nil && p.Name != "" {
		inviter = p.Name
	}
	if err := (invitation.Mailer{Resets: d.Resets, Mail: d.Mail, AppURL: d.AppURL}).Send(ctx, t, u, inviter); err != nil {
		return nil, crm.Wrap(err, "send invitation")
	}
	return t, nil
}
