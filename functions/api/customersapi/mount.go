package customersapi

import (
	"payvand.dev/functions/app"
	"payvand.dev/shared/httpapi"
)

// Mount is the customers route group.
func Mount() app.Mount {
	return app.Mount{Name: "customers", Register: func(s *httpapi.Server, d *app.Deps) { Register(s, d.Customers) }}
}
