package app

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/shared/blob"
	"payvand.dev/shared/config"
)

// LambdaAWS builds the AWS configuration from the variables Lambda sets
// (region and the execution role's credentials). The SDK's default chain
// would find the same static credentials, after linking and initializing
// SSO, STS and profile-file support a Lambda never uses — several
// milliseconds of every cold start.
func LambdaAWS(context.Context) (aws.Config, error) {
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

// LambdaBlob is the documents bucket of the stack (PAYVAND_BUCKET).
func LambdaBlob(_ context.Context, cfg config.Config, awsCfg aws.Config) (blob.Store, io.Closer, error) {
	return blob.NewS3(awsCfg, cfg.Bucket, false), nil, nil
}
