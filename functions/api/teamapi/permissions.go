package teamapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
	"payvand.dev/shared/users"
)

// ModuleInfo names a module in both languages, with its SPA route.
type ModuleInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	NameF string `json:"name_fa"`
	Route string `json:"route"`
}

var moduleNames = map[string][2]string{
	"activities": {"Activities", "فعالیت‌ها"}, "calendar": {"Calendar", "تقویم"}, "chat": {"Chat", "گفتگو"},
	"contacts": {"Contacts", "مخاطبین"}, "coworkers": {"Coworkers", "همکاران"}, "customer_club": {"Customer club", "باشگاه مشتریان"},
	"customers": {"Customers", "مشتریان"}, "documents": {"Documents", "اسناد"}, "email": {"Email", "ایمیل"},
	"feedback": {"Feedback", "بازخورد"}, "insights": {"Insights", "تحلیل‌ها"}, "notifications": {"Notifications", "اعلان‌ها"},
	"products": {"Products", "محصولات"}, "reports": {"Reports", "گزارش‌ها"}, "sales": {"Sales", "فروش"},
	"settings": {"Settings", "تنظیمات"}, "system": {"System monitoring", "پایش سیستم"}, "tasks": {"Tasks", "وظایف"},
	"survey": {"Surveys", "نظرسنجی‌ها"},
}

func modules() []ModuleInfo {
	out := make([]ModuleInfo, 0, len(users.Modules))
	for _, m := range users.Modules {
		route := "/dashboard/" + m
		switch m {
		case "customer_club":
			route = "/dashboard/customer-club"
		case "survey":
			route = "/dashboard/surveys"
		case "system":
			route = "/dashboard/system-monitoring"
		}
		out = append(out, ModuleInfo{ID: m, Name: moduleNames[m][0], NameF: moduleNames[m][1], Route: route})
	}
	return out
}

// UserPermissions are one user's grants.
type UserPermissions struct {
	UserID      string   `json:"user_id"`
	Roles       []string `json:"roles"`
	Modules     []string `json:"modules"`
	Permissions []string `json:"permissions"`
	Explicit    bool     `json:"explicit" doc:"true when the user has grants of their own rather than the role's"`
}

func permissionsOf(u *users.User) UserPermissions {
	return UserPermissions{UserID: u.ID, Roles: []string{u.Role}, Modules: u.EffectiveModules(), Permissions: u.Permissions(), Explicit: len(u.Modules) > 0}
}

// setModules gives a user explicit grants (the role's when empty).
func (d Deps) setModules(ctx context.Context, id string, mods []string) (*users.User, error) {
	if bad := users.ValidModules(mods); len(bad) > 0 {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"modules": {"unknown modules"}}}
	}
	u, err := d.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkManage(auth.PrincipalFrom(ctx), u, ""); err != nil {
		return nil, err
	}
	slices.Sort(mods)
	mods = slices.Compact(mods)
	return u, d.save(ctx, u, &UserFields{Modules: &mods})
}

