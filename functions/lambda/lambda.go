// Package lambda starts one route group of the manifest as an AWS Lambda
// behind an API Gateway HTTP API (payload v2).
package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"os"
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
//
// The platform Lambda mounts every group so that its /api/openapi.json
// describes the whole API; API Gateway routes only its own prefixes to it.
func Start(name string, mounts ...app.Mount) error {
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
	deps, err := app.Open(context.Background(), cfg)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	h, err := deps.Handler(logger, mounts...)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
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
