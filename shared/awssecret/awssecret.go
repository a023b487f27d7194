// Package awssecret reads one Secrets Manager secret with a single signed
// request: the SDK's secretsmanager client would add its package
// initialization to the cold start of every function, for the one call
// each makes in its life.
package awssecret

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssign"
)

// GetString returns the SecretString of a secret (name or ARN).
func GetString(ctx context.Context, cfg aws.Config, id string) (string, error) {
	var out struct{ SecretString *string }
	err := awssign.Do(ctx, cfg, awssign.Request{
		Service: "secretsmanager", Host: "secretsmanager",
		Headers:  map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"},
		Body:     map[string]string{"SecretId": id},
		Response: &out,
	})
	if err != nil {
		return "", fmt.Errorf("secretsmanager: %w", err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secretsmanager: secret %s has no string value", id)
	}
	return *out.SecretString, nil
}