func registerPermissions(s *httpapi.Server, d Deps) {
	route := func(method, path, id, summary string) httpapi.Route {
		r := httpapi.Route{Method: method, Path: path, ID: id, Summary: summary, Tags: []string{"Permissions"}, Realm: httpapi.TenantUsers}
		if method != http.MethodGet {
			r.Capability = auth.ManageUsers // every change of grants or roles
		}
		return r
	}
	type catalogue struct {
		Modules []ModuleInfo `json:"modules"`
		Types   []string     `json:"types"`
		Roles   []users.Role `json:"roles"`
		All     []string     `json:"permissions"`
	}
	httpapi.Register(s, route(http.MethodGet, "/api/permissions", "permissions-catalogue", "Every module, permission type and role"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[catalogue], error) {
			roles, err := d.roles(ctx)
			if err != nil {
				return nil, err
			}
			c := catalogue{Modules: modules(), Types: users.Actions, Roles: roles}
			for _, m := range users.Modules {
				for _, a := range users.Actions {
					c.All = append(c.All, m+"."+a)
				}
			}
			return httpapi.OK(c, ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/permissions/modules", "permission-modules", "Modules (the sidebar's)"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]ModuleInfo], error) {
			return httpapi.OK(modules(), ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/permissions/types", "permission-types", "Permission types"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]string], error) {
			return httpapi.OK(users.Actions, ""), nil
		})
	type check struct {
		HasPermission bool   `json:"has_permission"`
		Module        string `json:"module"`
	}
	httpapi.Register(s, route(http.MethodGet, "/api/permissions/check", "permission-check", "Whether you may use a module"),
		func(ctx context.Context, in *struct {
			Module string `query:"moduleName" minLength:"1"`
		}) (*httpapi.Body[check], error) {
			return httpapi.OK(check{HasPermission: auth.PrincipalFrom(ctx).HasModule(in.Module), Module: in.Module}, ""), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/permissions/user/{userId}", "permission-user", "A user's roles and modules"),
		func(ctx context.Context, in *struct {
			UserID string `path:"userId"`
		}) (*httpapi.Body[UserPermissions], error) {
			p := auth.PrincipalFrom(ctx)
			if in.UserID != p.Subject && !p.Can(auth.ManageUsers) {
				return nil, forbidden("you may only see your own permissions")
			}
			u, err := d.load(ctx, in.UserID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(permissionsOf(u), ""), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/api/permissions/user-modules", "permission-grant", "Grant or revoke one module of a user"),
		func(ctx context.Context, in *struct {
			Body struct {
				UserID   string `json:"user_id" minLength:"1"`
				ModuleID string `json:"module_id" minLength:"1"`
				Granted  bool   `json:"granted"`
			}
		}) (*httpapi.Body[UserPermissions], error) {
			u, err := d.load(ctx, in.Body.UserID)
			if err != nil {
				return nil, err
			}
			mods := slices.Clone(u.EffectiveModules())
			if in.Body.Granted {
				mods = append(mods, in.Body.ModuleID)
			} else {
				mods = slices.DeleteFunc(mods, func(m string) bool { return m == in.Body.ModuleID })
			}
			if u, err = d.setModules(ctx, u.ID, mods); err != nil {
				return nil, err
			}
			return httpapi.OK(permissionsOf(u), "permissions updated"), nil
		})
	httpapi.Register(s, route(http.MethodPost, "/api/tenant/users/{id}/permissions", "tenant-user-permissions", "Set a user's modules"),
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Modules []string `json:"modules"`
			}
		}) (*httpapi.Body[UserPermissions], error) {
			u, err := d.setModules(ctx, in.ID, in.Body.Modules)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(permissionsOf(u), "permissions updated"), nil
		})
	httpapi.Register(s, route(http.MethodGet, "/api/permissions/roles", "roles", "Built-in and custom roles"),
		func(ctx context.Context, _ *struct{}) (*httpapi.Body[[]users.Role], error) {
			roles, err := d.roles(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(roles, ""), nil
		})
	create := route(http.MethodPost, "/api/permissions/roles", "roles-save", "Create or replace a custom role")
	httpapi.Register(s, create, func(ctx context.Context, in *struct {
		Body struct {
			Name        string   `json:"name" minLength:"2" maxLength:"40"`
			Description string   `json:"description,omitempty" maxLength:"500"`
			Modules     []string `json:"modules" maxItems:"50"`
		}
	}) (*httpapi.Body[users.Role], error) {
		p := auth.PrincipalFrom(ctx)
		table, err := d.Control.TenantTable(ctx)
		if err != nil {
			return nil, err
		}
		if err := checkRoleEdit(ctx, p, table, in.Body.Name, in.Body.Modules); err != nil {
			return nil, err
		}
		r := users.Role{Name: in.Body.Name, Description: in.Body.Description, Modules: in.Body.Modules, ByTopRole: auth.IsTopRole(p.Role)}
		if err := repo.SaveRole(ctx, table, &r); err != nil {
			return nil, err
		}
		holders, err := repo.ApplyRole(ctx, table, &r)
		for _, id := range holders {
			d.Control.ForgetUser(p.TenantKey, id)
		}
		if err != nil {
			return nil, err
		}
		return httpapi.OK(r, "role saved"), nil
	})
}

func (d Deps) roles(ctx context.Context) ([]users.Role, error) {
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	return repo.Roles(ctx, table)
}

// checkRoleEdit: a role may hold only modules its author has, and a role
// that a CEO or admin saved, or that holds modules the caller lacks, is
// theirs to change: otherwise a manager could widen the grants of
// everyone who later receives it.
func checkRoleEdit(ctx context.Context, p *auth.Principal, table store.Table, name string, modules []string) error {
	if auth.IsTopRole(p.Role) {
		return nil
	}
	if err := checkGrants(p, nil, modules); err != nil {
		return err
	}
	old, err := repo.Role(ctx, table, strings.TrimSpace(name))
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if old.Builtin {
		return nil // SaveRole refuses it with a 422 naming the field
	}
	if old.ByTopRole || checkGrants(p, nil, old.Modules) != nil {
		return forbidden("only a CEO or admin may change the " + old.Name + " role")
	}
	return nil
}
