// Package emailsettingsapi is the tenant's mail provider configuration
// and the connection checks of the e-mail route group: GET
// /api/settings/email, POST /api/settings/email/configure and /test,
// POST /api/email/test-connection and /test-oauth, and GET /api/Gmail.
// It is mounted into the email Lambda beside emailapi.
package emailsettingsapi

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the settings part of the e-mail route group.
func Mount() app.Mount {
	return app.Mount{Name: "email", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d) }}
}

// Register mounts the routes.
func Register(s *httpapi.Server, d *app.Deps) {}
