package users

import (
	"context"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/store"
)

// CheckAssignee answers EVALIDATION naming field unless id is an active
// user of the tenant whose table t is: one read of the user's item, none
// when id is the caller (whom authentication found active). Records call
// it only when the field is given or changed.
func CheckAssignee(ctx context.Context, t store.Table, field, id string) error {
	if p := auth.PrincipalFrom(ctx); p != nil && p.Realm == auth.RealmTenant && p.Subject == id {
		return nil
	}
	invalid := &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Key: "validation",
		Fields: map[string][]string{field: {"must be an active user of this organization"}}}
	if !ids.Valid(id) {
		return invalid
	}
	it, err := t.Get(ctx, userKey(id))
	switch {
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		return invalid
	case err != nil:
		return err
	case store.Str(it, "status") != StatusActive:
		return invalid
	}
	return nil
}
