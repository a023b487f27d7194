// Package users keeps the users of a tenant in the tenant's table, with
// their roles and module grants.
package users

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// Modules are the permission modules of the SPA's sidebar.
var Modules = []string{
	"activities", "calendar", "chat", "contacts", "coworkers", "customer_club", "customers",
	"documents", "email", "feedback", "insights", "notifications", "products", "reports",
	"sales", "settings", "system", "tasks", "survey",
}

// Roles and the modules each has unless a user is granted otherwise.
var RoleModules = map[string][]string{
	"ceo":           Modules,
	"admin":         Modules,
	"manager":       without(Modules, "settings", "system"),
	"sales_manager": {"activities", "calendar", "chat", "contacts", "coworkers", "customer_club", "customers", "documents", "email", "feedback", "insights", "notifications", "products", "reports", "sales", "tasks", "survey"},
	"sales":         {"activities", "calendar", "chat", "contacts", "coworkers", "customers", "documents", "notifications", "products", "sales", "tasks"},
	"employee":      {"activities", "calendar", "chat", "coworkers", "documents", "notifications", "tasks"},
}

func without(all []string, drop ...string) []string {
	var out []string
	for _, m := range all {
		if !slices.Contains(drop, m) {
			out = append(out, m)
		}
	}
	return out
}

// User is a person who logs in to a tenant.
type User struct {
	ID           string    `dynamo:"id" json:"id"`
	Name         string    `dynamo:"name" json:"name"`
	Email        string    `dynamo:"email" json:"email"`
	Phone        string    `dynamo:"phone" json:"phone"`
	Role         string    `dynamo:"role" json:"role"`
	Status       string    `dynamo:"status" json:"status"`
	Modules      []string  `dynamo:"modules" json:"modules"` // explicit grants; empty = role defaults
	Locale       string    `dynamo:"locale" json:"locale"`
	Timezone     string    `dynamo:"timezone" json:"timezone"`
	PasswordHash string    `dynamo:"password_hash" json:"-"`
	CreatedAt    time.Time `dynamo:"created_at" json:"created_at"`
	UpdatedAt    time.Time `dynamo:"updated_at" json:"updated_at"`
	Version      int64     `dynamo:"version" json:"-"`
}

// EffectiveModules is what the user may open.
func (u *User) EffectiveModules() []string {
	if len(u.Modules) > 0 {
		return u.Modules
	}
	return RoleModules[u.Role]
}

// Permissions are IshYar-style strings (customers.view, customers.create…).
func (u *User) Permissions() []string {
	var out []string
	for _, m := range u.EffectiveModules() {
		for _, a := range []string{"view", "create", "edit", "delete"} {
			out = append(out, m+"."+a)
		}
	}
	return out
}

func userKey(id string) store.Key { return store.Key{PK: "USER#" + id, SK: "USER"} }
func emailKey(email string) store.Key {
	return store.Key{PK: "USEREMAIL#" + NormalizeEmail(email), SK: "USEREMAIL"}
}

// NormalizeEmail is the form emails are compared in.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Repo reads and writes users of one tenant table.
type Repo struct{}

// Create adds a user; ECONFLICT when the email is taken in this tenant.
func (Repo) Create(ctx context.Context, t store.Table, u *User) error {
	f := crm.FieldErrors{}
	if strings.TrimSpace(u.Name) == "" {
		f.Add("name", "required")
	}
	if _, err := mail.ParseAddress(u.Email); err != nil {
		f.Add("email", "invalid-value")
	}
	if _, ok := RoleModules[u.Role]; !ok {
		f.Add("role", "invalid-value")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := time.Now().UTC()
	if u.ID == "" {
		u.ID = ids.New()
	}
	u.Email = NormalizeEmail(u.Email)
	if u.Status == "" {
		u.Status = "active"
	}
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	it, err := dynamo.MarshalItem(u)
	if err != nil {
		return crm.Wrap(err, "marshal user")
	}
	k := userKey(u.ID)
	it[store.PK], it[store.SK] = store.AV(k.PK), store.AV(k.SK)
	it["GSI1PK"], it["GSI1SK"] = store.AV("USERS"), store.AV(u.ID)
	ek := store.KeyItem(emailKey(u.Email))
	ek["user_id"] = store.AV(u.ID)
	err = t.TransactWrite(ctx, store.PutOp(it, store.NotExists()), store.PutOp(ek, store.NotExists()))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a user with this email already exists", Fields: map[string][]string{"email": {"a user with this email already exists"}}}
	}
	return err
}

// Get returns a user by id.
func (Repo) Get(ctx context.Context, t store.Table, id string) (*User, error) {
	it, err := t.Get(ctx, userKey(id))
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return nil, crm.Errorf(crm.ENOTFOUND, "user not found")
		}
		return nil, err
	}
	var u User
	if err := dynamo.UnmarshalItem(it, &u); err != nil {
		return nil, crm.Wrap(err, "unmarshal user")
	}
	return &u, nil
}

// ByEmail returns the user with an email.
func (r Repo) ByEmail(ctx context.Context, t store.Table, email string) (*User, error) {
	it, err := t.Get(ctx, emailKey(email))
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return nil, crm.Errorf(crm.ENOTFOUND, "user not found")
		}
		return nil, err
	}
	return r.Get(ctx, t, store.Str(it, "user_id"))
}

// SetPassword replaces a user's password hash.
func (Repo) SetPassword(ctx context.Context, t store.Table, id, hash string) error {
	_, err := t.Update(ctx, store.Update{Key: userKey(id), Set: store.Item{
		"password_hash": store.AV(hash),
		"updated_at":    store.AV(time.Now().UTC().Format(time.RFC3339Nano)),
	}, Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return crm.Errorf(crm.ENOTFOUND, "user not found")
	}
	return err
}
