package sms

import (
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

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
}

// FromEnv reads the configuration.
func FromEnv() Config {
	return Config{Provider: strings.ToLower(strings.TrimSpace(os.Getenv("PAYVAND_SMS_PROVIDER"))), SenderID: os.Getenv("PAYVAND_SMS_SENDER_ID"),
		KavenegarAPIKey: os.Getenv("PAYVAND_KAVENEGAR_API_KEY"), KavenegarSender: os.Getenv("PAYVAND_KAVENEGAR_SENDER"),
		KavenegarURL: os.Getenv("PAYVAND_KAVENEGAR_URL")}
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
		if c.KavenegarAPIKey == "" {
			return nil, &crm.Error{Code: crm.ECONFLICT, Message: "SMS is not configured: PAYVAND_SMS_PROVIDER is kavenegar but PAYVAND_KAVENEGAR_API_KEY is not set"}
		}
		return &Kavenegar{APIKey: c.KavenegarAPIKey, Sender: c.KavenegarSender, BaseURL: c.KavenegarURL}, nil
	case "outbox":
		return &Outbox{Table: control}, nil
	}
	return nil, &crm.Error{Code: crm.ECONFLICT, Message: "SMS is not configured: PAYVAND_SMS_PROVIDER must be sns, kavenegar or outbox, not " + name}
}
