package users

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Role is a named set of modules. Built-in roles are the same in every
// tenant; custom roles belong to one.
type Role struct {
	Name        string    `dynamo:"name" json:"name"`
	Description string    `dynamo:"description" json:"description"`
	Modules     []string  `dynamo:"modules" json:"modules"`
	Builtin     bool      `dynamo:"-" json:"builtin"`
	CreatedAt   time.Time `dynamo:"created_at" json:"created_at,omitempty"`
	// ByTopRole: last saved by a CEO or admin, so only they may change it.
	ByTopRole bool `dynamo:"by_top_role" json:"-"`
}

func roleKey(name string) store.Key { return store.Key{PK: "ROLE#" + name, SK: "ROLE"} }

const rolesPK = "ROLES"

var roleName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`) })

// Roles lists the built-in roles and the tenant's custom ones.
func (Repo) Roles(ctx context.Context, t store.Table) ([]Role, error) {
	var out []Role
	for _, n := range []string{"ceo", "admin", "manager", "sales_manager", "sales", "employee"} {
		out = append(out, Role{Name: n, Modules: BuiltinRoles[n], Builtin: true})
	}
	p, err := t.Query(ctx, store.Query{Index: "GSI1", PK: rolesPK, Limit: 1000})
	if err != nil {
		return nil, err
	}
	for _, it := range p.Items {
		var r Role
		if err := dynamo.UnmarshalItem(it, &r); err != nil {
			return nil, crm.Wrap(err, "unmarshal role")
		}
		out = append(out, r)
	}
	return out, nil
}

// Role returns one role; ENOTFOUND when neither built in nor defined.
func (Repo) Role(ctx context.Context, t store.Table, name string) (*Role, error) {
	if m, ok := BuiltinRoles[name]; ok {
		return &Role{Name: name, Modules: m, Builtin: true}, nil
	}
	it, err := store.GetOr(ctx, t, roleKey(name), func() error { return crm.Errorf(crm.ENOTFOUND, "role not found") })
	if err != nil {
		return nil, err
	}
	var r Role
	if err := dynamo.UnmarshalItem(it, &r); err != nil {
		return nil, crm.Wrap(err, "unmarshal role")
	}
	return &r, nil
}

// SaveRole creates or replaces a custom role.
func (Repo) SaveRole(ctx context.Context, t store.Table, r *Role) error {
	f := crm.FieldErrors{}
	r.Name = strings.TrimSpace(r.Name)
	if !roleName().MatchString(r.Name) {
		f.Add("name", "use 2-40 lowercase letters, digits or underscores, starting with a letter")
	} else if _, builtin := BuiltinRoles[r.Name]; builtin {
		f.Add("name", "built-in roles cannot be redefined")
	}
	if bad := ValidModules(r.Modules); len(bad) > 0 {
		f.Add("modules", "unknown modules: "+strings.Join(bad, ", "))
	}
	if err := f.Err(); err != nil {
		return err
	}
	slices.Sort(r.Modules)
	r.Modules = slices.Compact(r.Modules)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	it, err := store.Marshal(roleKey(r.Name), r)
	if err != nil {
		return err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(rolesPK), store.AV(r.Name)
	return t.Put(ctx, it)
}

// ApplyRole gives the role's current modules to every user who holds it
// (those with explicit grants keep theirs, as EffectiveModules has it):
// narrowing a custom role narrows what its holders may open, instead of
// leaving them the modules they were given at assignment. It returns the
// users changed.
func (r Repo) ApplyRole(ctx context.Context, t store.Table, role *Role) ([]string, error) {
	holders, _, _, err := r.List(ctx, t, Filter{Role: role.Name, Limit: 10000})
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, u := range holders {
		if slices.Equal(u.RoleModules, role.Modules) {
			continue
		}
		for try := 0; ; try++ {
			u.RoleModules = role.Modules
			err = r.Save(ctx, t, u, u.Email)
			if crm.ErrorCode(err) != crm.ECONFLICT || try == 3 {
				break
			}
			// Changed meanwhile: read it again and apply to that.
			if u, err = r.Get(ctx, t, u.ID); err != nil || u.Role != role.Name {
				break
			}
		}
		if err != nil {
			return changed, err
		}
		changed = append(changed, u.ID)
	}
	return changed, nil
}
