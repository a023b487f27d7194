package teamapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
)

// TenantInfo is Rabin's /api/tenant/info.
type TenantInfo struct {
	ID                 string         `json:"id"`
	TenantKey          string         `json:"tenant_key"`
	CompanyName        string         `json:"company_name"`
	SubscriptionStatus string         `json:"subscription_status"`
	SubscriptionPlan   string         `json:"subscription_plan"`
	SubscriptionEnd    *time.Time     `json:"subscription_end"`
	MaxUsers           int            `json:"max_users"`
	CurrentUsers       int            `json:"current_users"`
	Features           []string       `json:"features"`
	Settings           map[string]any `json:"settings"`
}

// Usage is Rabin's /api/tenant/usage.
type Usage struct {
	UsersCount     int   `json:"users_count"`
	MaxUsers       int   `json:"max_users"`
	CustomersCount int64 `json:"customers_count"`
	StorageUsed    int64 `json:"storage_used" doc:"Bytes"`
}

func (d Deps) tenant(ctx context.Context) (*tenancy.Tenant, error) {
	return d.Control.Tenant(ctx, auth.PrincipalFrom(ctx).TenantKey)
}

func (d Deps) info(ctx context.Context) (TenantInfo, error) {
	t, err := d.tenant(ctx)
	if err != nil {
		return TenantInfo{}, err
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return TenantInfo{}, err
	}
	n, err := repo.Count(ctx, table)
	if err != nil {
		return TenantInfo{}, err
	}
	status := t.Status
	if status == tenancy.StatusActive && t.SubscriptionEnd != nil && t.SubscriptionEnd.Before(time.Now()) {
		status = "expired"
	}
	return TenantInfo{ID: t.ID, TenantKey: t.Key, CompanyName: t.CompanyName, SubscriptionStatus: status, SubscriptionPlan: t.Plan,
		SubscriptionEnd: t.SubscriptionEnd, MaxUsers: t.MaxUsers, CurrentUsers: n, Features: t.Features, Settings: t.Settings}, nil
}

// organizationKeys are the settings the organization form knows; others
// are kept as they are sent.
var organizationKeys = map[string]func(v any) bool{
	"default_locale": func(v any) bool { s, _ := v.(string); return s == "fa" || s == "en" },
	"timezone":       func(v any) bool { s, _ := v.(string); return validTimezone(s) == nil },
	"date_format":    func(v any) bool { s, _ := v.(string); return s == "jalali" || s == "gregorian" },
	"currency":       func(v any) bool { s, _ := v.(string); return len(s) == 3 && strings.ToUpper(s) == s },
	"week_start":     func(v any) bool { s, _ := v.(string); return s == "saturday" || s == "sunday" || s == "monday" },
}

