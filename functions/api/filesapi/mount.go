package filesapi

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the files route group.
func Mount() app.Mount {
	return app.Mount{Name: "files", Register: func(s *httpapi.Server, d *app.Deps) {
		Register(s, Deps{Control: d.Control, Blob: d.Blob})
	}}
}
