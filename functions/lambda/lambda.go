// Package lambda starts one route group of the manifest as an AWS Lambda
// behind an API Gateway HTTP API (payload v2).
package lambda

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"payvand.dev/functions/app"
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
