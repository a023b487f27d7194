// Package blob is the file storage port: S3 on AWS, and locally the same
// S3 code against gofakes3 served in-process on loopback.
package blob

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"payvand.dev/shared/crm"
)

// Store keeps files by key.
type Store interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	// Get returns the file; ENOTFOUND when missing. The caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, string, int64, error)
	Delete(ctx context.Context, key string) error
}

// S3 is Store over one bucket.
type S3 struct {
	Client *s3.Client
	Bucket string
}

var _ Store = (*S3)(nil)

// NewS3 uses cfg; pathStyle is for S3-compatible servers (gofakes3).
func NewS3(cfg aws.Config, bucket string, pathStyle bool) *S3 {
	return &S3{Client: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }), Bucket: bucket}
}

func (s *S3) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: &contentType, ContentLength: aws.Int64(int64(len(body)))})
	return crm.Wrap(err, "s3 put")
}

func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, string, int64, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key})
	if err != nil {
		var nsk *types.NoSuchKey
		var api smithy.APIError
		if errors.As(err, &nsk) || (errors.As(err, &api) && api.ErrorCode() == "NotFound") {
			return nil, "", 0, crm.Errorf(crm.ENOTFOUND, "file not found")
		}
		return nil, "", 0, crm.Wrap(err, "s3 get")
	}
	return out.Body, aws.ToString(out.ContentType), aws.ToInt64(out.ContentLength), nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.Bucket, Key: &key})
	return crm.Wrap(err, "s3 delete")
}
