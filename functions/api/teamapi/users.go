package teamapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"payvand.dev/functions/internal/invitation"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/departments"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// Deps are what the team routes use.
type Deps struct {
	Control  *tenancy.ControlPlane
	Refresh  *auth.RefreshTokens
	Resets   *auth.ResetTokens // invitation links
	Mail     mail.Sender
	AppURL   string
	Counters func(ctx context.Context) (customers int64, err error)
}

var repo users.Repo

func forbidden(msg string) error { return &crm.Error{Code: crm.EFORBIDDEN, Message: msg} }

// checkManage enforces who may do what to whom; the caller holds
// auth.ManageUsers (the routes declare it). Managers cannot touch or make
// CEOs and admins, and nobody changes their own role, status or grants
// here. What may be granted is checked by checkGrants.
func checkManage(p *auth.Principal, target *users.User, role string) error {
	if !p.Can(auth.ManageUsers) {
		return forbidden("you may not manage users")
	}
	if target != nil && target.ID == p.Subject {
		return forbidden("use your profile to change your own account")
	}
	if auth.IsTopRole(p.Role) {
		return nil
	}
	if (target != nil && auth.IsTopRole(target.Role)) || auth.IsTopRole(role) {
		return forbidden("only a CEO or admin may manage CEO and admin accounts")
	}
	return nil
}

// checkGrants refuses to give a user a module the granter does not have,
// however it would arrive: listed explicitly, or carried by an assigned
// role (built-in or custom). Modules the user held before stay allowed, so
// a manager can still edit a colleague whom the CEO gave more.
func checkGrants(p *auth.Principal, before, after []string) error {
	for _, m := range after {
		if !slices.Contains(before, m) && !p.HasModule(m) {
			return forbidden("you cannot grant the " + m + " module, which you do not have")
		}
	}
	return nil
}

// UserFields are the writable fields of a user.
type UserFields struct {
	Name         *string   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Email        *string   `json:"email,omitempty" maxLength:"254"`
	Phone        *string   `json:"phone,omitempty" maxLength:"30"`
	Role         *string   `json:"role,omitempty" maxLength:"40"`
	Roles        *[]string `json:"roles,omitempty" maxItems:"1" doc:"IshYar's form of role (one role per user)"`
	Status       *string   `json:"status,omitempty" enum:"active,inactive"`
	DepartmentID *string   `json:"department_id,omitempty" maxLength:"36"`
	PositionID   *string   `json:"position_id,omitempty" maxLength:"36"`
	JobTitle     *string   `json:"job_title,omitempty" maxLength:"100"`
	Modules      *[]string `json:"modules,omitempty" maxItems:"50" doc:"Module grants; empty means the role's modules"`
	Permissions  *[]string `json:"permissions,omitempty" maxItems:"50" doc:"Rabin's name for module grants"`
	Locale       *string   `json:"locale,omitempty" enum:"fa,en"`
	Timezone     *string   `json:"timezone,omitempty" maxLength:"64"`
	Version      *int64    `json:"version,omitempty"`
}

func (f *UserFields) role() string {
	if f.Role != nil {
		return strings.TrimSpace(*f.Role)
	}
	if f.Roles != nil && len(*f.Roles) == 1 {
		return (*f.Roles)[0]
	}
	return ""
}

func (f *UserFields) modules() *[]string {
	if f.Modules != nil {
		return f.Modules
	}
	if f.Permissions != nil {
		// Rabin sends module names, IshYar-style strings are reduced to them.
		var m []string
		for _, p := range *f.Permissions {
			name, _, _ := strings.Cut(p, ".")
			if !slices.Contains(m, name) {
				m = append(m, name)
			}
		}
		return &m
	}
	return nil
}

func set(dst *string, src *string) {
	if src != nil {
		*dst = strings.TrimSpace(*src)
	}
}

// apply copies the fields onto u, resolving a custom role's modules.
func (d Deps) apply(ctx context.Context, f *UserFields, u *users.User) error {
	set(&u.Name, f.Name)
	set(&u.Email, f.Email)
	set(&u.Phone, f.Phone)
	set(&u.Status, f.Status)
	set(&u.DepartmentID, f.DepartmentID)
	set(&u.PositionID, f.PositionID)
	set(&u.JobTitle, f.JobTitle)
	set(&u.Locale, f.Locale)
	set(&u.Timezone, f.Timezone)
	if err := d.checkPlacement(ctx, f, u); err != nil {
		return err
	}
	if m := f.modules(); m != nil {
		u.Modules = *m
	}
	if r := f.role(); r != "" {
		table, err := d.Control.TenantTable(ctx)
		if err != nil {
			return err
		}
		role, err := repo.Role(ctx, table, r)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"role": {"no role has this name"}}}
		}
		if err != nil {
			return err
		}
		u.Role, u.RoleModules = role.Name, role.Modules
	}
	return nil
}

