package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"payvand.dev/functions/manifest"
)

// function is one Lambda of the manifest.
type function struct {
	spec manifest.Function
	fn   awslambda.Function
}

// newFunctions makes a Lambda per manifest function, with the environment
// and the grants its resources ask for and nothing else.
func newFunctions(st awscdk.Stack, p *Props, d *data, s *secrets, docs *documents, b *bus, mf *mailFeedback) []*function {
	var out []*function
	for _, spec := range p.Functions {
		logs := awslogs.NewLogGroup(st, id(spec.Name, "logs"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/lambda/" + p.Name(spec.Name)),
			Retention:     awslogs.RetentionDays_ONE_MONTH,
			RemovalPolicy: p.removal(),
		})
		env := map[string]*string{"PAYVAND_STAGE": jsii.String(p.Stage), "PAYVAND_STORE": jsii.String("dynamodb")}
		fn := awslambda.NewFunction(st, id(spec.Name, "fn"), &awslambda.FunctionProps{
			FunctionName:  jsii.String(p.Name(spec.Name)),
			Description:   jsii.String(description(spec)),
			Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:  awslambda.Architecture_ARM_64(),
			Handler:       jsii.String("bootstrap"),
			Code:          awslambda.Code_FromAsset(jsii.String(codePath(p, spec.Name)), nil),
			MemorySize:    jsii.Number(float64(spec.MemoryMB)),
			Timeout:       awscdk.Duration_Seconds(jsii.Number(float64(spec.TimeoutS))),
			LogGroup:      logs,
			LoggingFormat: awslambda.LoggingFormat_JSON,
			// Structured JSON logs carry request ids and storage counts;
			// X-Ray would need PutTraceSegments on "*".
			Tracing: awslambda.Tracing_DISABLED,
		})
		for _, r := range spec.Resources {
			grant(st, p, fn, r, env, d, s, docs, b, mf)
		}
		for k, v := range env {
			fn.AddEnvironment(jsii.String(k), v, nil)
		}
		out = append(out, &function{spec: spec, fn: fn})
	}
	return out
}

