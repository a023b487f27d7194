// Package awsenv builds AWS clients from what Lambda puts in the
// environment, without the SDK's default configuration chain (SSO, STS and
// profile files, which a Lambda never uses and which would add to every
// cold start).
package awsenv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/functions/boot"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/config"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/tenancy"
)

// Config reads the region and the execution role's credentials.
func Config(context.Context) (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" || key == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
	}, nil
}

// Blob is the documents bucket of the stack (PAYVAND_BUCKET).
func Blob(_ context.Context, cfg config.Config, awsCfg aws.Config) (blob.Store, io.Closer, error) {
	return blob.NewS3(awsCfg, cfg.Bucket, false), nil, nil
}

// ControlPlane is the stack's control plane on DynamoDB, for a worker that
// needs it without the API kernel app.Open brings.
func ControlPlane(ctx context.Context, cfg config.Config) (aws.Config, *tenancy.ControlPlane, error) {
	awsCfg, err := Config(ctx)
	if err != nil {
		return aws.Config{}, nil, err
	}
	db := dynamodb.New(awsCfg, nil)
	cp := &tenancy.ControlPlane{DB: db, Table: db.Table(cfg.ControlTable), TablePrefix: cfg.TablePrefix}
	if fn := os.Getenv("PAYVAND_RELAY_FUNCTION"); fn != "" {
		cp.Streams = &relay.Wiring{AWS: awsCfg, Function: fn}
	}
	return awsCfg, cp, nil
}

// Worker starts a Lambda that serves no HTTP but needs the control plane
// (consumers and scheduled jobs): its logger, configuration, AWS
// configuration and control plane. A missing piece is logged and the
// process exits, as Lambda expects of a failed start.
func Worker(name string) (*slog.Logger, config.Config, aws.Config, *tenancy.ControlPlane) {
	logger, cfg, err := boot.Start(name)
	if err != nil {
		os.Exit(1)
	}
	awsCfg, control, err := ControlPlane(context.Background(), cfg)
	if err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	return logger, cfg, awsCfg, control
}
