package awssecret_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"payvand.dev/shared/awssecret"
	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }

func TestGetString(t *testing.T) {
	cfg := moto.AWS(t)
	ctx := context.Background()
	_, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("awssecret-test"), SecretString: aws.String("s3cr3t-value")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := awssecret.GetString(ctx, cfg, "awssecret-test")
	if err != nil || got != "s3cr3t-value" {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = awssecret.GetString(ctx, cfg, "no-such-secret")
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("missing secret: %v", err)
	}
}
