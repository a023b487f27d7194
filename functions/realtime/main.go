// Command realtime is the Lambda of the WebSocket API.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/app"
	"payvand.dev/functions/manifest"
	"payvand.dev/functions/ws"
	"payvand.dev/shared/config"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", "realtime")
	slog.SetDefault(logger)
	f, _ := manifest.Lookup("realtime")
	for _, v := range f.RequiredEnv() {
		if os.Getenv(v) == "" {
			logger.Error("missing configuration", "err", "function realtime needs "+v)
			os.Exit(1)
		}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		logger.Error("invalid configuration", "err", err)
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	h := &ws.Handler{Tokens: deps.Tokens, Control: deps.Control.Table, Poster: ws.NewManagementAPI(deps.AWS, os.Getenv("PAYVAND_WS_ENDPOINT"))}
	lambda.Start(h.Handle)
}
