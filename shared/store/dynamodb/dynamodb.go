// Package dynamodb is the store backend for AWS: guregu/dynamo v2 over
// aws-sdk-go-v2. Query is issued through the raw client because it needs
// request-level control (how many items each round trip reads, cursors from
// the last returned item) that guregu's iterator hides.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// DB is the DynamoDB implementation of store.DB.
type DB struct {
	db     *dynamo.DB
	client *ddb.Client
	now    func() time.Time
	pitr   bool
}

var _ store.DB = (*DB)(nil)

// Option configures New.
type Option func(*DB)

// WithClock replaces time.Now (tests of TTL expiry).
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

// WithoutPITR skips enabling point-in-time recovery on new tables (for
// servers that do not implement it).
func WithoutPITR() Option { return func(d *DB) { d.pitr = false } }

// New builds the backend from an AWS config; optFns adjust the client (a
// BaseEndpoint for moto_server, for instance). Every attempt of its calls,
// retries included, counts in the request's store.Stats.
func New(cfg aws.Config, clientOpts []func(*ddb.Options), opts ...Option) *DB {
	clientOpts = append(clientOpts[:len(clientOpts):len(clientOpts)], func(o *ddb.Options) { o.APIOptions = append(o.APIOptions, countAttempts) })
	client := ddb.NewFromConfig(cfg, clientOpts...)
	d := &DB{db: dynamo.NewFromIface(client), client: client, now: time.Now, pitr: true}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *DB) Close() error { return nil }

func (d *DB) Table(name string) store.Table {
	return &table{d: d, t: d.db.Table(name), name: name}
}

func (d *DB) CreateTable(ctx context.Context, name string) error {
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String(store.PK), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(store.SK), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for _, ix := range store.Indexes {
		attrs = append(attrs,
			types.AttributeDefinition{AttributeName: aws.String(ix + "PK"), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(ix + "SK"), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix + "PK"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix + "SK"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	_, err := d.client.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:              aws.String(name),
		BillingMode:            types.BillingModePayPerRequest,
		AttributeDefinitions:   attrs,
		KeySchema:              []types.KeySchemaElement{{AttributeName: aws.String(store.PK), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(store.SK), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: gsis,
		// The event relay reads each table's outbox from its stream
		// (DESIGN §7); the new image is all it needs.
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		return translate(err)
	}
	w := ddb.NewTableExistsWaiter(d.client, func(o *ddb.TableExistsWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	if err := w.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
		return fmt.Errorf("dynamodb: wait for table %s: %w", name, err)
	}
	if _, err := d.client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(store.TTL), Enabled: aws.Bool(true)},
	}); err != nil {
		return fmt.Errorf("dynamodb: enable ttl on %s: %w", name, err)
	}
	if d.pitr {
		if _, err := d.client.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(name),
			PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("dynamodb: enable point-in-time recovery on %s: %w", name, err)
		}
	}
	return nil
}

func (d *DB) DeleteTable(ctx context.Context, name string) error {
	_, err := d.client.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(name)})
	return translate(err)
}

func (d *DB) TableExists(ctx context.Context, name string) (bool, error) {
	_, err := d.client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		return true, nil
	}
	if crm.ErrorCode(translate(err)) == crm.ENOTFOUND {
		return false, nil
	}
	return false, translate(err)
}

// translate maps AWS errors to domain codes; the cause stays wrapped for logs.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the condition of the write failed", Err: err}
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return &crm.Error{Code: crm.ENOTFOUND, Message: "table not found", Err: err}
	}
	var riu *types.ResourceInUseException
	if errors.As(err, &riu) {
		return &crm.Error{Code: crm.ECONFLICT, Message: "table already exists", Err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" {
		return &crm.Error{Code: crm.EINVALID, Message: "the store refused the request", Err: err}
	}
	return crm.Wrap(err, "dynamodb")
}