func (d Deps) updateSettings(ctx context.Context, name *string, settings map[string]any) (*tenancy.Tenant, error) {
	f := crm.FieldErrors{}
	for k, v := range settings {
		if ok, known := organizationKeys[k]; known && !ok(v) {
			f.Add("settings."+k, "invalid value")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	t, err := d.tenant(ctx)
	if err != nil {
		return nil, err
	}
	if name != nil {
		t.CompanyName = strings.TrimSpace(*name)
	}
	for k, v := range settings {
		t.Settings[k] = v
	}
	return t, d.Control.SaveTenant(ctx, t)
}

func registerOrganization(s *httpapi.Server, d Deps) {
	route := func(method, path, id, summary, module string) httpapi.Route {
		return httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{"Organization"}, Realm: httpapi.TenantUsers, Module: module}
	}
	info := route(http.MethodGet, "/api/tenant/info", "tenant-info", "Your organization and its subscription", "")
	info.Ungated = true // billing information stays readable when the subscription has run out
	httpapi.Register(s, info, func(ctx context.Context, _ *struct{}) (*httpapi.Body[TenantInfo], error) {
		i, err := d.info(ctx)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(i, ""), nil
	})
	usage := route(http.MethodGet, "/api/tenant/usage", "tenant-usage", "Users, customers and storage used (from counters)", "settings")
	usage.Ungated = true
	httpapi.Register(s, usage, func(ctx context.Context, _ *struct{}) (*httpapi.Body[Usage], error) {
		i, err := d.info(ctx)
		if err != nil {
			return nil, err
		}
		u := Usage{UsersCount: i.CurrentUsers, MaxUsers: i.MaxUsers}
		if table, err := d.Control.TenantTable(ctx); err == nil {
			if it, err := table.Get(ctx, store.Key{PK: "COUNTER#STORAGE", SK: "STATS"}); err == nil { // kept by the files group
				u.StorageUsed = store.Int(it, "bytes")
			}
		}
		if d.Counters != nil {
			if u.CustomersCount, err = d.Counters(ctx); err != nil {
				return nil, err
			}
		}
		return httpapi.OK(u, ""), nil
	})
	type setupOut struct {
		DatabaseCreated bool   `json:"database_created"`
		TenantKey       string `json:"tenant_key"`
	}
	httpapi.Register(s, route(http.MethodPost, "/api/tenant/setup", "tenant-setup", "Make sure the organization's database exists (idempotent)", "settings"),
		func(ctx context.Context, in *struct {
			Body struct {
				TenantKey   string `json:"tenant_key,omitempty" maxLength:"40"`
				CompanyName string `json:"company_name,omitempty" maxLength:"200"`
			}
		}) (*httpapi.Body[setupOut], error) {
			p := auth.PrincipalFrom(ctx)
			if in.Body.TenantKey != "" && in.Body.TenantKey != p.TenantKey {
				return nil, forbidden("you can only set up your own organization")
			}
			t, err := d.tenant(ctx)
			if err != nil {
				return nil, err
			}
			created := false
			if ok, err := d.Control.DB.TableExists(ctx, t.Table); err != nil {
				return nil, err
			} else if !ok {
				if err := d.Control.DB.CreateTable(ctx, t.Table); err != nil && crm.ErrorCode(err) != crm.ECONFLICT {
					return nil, err
				}
				created = true
			}
			if in.Body.CompanyName != "" {
				name := in.Body.CompanyName
				if _, err := d.updateSettings(ctx, &name, nil); err != nil {
					return nil, err
				}
			}
			return httpapi.OK(setupOut{DatabaseCreated: created, TenantKey: t.Key}, "organization ready"), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/api/tenant/settings", "tenant-settings", "Change organization settings", "settings"),
		func(ctx context.Context, in *struct {
			Body struct {
				Settings httpapi.FreeForm `json:"settings"`
			}
		}) (*httpapi.Body[map[string]any], error) {
			t, err := d.updateSettings(ctx, nil, in.Body.Settings)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(map[string]any{"settings": t.Settings}, "settings saved"), nil
		})
	type org struct {
		ID       string           `json:"id"`
		Name     string           `json:"name"`
		Key      string           `json:"tenant_key"`
		Settings httpapi.FreeForm `json:"settings"`
	}
	httpapi.Register(s, route(http.MethodGet, "/api/settings/organization", "organization", "Organization settings", ""),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[org], error) {
			t, err := d.tenant(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(org{ID: t.ID, Name: t.CompanyName, Key: t.Key, Settings: t.Settings}, ""), nil
		})
	httpapi.Register(s, route(http.MethodPut, "/api/settings/organization", "organization-update", "Change organization settings", "settings"),
		func(ctx context.Context, in *struct {
			Body struct {
				Name     *string          `json:"name,omitempty" minLength:"1" maxLength:"200"`
				Settings httpapi.FreeForm `json:"settings,omitempty"`
			}
		}) (*httpapi.Body[org], error) {
			t, err := d.updateSettings(ctx, in.Body.Name, in.Body.Settings)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(org{ID: t.ID, Name: t.CompanyName, Key: t.Key, Settings: t.Settings}, "organization saved"), nil
		})
}
