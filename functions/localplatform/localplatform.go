// Package localplatform is app.Platform for processes that are not
// Lambdas: the embedded store, S3 served by gofakes3 in-process on
// loopback (the same S3 client code as on AWS), and the SDK's full AWS
// configuration chain (profiles, SSO) for running against real AWS.
package localplatform

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
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
	Mail: sesmail.New,
	Blob: FakeS3,
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
	if _, err := store.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(cfg.Bucket)}); err != nil {
		var exists interface{ ErrorCode() string }
		if !errors.As(err, &exists) || (exists.ErrorCode() != "BucketAlreadyOwnedByYou" && exists.ErrorCode() != "BucketAlreadyExists") {
			f.Close()
			return nil, nil, err
		}
	}
	return store, f, nil
}
