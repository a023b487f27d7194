package sms

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssecret"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// Config chooses the provider, from the environment (FromEnv).
type Config struct {
	// Provider is PAYVAND_SMS_PROVIDER: sns, kavenegar or outbox; empty:
	// sns in a Lambda, the outbox elsewhere.
	Provider string
	SenderID string // PAYVAND_SMS_SENDER_ID: SNS's alphanumeric sender id
	// Kavenegar: PAYVAND_KAVENEGAR_API_KEY, PAYVAND_KAVENEGAR_SENDER (the
	// line) and PAYVAND_KAVENEGAR_URL (its API's base; tests).
	KavenegarAPIKey string
	KavenegarSender string
	KavenegarURL    string
	// KavenegarSecret is PAYVAND_KAVENEGAR_API_KEY_SECRET: a Secrets
	// Manager secret holding the key (on AWS, where the key never sits in
	// the environment); read once per process.
	KavenegarSecret string
}

// FromEnv reads the configuration.
func FromEnv() Config {
	return Config{Provider: strings.ToLower(strings.TrimSpace(os.Getenv("PAYVAND_SMS_PROVIDER"))), SenderID: os.Getenv("PAYVAND_SMS_SENDER_ID"),
		KavenegarAPIKey: os.Getenv("PAYVAND_KAVENEGAR_API_KEY"), KavenegarSender: os.Getenv("PAYVAND_KAVENEGAR_SENDER"),
		KavenegarURL: os.Getenv("PAYVAND_KAVENEGAR_URL"), KavenegarSecret: os.Getenv("PAYVAND_KAVENEGAR_API_KEY_SECRET")}
}

// secretKeys caches keys read from Secrets Manager, by secret.
var secretKeys sync.Map

func kavenegarKey(c Config, awsCfg aws.Config) (string, error) {
	if c.KavenegarAPIKey != "" || c.KavenegarSecret == "" {
		return c.KavenegarAPIKey, nil
	}
	if k, ok := secretKeys.Load(c.KavenegarSecret); ok {
		return k.(string), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, err := awssecret.GetString(ctx, awsCfg, c.KavenegarSecret)
	if err != nil {
		return "", crm.Wrap(err, "read the Kavenegar API key")
	}
	k = strings.TrimSpace(k)
	secretKeys.Store(c.KavenegarSecret, k)
	return k, nil
}

// Choose builds the configured provider: SNS with awsCfg, Kavenegar, or
// the outbox in the control table.
func Choose(c Config, awsCfg aws.Config, control store.Table) (Provider, error) {
	name := c.Provider
	if name == "" {
		name = "outbox"
		if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
			name = "sns"
		}
	}
	switch name {
	case "sns":
		return &SNS{AWS: awsCfg, SenderID: c.SenderID}, nil
	case "kavenegar":
		key, err := kavenegarKey(c, awsCfg)
		if err != nil {
			return nil, err
		}
		c.KavenegarAPIKey = key
		if c.KavenegarAPIKey == "" {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "SMS is not configured: PAYVAND_SMS_PROVIDER is kavenegar but PAYVAND_KAVENEGAR_API_KEY is not set"}
		}
		return &Kavenegar{APIKey: c.KavenegarAPIKey, Sender: c.KavenegarSender, BaseURL: c.KavenegarURL}, nil
	case "outbox":
		return &Outbox{Table: control}, nil
	}
	return nil, &crm.Error{Code: crm.ECONFLICT, Message: "SMS is not configured: PAYVAND_SMS_PROVIDER must be sns, kavenegar or outbox, not " + name}
}
