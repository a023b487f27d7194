// Package users keeps the users of a tenant in the tenant's table, with
// their roles, module grants and preferences.
//
// Keys (see docs/data-model.md):
//
//	user            PK=USER#<id>             SK=USER
//	by creation     GSI1PK=USERS             GSI1SK=<id>
//	by name         GSI2PK=USERS             GSI2SK=<normalized name>#<id>
//	by status       GSI3PK=USERS#STATUS#<s>  GSI3SK=<id>
//	email → id      PK=USEREMAIL#<email>     SK=USEREMAIL
//	counter         PK=COUNTER#USERS         SK=STATS   (total: users not deleted)
package users

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/search"
	"payvand.dev/shared/store"
)

// Modules are the permission modules of the SPA's sidebar.
var Modules = []string{
	"activities", "calendar", "chat", "contacts", "coworkers", "customer_club", "customers",
	"documents", "email", "feedback", "insights", "notifications", "products", "reports",
	"sales", "settings", "system", "tasks", "survey",
}

// Actions are the permission types of every module.
var Actions = []string{"view", "create", "edit", "delete"}

// BuiltinRoles and the modules each has unless a user is granted otherwise.
var BuiltinRoles = map[string][]string{
	"ceo":           Modules,
	"admin":         Modules,
	"manager":       without(Modules, "settings", "system"),
	"sales_manager": {"activities", "calendar", "chat", "contacts", "coworkers", "customer_club", "customers", "documents", "email", "feedback", "insights", "notifications", "products", "reports", "sales", "tasks", "survey"},
	"sales":         {"activities", "calendar", "chat", "contacts", "coworkers", "customers", "documents", "notifications", "products", "sales", "tasks"},
	"employee":      {"activities", "calendar", "chat", "coworkers", "documents", "notifications", "tasks"},
}

// Statuses of a user.
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
	StatusDeleted  = "deleted"
)

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
	ID           string         `dynamo:"id" json:"id"`
	Name         string         `dynamo:"name" json:"name"`
	Email        string         `dynamo:"email" json:"email"`
	Phone        string         `dynamo:"phone" json:"phone"`
	Role         string         `dynamo:"role" json:"role"`
	Status       string         `dynamo:"status" json:"status"`
	Modules      []string       `dynamo:"modules" json:"-"` // explicit grants; empty = the role's
	RoleModules  []string       `dynamo:"role_modules" json:"-"`
	Locale       string         `dynamo:"locale" json:"locale"`
	Timezone     string         `dynamo:"timezone" json:"timezone"`
	Avatar       string         `dynamo:"avatar" json:"avatar"`
	DepartmentID string         `dynamo:"department_id" json:"department_id"`
	PositionID   string         `dynamo:"position_id" json:"position_id"`
	JobTitle     string         `dynamo:"job_title" json:"job_title"`
	Preferences  map[string]any `dynamo:"preferences" json:"-"`
	PasswordHash string         `dynamo:"password_hash" json:"-"`
	CreatedAt    time.Time      `dynamo:"created_at" json:"created_at"`
	UpdatedAt    time.Time      `dynamo:"updated_at" json:"updated_at"`
	DeletedAt    *time.Time     `dynamo:"deleted_at" json:"deleted_at,omitempty"`
	Version      int64          `dynamo:"version" json:"version"`
}

// EffectiveModules is what the user may open: explicit grants, else the
// role's modules (a custom role's are copied onto the user when set).
func (u *User) EffectiveModules() []string {
	if len(u.Modules) > 0 {
		return u.Modules
	}
	if m, ok := BuiltinRoles[u.Role]; ok {
		return m
	}
	return u.RoleModules
}

// Permissions are IshYar-style strings (customers.view, customers.create…).
func (u *User) Permissions() []string {
	var out []string
	for _, m := range u.EffectiveModules() {
		for _, a := range Actions {
			out = append(out, m+"."+a)
		}
	}
	return out
}

func userKey(id string) store.Key { return store.Key{PK: "USER#" + id, SK: "USER"} }
func emailKey(email string) store.Key {
	return store.Key{PK: "USEREMAIL#" + NormalizeEmail(email), SK: "USEREMAIL"}
}
func counterKey() store.Key { return store.Key{PK: "COUNTER#USERS", SK: "STATS"} }

const listPK = "USERS"

// NormalizeEmail is the form emails are compared in.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// ValidModules reports the unknown names among modules.
func ValidModules(modules []string) []string {
	var bad []string
	for _, m := range modules {
		if !slices.Contains(Modules, m) {
			bad = append(bad, m)
		}
	}
	return bad
}

