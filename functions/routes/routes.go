// Package routes names the mount of every route group. They are functions,
// not a table, so that a Lambda that uses one links only that group's code.
package routes

import (
	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/api/customersapi"
	"payvand.dev/functions/api/health"
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Platform serves health.
func Platform() app.Mount {
	return app.Mount{Name: "platform", Register: func(s *httpapi.Server, d *app.Deps) { health.Register(s, d.Config.Version) }}
}

// Auth serves logins, refresh, logout, me and verify.
func Auth() app.Mount {
	return app.Mount{Name: "auth", Register: func(s *httpapi.Server, d *app.Deps) {
		authapi.Register(s, authapi.Deps{Control: d.Control, Tokens: d.Tokens, Refresh: d.Refresh})
	}}
}

// Customers serves /api/customers and /api/tenant/customers.
func Customers() app.Mount {
	return app.Mount{Name: "customers", Register: func(s *httpapi.Server, d *app.Deps) { customersapi.Register(s, d.Customers) }}
}

// All is every group: the local runner, and the platform Lambda whose
// OpenAPI document describes the whole API.
func All() []app.Mount { return []app.Mount{Platform(), Auth(), Customers()} }
