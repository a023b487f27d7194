// Command infra is the Payvand CDK app (cdk.json runs it; `make synth`
// writes cdk.out/). Context: -c stage=dev|prod, corsOrigins, sesIdentity,
// smsProvider (sns|kavenegar) with kavenegarSecretArn and kavenegarSender,
// mailFrom, alarmEmail.
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/infra/stack"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	props := PropsFromContext(app)
	stack.New(app, "Payvand-"+props.Stage, props)
	app.Synth(nil)
}

// PropsFromContext reads the stack settings from CDK context.
func PropsFromContext(app awscdk.App) *stack.Props {
	ctx := func(k, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(k)).(string); ok && v != "" {
			return v
		}
		return def
	}
	stage := ctx("stage", "dev")
	if stage != "dev" && stage != "prod" {
		panic("context stage must be dev or prod, not " + stage)
	}
	var env *awscdk.Environment
	// The CLI sets these from the credentials; offline synth leaves the
	// stack environment-agnostic.
	if acct, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); acct != "" && region != "" {
		env = &awscdk.Environment{Account: jsii.String(acct), Region: jsii.String(region)}
	}
	return &stack.Props{
		StackProps:  awscdk.StackProps{Env: env},
		Stage:       stage,
		CodeDir:     ctx("codeDir", "dist"),
		CORSOrigins: strings.Split(ctx("corsOrigins", "http://localhost:5173"), ","),
		SESIdentity: ctx("sesIdentity", "payvand.example"),
		MailFrom:    ctx("mailFrom", "no-reply@payvand.example"),
		AlarmEmail:  ctx("alarmEmail", ""),
		SMS: stack.SMSProps{Provider: ctx("smsProvider", ""), KavenegarSecretARN: ctx("kavenegarSecretArn", ""),
			KavenegarSender: ctx("kavenegarSender", "")},
	}
}