// Repo reads and writes users of one tenant table.
type Repo struct{}

func (u *User) validate() error {
	f := crm.FieldErrors{}
	if strings.TrimSpace(u.Name) == "" {
		f.Add("name", "required")
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		f.Add("email", "must be a valid email address")
	}
	if u.Role == "" {
		f.Add("role", "required")
	}
	if bad := ValidModules(u.Modules); len(bad) > 0 {
		f.Add("modules", "unknown modules: "+strings.Join(bad, ", "))
	}
	if u.Status != StatusActive && u.Status != StatusInactive {
		f.Add("status", "must be active or inactive")
	}
	// Preferences are merged key by key, so the bound applies to the
	// result, not to one request's part of it.
	if msg := crm.FreeFormProblem(u.Preferences); msg != "" {
		f.Add("preferences", msg)
	}
	return f.Err()
}

func toItem(u *User) (store.Item, error) {
	it, err := store.Marshal(userKey(u.ID), u)
	if err != nil {
		return nil, err
	}
	it["GSI1PK"], it["GSI1SK"] = store.AV(listPK), store.AV(u.ID)
	it["GSI2PK"], it["GSI2SK"] = store.AV(listPK), store.AV(search.Normalize(u.Name)+"#"+u.ID)
	it["GSI3PK"], it["GSI3SK"] = store.AV(listPK+"#STATUS#"+u.Status), store.AV(u.ID)
	it["search_text"] = store.AV(search.Normalize(u.Name + " " + u.Email + " " + u.Phone + " " + u.JobTitle))
	return it, nil
}

func fromItem(it store.Item) (*User, error) {
	var u User
	if err := dynamo.UnmarshalItem(it, &u); err != nil {
		return nil, crm.Wrap(err, "unmarshal user")
	}
	if u.Preferences == nil {
		u.Preferences = map[string]any{}
	}
	return &u, nil
}

func notFound() error {
	return &crm.Error{Code: crm.ENOTFOUND, Message: "user not found", Key: "not-found-resource", Args: []any{"user"}}
}

// LimitReached is returned when a tenant has as many users as its plan allows.
func limitReached(max int) error {
	return &crm.Error{Code: crm.EFORBIDDEN, Message: "the organization has reached its limit of users for its plan; upgrade the plan to add more",
		Fields: map[string][]string{"max_users": {"limit reached"}}, Args: []any{max}}
}

// Create adds a user; ECONFLICT when the email is taken in this tenant,
// EFORBIDDEN when maxUsers (0 = no limit) users exist already.
func (Repo) Create(ctx context.Context, t store.Table, u *User, maxUsers int) error {
	u.Email = NormalizeEmail(u.Email)
	if u.Status == "" {
		u.Status = StatusActive
	}
	if err := u.validate(); err != nil {
		return err
	}
	now := time.Now().UTC()
	if u.ID == "" {
		u.ID = ids.New()
	}
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	it, err := toItem(u)
	if err != nil {
		return err
	}
	ek := store.KeyItem(emailKey(u.Email))
	ek["user_id"] = store.AV(u.ID)
	count := store.Update{Key: counterKey(), Add: map[string]int64{"total": 1}}
	if maxUsers > 0 {
		count.Cond = []store.Cond{store.Lt("total", maxUsers)}
	}
	err = t.TransactWrite(ctx, store.PutOp(it, store.NotExists()), store.PutOp(ek, store.NotExists()), store.UpdateOp(count))
	var te *store.TxError
	if crm.ErrorCode(err) == crm.ECONFLICT && errors.As(err, &te) && te.Index == 2 {
		return limitReached(maxUsers)
	}
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a user with this email already exists", Fields: map[string][]string{"email": {"a user with this email already exists"}}}
	}
	return err
}

// Get returns a user by id (deleted users included; callers decide).
func (Repo) Get(ctx context.Context, t store.Table, id string) (*User, error) {
	if !ids.Valid(id) {
		return nil, notFound()
	}
	it, err := store.GetOr(ctx, t, userKey(id), notFound)
	if err != nil {
		return nil, err
	}
	return fromItem(it)
}

// ByEmail returns the user with an email.
func (r Repo) ByEmail(ctx context.Context, t store.Table, email string) (*User, error) {
	it, err := store.GetOr(ctx, t, emailKey(email), notFound)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, t, store.Str(it, "user_id"))
}

