// Package lambda starts one route group of the manifest as a Lambda with
// the services it needs (store, tokens) built from the environment.
package lambda

import (
	"context"
	"log/slog"
	"net/http"

	"payvand.dev/functions/app"
	"payvand.dev/functions/lambdahttp"
	"payvand.dev/shared/config"
)

// Start serves the mounted route groups. It returns only when the function
// cannot start (logged); main then exits.
func Start(name string, mounts ...app.Mount) error {
	return StartWith(app.Platform{AWS: app.LambdaAWS}, name, mounts...)
}

// StartWith is Start with more platform capabilities (mail).
func StartWith(pf app.Platform, name string, mounts ...app.Mount) error {
	return lambdahttp.Serve(name, func(logger *slog.Logger) (http.Handler, error) {
		cfg, err := config.FromEnv()
		if err != nil {
			return nil, err
		}
		deps, err := app.Open(context.Background(), cfg, pf)
		if err != nil {
			return nil, err
		}
		deps.LazyRoutes = true
		return deps.Handler(logger, mounts...)
	})
}
