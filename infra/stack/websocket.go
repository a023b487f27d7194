package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// webSocketAPI is the real-time API: $connect, $disconnect and $default go
// to the manifest's WebSocket function; functions with the Connections
// resource may post to its connections.
type webSocketAPI struct {
	api   awsapigatewayv2.WebSocketApi
	stage awsapigatewayv2.WebSocketStage
}

func newWebSocketAPI(st awscdk.Stack, p *Props, fns []*function) *webSocketAPI {
	var handler *function
	for _, f := range fns {
		if f.spec.Kind == manifest.WebSocket {
			must(handler == nil, "the manifest has two WebSocket functions")
			handler = f
		}
	}
	if handler == nil {
		return nil
	}
	integ := func(route string) *awsapigatewayv2.WebSocketRouteOptions {
		return &awsapigatewayv2.WebSocketRouteOptions{Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(id("ws", route), handler.fn, nil)}
	}
	api := awsapigatewayv2.NewWebSocketApi(st, jsii.String("WebSocketApi"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:                jsii.String(p.Name("ws")),
		Description:            jsii.String("Payvand real-time events"),
		ConnectRouteOptions:    integ("connect"),
		DisconnectRouteOptions: integ("disconnect"),
		DefaultRouteOptions:    integ("default"),
	})
	stage := awsapigatewayv2.NewWebSocketStage(st, jsii.String("WebSocketStage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: api,
		StageName:    jsii.String("live"),
		AutoDeploy:   jsii.Bool(true),
		Throttle:     &awsapigatewayv2.ThrottleSettings{BurstLimit: jsii.Number(200), RateLimit: jsii.Number(500)},
	})
	for _, f := range fns {
		for _, r := range f.spec.Resources {
			if r == manifest.Connections {
				stage.GrantManagementApiAccess(f.fn)
				f.fn.AddEnvironment(jsii.String("PAYVAND_WS_ENDPOINT"), stage.CallbackUrl(), nil)
			}
		}
	}
	return &webSocketAPI{api: api, stage: stage}
}
