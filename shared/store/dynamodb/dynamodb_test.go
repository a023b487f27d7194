package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/store/storetest"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestContract(t *testing.T) {
	ep := moto.Endpoint(t)
	storetest.Run(t, func(t *testing.T, clock *storetest.Clock) store.DB {
		return dynamodb.New(moto.Config(), []func(*ddb.Options){func(o *ddb.Options) { o.BaseEndpoint = aws.String(ep) }}, dynamodb.WithClock(clock.Now))
	})
}
