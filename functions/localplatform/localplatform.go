// Package localplatform is app.Platform for processes that are not
// Lambdas: the embedded store, and the SDK's full AWS configuration chain
// (profiles, SSO) for running against real AWS from a workstation.
package localplatform

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"payvand.dev/functions/app"
	"payvand.dev/shared/mail/sesmail"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/embedded"
)

// Platform opens both.
var Platform = app.Platform{
	AWS: func(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) },
	Embedded: func(dir string) (store.DB, error) {
		return embedded.Open(dir, embedded.WithSweep(time.Minute))
	},
	Mail: sesmail.New,
}
