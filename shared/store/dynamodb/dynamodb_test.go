package dynamodb_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/store/storetest"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

func TestContract(t *testing.T) {
	ep := moto.Endpoint(t)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.DB {
		return dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(ep) }}, dynamodb.WithClock(clock.Now))
	})
}
