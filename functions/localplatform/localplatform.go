// Package localplatform is app.Platform for processes that are not
// Lambdas: the embedded store with S3 served by gofakes3 in-process on
// loopback (the same S3 client code as on AWS), or, on DynamoDB
// (PAYVAND_STORE=dynamodb), S3 too, at PAYVAND_AWS_ENDPOINT when it is set
// (moto_server, LocalStack: the whole runner on AWS-protocol services);
// and the SDK's full AWS configuration chain (profiles, SSO) for running
// against real AWS.
package localplatform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"

	"payvand.dev/functions/app"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/config"
	_ "payvand.dev/shared/imports/xlsx" // the local runner reads spreadsheets in-process
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

// Platform opens all of them.
var Platform = app.Platform{
	AWS: func(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) },
	Embedded: func(dir string) (store.DB, error) {
		return embedded.Open(dir, embedded.WithSweep(time.Minute))
	},
	Mail:    sesmail.New,
	Blob:    Blob,
	KeyFile: true,
}

// Blob is gofakes3 beside the embedded store, and S3 beside DynamoDB: at
// PAYVAND_AWS_ENDPOINT (path-style, the bucket created when missing) or,
// without it, the bucket PAYVAND_BUCKET of the AWS account.
func Blob(ctx context.Context, cfg config.Config, awsCfg aws.Config) (blob.Store, io.Closer, error) {
	if cfg.Store != "dynamodb" {
		return FakeS3(ctx, cfg, awsCfg)
	}
	if cfg.AWSEndpoint == "" {
		return blob.NewS3(awsCfg, cfg.Bucket, false), nil, nil
	}
	awsCfg.BaseEndpoint = aws.String(cfg.AWSEndpoint)
	s := blob.NewS3(awsCfg, cfg.Bucket, true)
	if err := ensureBucket(ctx, s); err != nil {
		return nil, nil, err
	}
	return s, nil, nil
}

// ensureBucket creates the bucket unless it exists.
func ensureBucket(ctx context.Context, s *blob.S3) error {
	_, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)})
	var exists interface{ ErrorCode() string }
	if err != nil && (!errors.As(err, &exists) || (exists.ErrorCode() != "BucketAlreadyOwnedByYou" && exists.ErrorCode() != "BucketAlreadyExists")) {
		return fmt.Errorf("create bucket %s: %w", s.Bucket, err)
	}
	return nil
}

// fakeS3 is the loopback S3 server and its bolt file.
type fakeS3 struct {
	srv *http.Server
	db  *bolt.DB
}

func (f *fakeS3) Close() error {
	return errors.Join(f.srv.Close(), f.db.Close())
}

// FakeS3 serves gofakes3 (bolt backend, a file in the data directory) on a
// free loopback port and returns the blob store over it.
func FakeS3(ctx context.Context, cfg config.Config, _ aws.Config) (blob.Store, io.Closer, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, err
	}
	db, err := bolt.Open(filepath.Join(cfg.DataDir, "blobs.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	backend := s3bolt.New(db)
	f := &fakeS3{srv: &http.Server{Handler: gofakes3.New(backend, gofakes3.WithAutoBucket(true)).Server(), ReadHeaderTimeout: 10 * time.Second}, db: db}
	go f.srv.Serve(l)
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String("http://" + l.Addr().String())}
	store := blob.NewS3(awsCfg, cfg.Bucket, true)
	if err := ensureBucket(ctx, store); err != nil {
		f.Close()
		return nil, nil, err
	}
	return store, f, nil
}
