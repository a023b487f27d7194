package adminapi

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the admin route group.
func Mount() app.Mount {
	return app.Mount{Name: "admin", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control, Resets: d.Resets, Mail: d.Mail, Outbox: d.Outbox, AppURL: d.Config.AppURL})
	}}
}