// CreateUserInput adds a user, who is emailed a single-use link to choose
// a password; until then only the password given here (if any) works.
type CreateUserInput struct {
	Body struct {
		UserFields
		Name     string `json:"name" minLength:"1" maxLength:"200"`
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password,omitempty" maxLength:"256" doc:"Optional. Without it the user cannot log in until they choose a password with the invitation link (${AppURL}/accept-invitation?token=…&tenant=…, valid 72 hours, redeemed at POST /api/auth/accept-invitation). The invitation email never contains a password."`
	}
}

func (d Deps) create(ctx context.Context, in *CreateUserInput) (*users.User, error) {
	p := auth.PrincipalFrom(ctx)
	b := in.Body
	b.UserFields.Name, b.UserFields.Email = &b.Name, &b.Email
	u := &users.User{Role: "employee", Locale: "fa", Timezone: "Asia/Tehran"}
	if err := d.apply(ctx, &b.UserFields, u); err != nil {
		return nil, err
	}
	if err := checkManage(p, nil, u.Role); err != nil {
		return nil, err
	}
	if err := checkGrants(p, nil, u.EffectiveModules()); err != nil {
		return nil, err
	}
	var hash string
	var err error
	if b.Password != "" {
		if err := auth.CheckPasswordPolicy(b.Password, b.Password, u.Email, u.Name); err != nil {
			return nil, err
		}
		hash, err = auth.HashPassword(b.Password)
	} else {
		hash, err = invitation.UnusablePasswordHash()
	}
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	t, err := d.Control.Tenant(ctx, p.TenantKey)
	if err != nil {
		return nil, err
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	if err := repo.Create(ctx, table, u, t.MaxUsers); err != nil {
		return nil, err
	}
	if err := d.Control.IndexLogin(ctx, u.Email, t.Key, u.ID); err != nil {
		return nil, err
	}
	if err := d.invite(ctx, t, u, p); err != nil {
		// The user stays; an admin can re-send the invitation.
		logError(ctx, "invitation email", err)
	}
	return u, nil
}

// invite emails u a new single-use set-password link; an earlier link of
// u stops working.
func (d Deps) invite(ctx context.Context, t *tenancy.Tenant, u *users.User, by *auth.Principal) error {
	return invitation.Mailer{Resets: d.Resets, Mail: d.Mail, AppURL: d.AppURL}.Send(ctx, t, u, by.Name)
}

func (d Deps) load(ctx context.Context, id string) (*users.User, error) {
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	u, err := repo.Get(ctx, table, id)
	if err != nil {
		return nil, err
	}
	if u.Status == users.StatusDeleted {
		return nil, crm.Errorf(crm.ENOTFOUND, "user not found")
	}
	return u, nil
}

func (d Deps) update(ctx context.Context, id string, f *UserFields) (*users.User, error) {
	u, err := d.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.Version != nil && *f.Version != u.Version {
		return nil, crm.VersionConflict("user", nil)
	}
	if err := checkManage(auth.PrincipalFrom(ctx), u, f.role()); err != nil {
		return nil, err
	}
	return u, d.save(ctx, u, f)
}

func (d Deps) save(ctx context.Context, u *users.User, f *UserFields) error {
	oldEmail, oldStatus, oldModules := u.Email, u.Status, slices.Clone(u.EffectiveModules())
	if err := d.apply(ctx, f, u); err != nil {
		return err
	}
	if err := checkGrants(auth.PrincipalFrom(ctx), oldModules, u.EffectiveModules()); err != nil {
		return err
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return err
	}
	if err := repo.Save(ctx, table, u, oldEmail); err != nil {
		return err
	}
	p := auth.PrincipalFrom(ctx)
	d.Control.ForgetUser(p.TenantKey, u.ID)
	if oldEmail != u.Email {
		d.Control.UnindexLogin(ctx, oldEmail, p.TenantKey)
		d.Control.IndexLogin(ctx, u.Email, p.TenantKey, u.ID)
	}
	if oldStatus == users.StatusActive && u.Status != users.StatusActive {
		return d.Refresh.RevokeAll(ctx, auth.RealmTenant, p.TenantKey, u.ID)
	}
	return nil
}

func (d Deps) remove(ctx context.Context, id string) error {
	u, err := d.load(ctx, id)
	if err != nil {
		return err
	}
	p := auth.PrincipalFrom(ctx)
	if err := checkManage(p, u, ""); err != nil {
		return err
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return err
	}
	if err := repo.SoftDelete(ctx, table, u); err != nil {
		return err
	}
	d.Control.ForgetUser(p.TenantKey, u.ID)
	d.Control.UnindexLogin(ctx, u.Email, p.TenantKey)
	return d.Refresh.RevokeAll(ctx, auth.RealmTenant, p.TenantKey, u.ID)
}

// ListUsersInput is IshYar's users query with Rabin's plain filters.
type ListUsersInput struct {
	httpapi.ListParams
	Status string `query:"status" enum:"active,inactive,deleted," doc:"Also as filter[status]."`
	Role   string `query:"role" doc:"Also as filter[role]."`
}

func (d Deps) list(ctx context.Context, s *httpapi.Server, in *ListUsersInput, scope string) (*httpapi.ListBody[Member], error) {
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	field, desc := in.SortField("name")
	if field != "name" && field != "created_at" {
		return nil, &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"sort": {"sort by name, -name, created_at or -created_at"}}}
	}
	cursor, offset, err := s.Cursors.Window(ctx, scope, &in.ListParams)
	if err != nil {
		return nil, err
	}
	f := users.Filter{Search: in.Search, Status: in.Filter("status"), Role: in.Filter("role"), DepartmentID: in.Filter("department_id"),
		PositionID: in.Filter("position_id"), SortByName: field == "name", Desc: desc, Limit: in.Size(), Cursor: cursor, Offset: offset}
	if f.Status == users.StatusDeleted {
		f.IncludeDeleted = true
	}
	list, total, next, err := repo.List(ctx, table, f)
	if err != nil {
		return nil, err
	}
	department, position := in.Includes("department"), in.Includes("position")
	var deptIDs, posIDs []string
	for _, u := range list {
		if department {
			deptIDs = append(deptIDs, u.DepartmentID)
		}
		if position {
			posIDs = append(posIDs, u.PositionID)
		}
	}
	// One batch read of the page's departments and positions.
	deptNames, posNames, err := departments.Names(ctx, table, deptIDs, posIDs)
	if err != nil {
		return nil, err
	}
	views := make([]Member, len(list))
	for i, u := range list {
		views[i] = view(ctx, u)
		if department && u.DepartmentID != "" {
			views[i].Department = &httpapi.Ref{ID: u.DepartmentID, Name: deptNames[u.DepartmentID]}
		}
		if position && u.PositionID != "" {
			views[i].Position = &httpapi.Ref{ID: u.PositionID, Name: posNames[u.PositionID]}
		}
	}
	return httpapi.SealedList(ctx, s.Cursors, scope, &in.ListParams, views, total, next)
}