// grant gives fn one manifest resource: its IAM permissions and the
// environment variables that name it (manifest.Env).
func grant(st awscdk.Stack, p *Props, fn awslambda.Function, resource string, env map[string]*string, d *data, s *secrets, docs *documents, b *bus, mf *mailFeedback) {
	switch resource {
	case manifest.ControlTable:
		d.control.GrantReadWriteData(fn)
		env["PAYVAND_CONTROL_TABLE"] = d.control.TableName()
	case manifest.TenantTables:
		fn.AddToRolePolicy(d.tenantData())
		env["PAYVAND_TABLE_PREFIX"] = jsii.String(p.TenantTablePrefix())
	case manifest.TenantAdmin:
		fn.AddToRolePolicy(d.tenantAdmin())
		env["PAYVAND_TABLE_PREFIX"] = jsii.String(p.TenantTablePrefix())
	case manifest.JWTSecret:
		s.jwt.GrantRead(fn, nil)
		env["PAYVAND_JWT_SECRET_ID"] = s.jwt.SecretArn()
	case manifest.Documents:
		docs.bucket.GrantReadWrite(fn, nil)
		env["PAYVAND_BUCKET"] = docs.bucket.BucketName()
	case manifest.Bus:
		b.bus.GrantPutEventsTo(fn, nil)
		env["PAYVAND_EVENT_BUS"] = b.bus.EventBusName()
	case manifest.Email:
		identity := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(p.SESIdentity)})
		// Every message goes with the configuration set (its bounces and
		// complaints reach sesfeedback), which SES authorizes too.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("SendMailFromIdentity"),
			Actions:   jsii.Strings("ses:SendEmail", "ses:SendRawEmail"),
			Resources: &[]*string{identity, mf.arn(st, p)},
		}))
		// POST /api/email/test-connection reads the account's sending
		// state; AWS has no resource to scope GetAccount to.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadSESAccount"), Actions: jsii.Strings("ses:GetAccount"), Resources: jsii.Strings("*"),
		}))
		env["PAYVAND_SES_IDENTITY"] = jsii.String(p.SESIdentity)
		env["PAYVAND_MAIL_FROM"] = jsii.String(p.MailFrom)
		env["PAYVAND_SES_CONFIGURATION_SET"] = mf.set.ConfigurationSetName()
	case manifest.SMS:
		// SMS to a phone number has no resource ARN: AWS requires "*" here,
		// the only such grant in the stack.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("SendSMS"),
			Actions:   jsii.Strings("sns:Publish"),
			Resources: jsii.Strings("*"),
		}))
		if sp := p.SMS; sp.Provider != "" {
			must(sp.Provider == "sns" || (sp.Provider == "kavenegar" && sp.KavenegarSecretARN != ""),
				"smsProvider must be sns, or kavenegar with kavenegarSecretArn, not %q", sp.Provider)
			env["PAYVAND_SMS_PROVIDER"] = jsii.String(sp.Provider)
			if sp.Provider == "kavenegar" {
				awssecretsmanager.Secret_FromSecretCompleteArn(st, id(*fn.Node().Id(), "kavenegar"), jsii.String(sp.KavenegarSecretARN)).GrantRead(fn, nil)
				env["PAYVAND_KAVENEGAR_API_KEY_SECRET"] = jsii.String(sp.KavenegarSecretARN)
				env["PAYVAND_KAVENEGAR_SENDER"] = jsii.String(sp.KavenegarSender)
			}
		}
		// POST /api/sms/test-connection reads the SMS settings.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadSMSSettings"), Actions: jsii.Strings("sns:GetSMSAttributes"), Resources: jsii.Strings("*"),
		}))
	case manifest.Connections:
		// granted by the WebSocket API once it exists (websocket.go)
	case manifest.StreamWiring:
		// Provisioning connects a tenant table's stream to the relay
		// (DESIGN §7); the relay's name is known before it is made.
		relay := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("lambda"), Resource: jsii.String("function"),
			ResourceName: jsii.String(p.Name("relay")), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
		onRelay := &map[string]any{"StringEquals": map[string]any{"lambda:FunctionArn": relay}}
		// Mappings have no ARN before they exist, and AWS lists them on
		// "*" only: creation is held to the relay function by condition.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RelayMappingsCreate"), Actions: jsii.Strings("lambda:CreateEventSourceMapping"),
			Resources: jsii.Strings("*"), Conditions: onRelay,
		}))
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RelayMappingsList"), Actions: jsii.Strings("lambda:ListEventSourceMappings"), Resources: jsii.Strings("*"),
		}))
		mappings := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("lambda"), Resource: jsii.String("event-source-mapping"),
			ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
		// Update: Attach converges an existing mapping to the current
		// retries and failure queue.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RelayMappingsDelete"), Actions: jsii.Strings("lambda:DeleteEventSourceMapping", "lambda:GetEventSourceMapping",
				"lambda:UpdateEventSourceMapping"),
			Resources: &[]*string{mappings}, Conditions: onRelay,
		}))
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("TenantTablesStreamEnable"), Actions: jsii.Strings("dynamodb:DescribeTable", "dynamodb:UpdateTable"),
			Resources: &d.tables,
		}))
		env["PAYVAND_RELAY_FUNCTION"] = jsii.String(p.Name("relay"))
		env["PAYVAND_RELAY_FAILURE_QUEUE_ARN"] = b.relayFailures.QueueArn()
	case manifest.TenantStreams:
		streams := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("dynamodb"), Resource: jsii.String("table"),
			ResourceName: jsii.String(p.TenantTablePrefix() + "*/stream/*")})
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("TenantTableStreams"),
			Actions:   jsii.Strings("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
			Resources: &[]*string{streams},
		}))
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ListStreams"), Actions: jsii.Strings("dynamodb:ListStreams"), Resources: jsii.Strings("*"),
		}))
		// The mapping's on-failure destination is sent to with the
		// function's own role.
		b.relayFailures.GrantSendMessages(fn)
		env["PAYVAND_TABLE_PREFIX"] = jsii.String(p.TenantTablePrefix())
	case manifest.CampaignScheduler:
		// One-time schedules named campaign-<id> in the default group,
		// which put email.campaign_due on the bus as the scheduler's role.
		role := b.schedulerRole(st, p)
		schedules := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("scheduler"), Resource: jsii.String("schedule"),
			ResourceName: jsii.String("default/campaign-*")})
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("CampaignSchedules"), Actions: jsii.Strings("scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:DeleteSchedule"),
			Resources: &[]*string{schedules},
		}))
		role.GrantPassRole(fn.GrantPrincipal())
		env["PAYVAND_EVENT_BUS_ARN"] = b.bus.EventBusArn()
		env["PAYVAND_SCHEDULER_ROLE_ARN"] = role.RoleArn()
	default:
		must(false, "manifest resource %q has no grant in the stack", resource)
	}
}

// description names the function and its prefixes within Lambda's 256
// characters (a group with many prefixes lists as many as fit).
func description(spec manifest.Function) string {
	d := "Payvand " + spec.Name + " (" + strings.Join(spec.Prefixes, " ") + ")"
	if r := []rune(d); len(r) > 256 {
		d = string(r[:254]) + "…)"
	}
	return d
}
