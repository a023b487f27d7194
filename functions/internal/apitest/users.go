package apitest

import (
	"context"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/users"
)

// AddUser creates u in tenant (with Password unless it has a hash) and
// logs it in: its id and access token.
func (e *Env) AddUser(tenant string, u *users.User) (id, token string) {
	e.T.Helper()
	if u.PasswordHash == "" {
		h, err := auth.HashPassword(Password)
		if err != nil {
			e.T.Fatal(err)
		}
		u.PasswordHash = h
	}
	if err := (users.Repo{}).Create(context.Background(), e.Deps.Control.TableFor(tenant), u, 0); err != nil {
		e.T.Fatal(err)
	}
	return u.ID, e.Login(tenant, u.Email)
}
