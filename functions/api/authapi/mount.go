package authapi

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the auth route group.
func Mount() app.Mount {
	return app.Mount{Name: "auth", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control, Tokens: d.Tokens, Refresh: d.Refresh, Resets: d.Resets, Mail: d.Mail,
			Limiter: d.LoginLimiter, Origins: d.Config.CORSOrigins, AppURL: d.Config.AppURL,
			Background: d.Background})
	}}
}
