package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// Indexes mirror store.Indexes: every table has the same key schema.
var indexes = []string{"GSI1", "GSI2", "GSI3", "GSI4", "GSI5"}

// data is the control-plane table and the policies over tenant tables.
type data struct {
	control awsdynamodb.Table
	tables  []*string // every tenant table and its indexes
}

// tenantData is the item access to every tenant table.
func (d *data) tenantData() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("TenantTablesData"),
		Actions: jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
			"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"),
		Resources: &d.tables,
	})
}

// tenantAdmin creates and drops tenant tables (provisioning).
func (d *data) tenantAdmin() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("TenantTablesProvisioning"),
		Actions: jsii.Strings("dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateContinuousBackups",
			"dynamodb:DescribeContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeTimeToLive", "dynamodb:DeleteTable",
			"dynamodb:TagResource"),
		Resources: &d.tables,
	})
}

func newData(st awscdk.Stack, p *Props) *data {
	str := awsdynamodb.AttributeType_STRING
	t := awsdynamodb.NewTable(st, jsii.String("ControlTable"), &awsdynamodb.TableProps{
		TableName:    jsii.String(p.Name("control")),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("PK"), Type: str},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String("SK"), Type: str},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String("ttl"),
		DeletionProtection:  jsii.Bool(p.Prod()),
		RemovalPolicy:       p.removal(),
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
	})
	for _, ix := range indexes {
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(ix + "PK"), Type: str},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String(ix + "SK"), Type: str},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return &data{control: t, tables: tenantTableArns(st, p)}
}

// tenantTableArns are every table named with the tenant prefix and their indexes.
func tenantTableArns(st awscdk.Stack, p *Props) []*string {
	table := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("dynamodb"), Resource: jsii.String("table"),
		ResourceName: jsii.String(p.TenantTablePrefix() + "*")})
	index := st.FormatArn(&awscdk.ArnComponents{Service: jsii.String("dynamodb"), Resource: jsii.String("table"),
		ResourceName: jsii.String(p.TenantTablePrefix() + "*/index/*")})
	return []*string{table, index}
}
