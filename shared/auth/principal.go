// Package auth holds the verified identity of a request (Principal), the
// password hashing, and the access/refresh token machinery.
package auth

import (
	"context"
	"slices"
)

// Realm is the kind of account behind a request.
type Realm string

const (
	RealmAdmin  Realm = "admin"  // SaaS operator
	RealmTenant Realm = "tenant" // user of one tenant
)

// Principal is who a verified access token says is calling.
type Principal struct {
	Realm     Realm
	Subject   string // user id or admin id
	Name      string
	Email     string
	TenantKey string // tenant realm only
	TenantID  string
	Role      string
	Modules   []string // modules granted (tenant realm)
	SessionID string   // refresh family the token belongs to
	// Scope, set for an API key, bounds the modules to the key's grant;
	// the tenant gate keeps the principal within it (and below top role).
	Scope []string
}

// AllModulesRoles may use every module.
var AllModulesRoles = []string{"ceo", "admin"}

// HasModule reports whether the principal may use module.
func (p *Principal) HasModule(module string) bool {
	if p == nil {
		return false
	}
	if p.Realm == RealmAdmin || slices.Contains(AllModulesRoles, p.Role) {
		return true
	}
	return slices.Contains(p.Modules, module)
}

type principalKey struct{}

// WithPrincipal stores the verified principal in ctx. Only the API kernel's
// authentication middleware (and tests) call it.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the verified principal of ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Capability is a right that is not the use of one module: routes declare
// the capabilities they need so the API kernel refuses a caller without
// them before reading any input.
type Capability string

const (
	// ManageUsers: add, change and remove other users, their grants and
	// the tenant's custom roles.
	ManageUsers Capability = "manage_users"
	// TopRole: CEO and admin only (organization-wide settings).
	TopRole Capability = "top_role"
)

// IsTopRole reports whether role may do everything in its organization.
func IsTopRole(role string) bool { return slices.Contains(AllModulesRoles, role) }

// Can reports whether the principal holds the capability.
func (p *Principal) Can(c Capability) bool {
	if p == nil {
		return false
	}
	if p.Realm == RealmAdmin {
		return true
	}
	switch c {
	case ManageUsers:
		return IsTopRole(p.Role) || p.Role == "manager" || p.HasModule("settings")
	case TopRole:
		return IsTopRole(p.Role)
	}
	return false
}
