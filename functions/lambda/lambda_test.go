package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"payvand.dev/functions/api/authapi"
	"payvand.dev/functions/api/customersapi"
	"payvand.dev/functions/app"
	"payvand.dev/shared/config"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

// TestAPIGatewayV2Events drives the handlers as a Lambda receives them:
// API Gateway v2 events through the same adapter, configuration from the
// environment the stack sets, DynamoDB and Secrets Manager on moto,
// routes registered on first use. Cookies travel in the event's cookies
// list, not in a header, and come back in the response's.
func TestAPIGatewayV2Events(t *testing.T) {
	ep := moto.Endpoint(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1e9)
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_LAMBDA_FUNCTION_NAME": "payvand-test",
		"PAYVAND_AWS_ENDPOINT": ep, "PAYVAND_CONTROL_TABLE": "lambda-control-" + run, "PAYVAND_TABLE_PREFIX": "lt" + run + "-",
		"PAYVAND_JWT_SECRET_ID": "lambda-jwt-" + run, "PAYVAND_EVENT_BUS": "bus",
	} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	awsCfg, _ := app.LambdaAWS(ctx)
	awsCfg.BaseEndpoint = aws.String(ep)
	if _, err := secretsmanager.NewFromConfig(awsCfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("lambda-jwt-" + run), SecretString: aws.String(strings.Repeat("k", 40))}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromEnv()
	if err != nil || cfg.Store != "dynamodb" {
		t.Fatalf("config in Lambda: %+v %v", cfg, err)
	}
	deps, err := app.Open(ctx, cfg, app.Platform{AWS: app.LambdaAWS})
	if err != nil {
		t.Fatal(err)
	}
	// What the stack and provisioning would have made.
	if err := deps.DB.CreateTable(ctx, cfg.ControlTable); err != nil {
		t.Fatal(err)
	}
	if _, _, err := deps.Control.Provision(ctx, tenancy.NewTenant{Key: "acme", CompanyName: "Acme", AdminName: "Boss", AdminEmail: "boss@acme.test", AdminPassword: "Strong-pass-1"}); err != nil {
		t.Fatal(err)
	}
	deps.LazyRoutes = true
	h, err := deps.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), authapi.Mount(), customersapi.Mount())
	if err != nil {
		t.Fatal(err)
	}
	adapter := httpadapter.NewV2(h)
	call := func(method, path, token, body string, cookies []string) events.APIGatewayV2HTTPResponse {
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: path, Body: body, Cookies: cookies,
			Headers: map[string]string{"content-type": "application/json", "host": "api.example.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "api.example.com", Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "203.0.113.9"}}}
		if token != "" {
			e.Headers["authorization"] = "Bearer " + token
		}
		resp, err := adapter.ProxyWithContext(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	login := call("POST", "/api/tenant/auth/login", "", `{"tenant_key":"acme","email":"boss@acme.test","password":"Strong-pass-1"}`, nil)
	var lb struct{ Token string }
	json.Unmarshal([]byte(login.Body), &lb)
	if login.StatusCode != 200 || lb.Token == "" {
		t.Fatalf("login: %d %s", login.StatusCode, login.Body)
	}
	var refresh string
	for _, c := range login.Cookies {
		if strings.HasPrefix(c, "refresh_token=") {
			refresh = strings.SplitN(strings.TrimPrefix(c, "refresh_token="), ";", 2)[0]
			if !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
				t.Fatalf("cookie flags on AWS: %s", c)
			}
		}
	}
	if refresh == "" {
		t.Fatalf("no refresh cookie in the v2 response: %v (headers %v)", login.Cookies, login.Headers)
	}
	created := call("POST", "/api/customers", lb.Token, `{"name":"Lambda Customer","city":"Tehran"}`, nil)
	if created.StatusCode != 201 {
		t.Fatalf("create: %d %s", created.StatusCode, created.Body)
	}
	var cb struct{ Data struct{ ID string } }
	json.Unmarshal([]byte(created.Body), &cb)
	if got := call("GET", "/api/customers/"+cb.Data.ID, lb.Token, "", nil); got.StatusCode != 200 || !strings.Contains(got.Body, "Lambda Customer") {
		t.Fatalf("get by path parameter: %d %s", got.StatusCode, got.Body)
	}
	if r := call("POST", "/api/auth/refresh", "", "", []string{"refresh_token=" + refresh}); r.StatusCode != 200 {
		t.Fatalf("refresh with the event's cookie: %d %s", r.StatusCode, r.Body)
	}
	if r := call("GET", "/api/customers", "", "", nil); r.StatusCode != 401 || r.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("unauthenticated: %d %v", r.StatusCode, r.Headers)
	}
}
