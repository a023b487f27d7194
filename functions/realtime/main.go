// Command realtime is the Lambda of the WebSocket API.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"payvand.dev/functions/api/notificationsapi"
	"payvand.dev/functions/app"
	"payvand.dev/functions/boot"
	"payvand.dev/functions/pusher"
	"payvand.dev/functions/ws"
)

func main() {
	logger, cfg, err := boot.Start("realtime")
	if err != nil {
		os.Exit(1)
	}
	deps, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS})
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	secret, err := deps.Tokens.Derive("pusher")
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	h := &ws.Handler{Tokens: deps.Tokens, Control: deps.Control.Table, Poster: ws.NewManagementAPI(deps.AWS, os.Getenv("PAYVAND_WS_ENDPOINT")),
		Authz: &pusher.Authorizer{Control: deps.Control}, Key: notificationsapi.PusherKey(), Secret: secret}
	if deps.Bus != nil {
		h.Bus = deps.Bus
	}
	lambda.Start(h.Handle)
}
