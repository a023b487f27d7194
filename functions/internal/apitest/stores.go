package apitest

import (
	"encoding/base64"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"payvand.dev/shared/config"
	"payvand.dev/shared/testkit/moto"
)

// EachStore runs f against the API on the embedded store and on DynamoDB
// (moto_server; skipped where it is not installed, except in CI). A test
// package that uses it stops the shared server after its tests with
// func TestMain(m *testing.M) { moto.Main(m) }.
func EachStore(t *testing.T, f func(t *testing.T, e *Env), opts ...Option) {
	t.Run("embedded", func(t *testing.T) { f(t, New(t, opts...)) })
	t.Run("dynamodb", func(t *testing.T) { f(t, NewDynamoDB(t, opts...)) })
}

var dynamoRun atomic.Int64

// NewDynamoDB is New on the DynamoDB backend against moto_server, with
// tables of its own.
func NewDynamoDB(t testing.TB, opts ...Option) *Env {
	t.Helper()
	ep := moto.Endpoint(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	// The separator keeps (time, counter) pairs from running together into
	// the same name ("12"+"34" = "123"+"4"), which made two runs share a
	// control table ("tenant key is taken").
	run := fmt.Sprintf("%dx%d", dynamoRun.Add(1), time.Now().UnixNano()%1e12)
	return New(t, append([]Option{WithConfig(func(c *config.Config) {
		c.Store, c.AWSEndpoint = "dynamodb", ep
		c.ControlTable, c.TablePrefix = "control-"+run, "t"+run+"-"
		c.JWTKey = base64.StdEncoding.EncodeToString([]byte("apitest-signing-key-of-32-bytes!"))
	})}, opts...)...)
}
