package health

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the platform route group.
func Mount() app.Mount {
	return app.Mount{Name: "platform", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d.Config.Version) }}
}
