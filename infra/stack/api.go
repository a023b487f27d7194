package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// httpAPI is the HTTP API with one Lambda integration per route group.
type httpAPI struct{ api awsapigatewayv2.HttpApi }

// accessLogFormat is one JSON object per request.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","time":"$context.requestTime",` +
	`"method":"$context.httpMethod","path":"$context.path","routeKey":"$context.routeKey","status":"$context.status",` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength","latency":"$context.responseLatency",` +
	`"integrationLatency":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage"}`

func newHTTPAPI(st awscdk.Stack, p *Props, fns []*function) *httpAPI {
	origins := make([]*string, len(p.CORSOrigins))
	// "*" never goes with credentials (browsers refuse it, and it would
	// let any site ride a visitor's cookies): with it, only bearer calls.
	credentials := true
	for i, o := range p.CORSOrigins {
		origins[i] = jsii.String(o)
		if o == "*" {
			credentials = false
		}
	}
	api := awsapigatewayv2.NewHttpApi(st, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     jsii.String(p.Name("api")),
		Description: jsii.String("Payvand HTTP API"),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins:     &origins,
			AllowCredentials: jsii.Bool(credentials),
			AllowHeaders:     jsii.Strings("Authorization", "Content-Type", "Accept", "Accept-Language", "X-Timezone", "X-Request-ID", "X-Tenant-Key"),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE,
				awsapigatewayv2.CorsHttpMethod_OPTIONS},
			ExposeHeaders: jsii.Strings("X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"),
			MaxAge:        awscdk.Duration_Minutes(jsii.Number(10)),
		},
		CreateDefaultStage: jsii.Bool(true),
	})
	logs := awslogs.NewLogGroup(st, jsii.String("HttpApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + p.Name("api")),
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: p.removal(),
	})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingBurstLimit: jsii.Number(500),
		ThrottlingRateLimit:  jsii.Number(1000),
	})
	for _, f := range fns {
		if f.spec.Kind == manifest.WebSocket {
			continue
		}
		integ := awsapigatewayv2integrations.NewHttpLambdaIntegration(id(f.spec.Name, "integration"), f.fn,
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				// One invoke permission per function (any route of this API)
				// rather than one per route: the catalogue's 150+ routes would
				// otherwise spend CloudFormation's 500-resource budget.
				ScopePermissionToRoute: jsii.Bool(false)})
		for _, prefix := range f.spec.Prefixes {
			for _, path := range []string{prefix, prefix + "/{proxy+}"} {
				api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
					Path:        jsii.String(path),
					Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
					Integration: integ,
				})
			}
		}
	}
	return &httpAPI{api: api}
}
