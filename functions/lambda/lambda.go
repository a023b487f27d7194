// Package lambda starts one route group of the manifest as an AWS Lambda
// behind an API Gateway HTTP API (payload v2).
package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"payvand.dev/functions/app"
	"payvand.dev/functions/manifest"
	"payvand.dev/shared/config"
)

// Start builds the group's handler once (at init, outside any request) and
// serves Lambda invocations with it. It returns only when the function
// cannot start (logged); main then exits.
func Start(name string, mounts ...app.Mount) error { return StartWithDoc(name, nil, mounts...) }

// StartWithDoc is Start serving a prebuilt OpenAPI document.
func StartWithDoc(name string, openapi []byte, mounts ...app.Mount) error {
	// Building the API allocates a few MB of schemas once; collecting
	// during it only delays the first response.
	gc := debug.SetGCPercent(-1)
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", name)
	slog.SetDefault(logger)
	if err := checkEnv(name); err != nil {
		logger.Error("missing configuration", "err", err)
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		logger.Error("invalid configuration", "err", err)
		return err
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	deps.OpenAPI = openapi
	h, err := deps.Handler(logger, mounts...)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	debug.SetGCPercent(gc)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
	return nil
}

// checkEnv refuses to start a function whose manifest resources are not
// configured, naming every missing variable in one line.
func checkEnv(name string) error {
	f, ok := manifest.Lookup(name)
	if !ok {
		return fmt.Errorf("function %q is not in the manifest", name)
	}
	var missing []string
	for _, v := range f.RequiredEnv() {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function %s needs %s", name, strings.Join(missing, ", "))
	}
	return nil
}
