// Package health serves GET /api/health.
package health

import (
	"context"
	"net/http"

	"payvand.dev/shared/httpapi"
)

// Status is the health answer.
type Status struct {
	Body struct {
		Status  string `json:"status" example:"ok"`
		Version string `json:"version"`
		Success bool   `json:"success"`
	}
}

// Register mounts the health route.
func Register(s *httpapi.Server, version string) {
	httpapi.Register(s, httpapi.Route{Method: http.MethodGet, Path: "/api/health", ID: "health", Summary: "Health check",
		Tags: []string{"Platform"}, Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*Status, error) {
			out := &Status{}
			out.Body.Status, out.Body.Version, out.Body.Success = "ok", version, true
			return out, nil
		})
}