// registerUsers mounts the user routes under a prefix.
func registerUsers(s *httpapi.Server, d Deps, prefix, scope string) {
	route := func(method, path, op, summary, module string) httpapi.Route {
		return httpapi.Route{Method: method, Path: prefix + path, ID: scope + "-" + op, Summary: summary, Tags: []string{"Users"},
			Realm: httpapi.TenantUsers, Module: module}
	}
	httpapi.Register(s, route(http.MethodGet, "", "list", "List users (search, status, role, department, position; sort by name or created_at)", "coworkers"),
		func(ctx context.Context, in *ListUsersInput) (*httpapi.ListBody[Member], error) {
			return d.list(ctx, s, in, scope)
		})
	create := route(http.MethodPost, "", "create", "Add a user (invited by email); the plan's max_users applies", "")
	create.Status, create.Capability = http.StatusCreated, auth.ManageUsers
	httpapi.Register(s, create, func(ctx context.Context, in *CreateUserInput) (*httpapi.Body[Member], error) {
		u, err := d.create(ctx, in)
		if err != nil {
			return nil, err
		}
		return httpapi.OK(view(ctx, u), "user created"), nil
	})
	httpapi.Register(s, route(http.MethodGet, "/{id}", "get", "A user", "coworkers"),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[Member], error) {
			u, err := d.load(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, u), ""), nil
		})
	update := route(http.MethodPut, "/{id}", "update", "Change a user (only the fields sent)", "")
	update.Capability = auth.ManageUsers
	httpapi.Register(s, update,
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body UserFields
		}) (*httpapi.Body[Member], error) {
			u, err := d.update(ctx, in.ID, &in.Body)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(view(ctx, u), "user updated"), nil
		})
	remove := route(http.MethodDelete, "/{id}", "delete", "Remove a user (soft delete: the record stays, the seat and email are freed)", "")
	remove.Capability = auth.ManageUsers
	httpapi.Register(s, remove,
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*httpapi.Body[any], error) {
			if err := d.remove(ctx, in.ID); err != nil {
				return nil, err
			}
			return httpapi.OK[any](nil, "user deleted"), nil
		})
}

// checkPlacement refuses a department_id or position_id the request sets
// that names no department or position of the tenant (422 naming it).
func (d Deps) checkPlacement(ctx context.Context, f *UserFields, u *users.User) error {
	dept, pos := "", ""
	if f.DepartmentID != nil {
		dept = u.DepartmentID
	}
	if f.PositionID != nil {
		pos = u.PositionID
	}
	if dept == "" && pos == "" {
		return nil
	}
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return err
	}
	return departments.CheckRefs(ctx, table, dept, pos)
}
