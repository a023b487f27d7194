package teamapi

import (
	"context"

	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Register mounts the team routes.
func Register(s *httpapi.Server, d Deps) {
	registerSelf(s, d) // before /api/users/{id}: literal paths win anyway
	registerUsers(s, d, "/api/users", "users")
	registerUsers(s, d, "/api/tenant/users", "tenant-users")
	registerInvitations(s, d, "/api/users", "users")
	registerInvitations(s, d, "/api/tenant/users", "tenant-users")
	registerPermissions(s, d)
	registerOrganization(s, d)
}

// Mount is the team route group.
func Mount() app.Mount {
	return app.Mount{Name: "team", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control, Refresh: d.Refresh, Resets: d.Resets, Mail: d.Mail, AppURL: d.Config.AppURL,
			Counters: func(ctx context.Context) (int64, error) {
				st, err := d.Customers.Stats(ctx)
				if err != nil {
					return 0, err
				}
				return st.Total, nil
			}})
	}}
}