// Save writes a changed user whose stored version is still u.Version
// (ECONFLICT otherwise). An email change moves the email index entry.
func (Repo) Save(ctx context.Context, t store.Table, u *User, oldEmail string) error {
	u.Email = NormalizeEmail(u.Email)
	if err := u.validate(); err != nil {
		return err
	}
	prev := u.Version
	u.Version++
	u.UpdatedAt = time.Now().UTC()
	it, err := toItem(u)
	if err != nil {
		return err
	}
	ops := []store.Op{store.PutOp(it, store.VersionIs(prev))}
	if oldEmail != "" && NormalizeEmail(oldEmail) != u.Email {
		ek := store.KeyItem(emailKey(u.Email))
		ek["user_id"] = store.AV(u.ID)
		ops = append(ops, store.PutOp(ek, store.NotExists()), store.DeleteOp(emailKey(oldEmail)))
	}
	err = t.TransactWrite(ctx, ops...)
	var te *store.TxError
	if crm.ErrorCode(err) == crm.ECONFLICT && errors.As(err, &te) && te.Index == 1 {
		u.Version = prev
		return &crm.Error{Code: crm.ECONFLICT, Message: "a user with this email already exists", Fields: map[string][]string{"email": {"a user with this email already exists"}}}
	}
	if crm.ErrorCode(err) == crm.ECONFLICT {
		u.Version = prev
		return crm.VersionConflict("user", nil)
	}
	return err
}

// SoftDelete marks a user deleted: it keeps the record for history, frees
// the email and the seat.
func (Repo) SoftDelete(ctx context.Context, t store.Table, u *User) error {
	prev := u.Version
	now := time.Now().UTC()
	u.Status, u.DeletedAt, u.Version, u.UpdatedAt = StatusDeleted, &now, prev+1, now
	it, err := toItem(u)
	if err != nil {
		return err
	}
	err = t.TransactWrite(ctx, store.PutOp(it, store.VersionIs(prev)), store.DeleteOp(emailKey(u.Email)),
		store.UpdateOp(store.Update{Key: counterKey(), Add: map[string]int64{"total": -1}}))
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return crm.VersionConflict("user", nil)
	}
	return err
}

// SetPassword replaces a user's password hash.
func (Repo) SetPassword(ctx context.Context, t store.Table, id, hash string) error {
	_, err := t.Update(ctx, store.Update{Key: userKey(id), Set: store.Item{
		"password_hash": store.AV(hash),
		"updated_at":    store.AV(time.Now().UTC().Format(time.RFC3339Nano)),
	}, Add: map[string]int64{"version": 1}, Cond: []store.Cond{store.Exists()}})
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return notFound()
	}
	return err
}

// Count returns the users that hold a seat (not deleted).
func (Repo) Count(ctx context.Context, t store.Table) (int, error) {
	it, err := t.Get(ctx, counterKey())
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return 0, nil
	}
	return int(store.Int(it, "total")), err
}

// Filter selects users for a list.
type Filter struct {
	Search, Status, Role, DepartmentID, PositionID string
	SortByName, Desc                               bool
	IncludeDeleted                                 bool
	Limit, Offset                                  int
	Cursor                                         string
}

// List answers from the users indexes: by status when filtered by it, by
// name or creation otherwise, the other filters applied on the way.
func (Repo) List(ctx context.Context, t store.Table, f Filter) ([]*User, int, string, error) {
	q := store.Query{Index: "GSI1", PK: listPK, Reverse: f.Desc, Limit: f.Limit, Offset: f.Offset, Cursor: f.Cursor}
	var conds []store.Cond
	switch {
	case f.SortByName:
		q.Index = "GSI2"
		if f.Status != "" {
			conds = append(conds, store.Eq("status", f.Status))
		}
	case f.Status != "":
		q.Index, q.PK = "GSI3", listPK+"#STATUS#"+f.Status
	}
	if f.Status == "" && !f.IncludeDeleted {
		conds = append(conds, store.Ne("status", StatusDeleted))
	}
	for attr, v := range map[string]string{"role": f.Role, "department_id": f.DepartmentID, "position_id": f.PositionID} {
		if v != "" {
			conds = append(conds, store.Eq(attr, v))
		}
	}
	for _, w := range search.Tokens(f.Search) {
		conds = append(conds, store.Contains("search_text", w))
	}
	q.Filter = conds
	return store.List(ctx, t, q, fromItem)
}
