// Package lambdahttp serves an http.Handler as a Lambda behind an API
// Gateway HTTP API (payload v2). It knows nothing of the store or the
// services, so a function that needs neither links neither.
package lambdahttp

import (
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"payvand.dev/functions/boot"
)

// Serve checks the function's configuration, builds its handler once (at
// init, outside any request) and serves invocations. It returns only when
// the function cannot start (logged); main then exits.
func Serve(name string, build func(*slog.Logger) (http.Handler, error)) error {
	// Building the API allocates a few MB of schemas once; collecting
	// during it only delays the first response.
	gc := debug.SetGCPercent(-1)
	logger, err := boot.Begin(name)
	if err != nil {
		return err
	}
	h, err := build(logger)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	debug.SetGCPercent(gc)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
	return nil
}
