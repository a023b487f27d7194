// Package config reads the runtime configuration from the environment. The
// local runner and the Lambdas share it; only the defaults differ.
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Config is everything a process needs to start.
type Config struct {
	Addr          string // PAYVAND_ADDR (local runner)
	DataDir       string // PAYVAND_DATA_DIR (embedded store)
	Store         string // PAYVAND_STORE: embedded | dynamodb
	AWSEndpoint   string // PAYVAND_AWS_ENDPOINT: one endpoint for every AWS client (moto_server in tests)
	ControlTable  string // PAYVAND_CONTROL_TABLE
	TablePrefix   string // PAYVAND_TABLE_PREFIX: tenant tables are <prefix><tenant key>
	JWTKey        string // PAYVAND_JWT_KEY: base64 signing key
	JWTSecretID   string // PAYVAND_JWT_SECRET_ID: Secrets Manager secret holding the signing key (AWS)
	AdminPassword string // PAYVAND_ADMIN_PASSWORD: first admin's password (random when unset)
	DemoPassword  string // PAYVAND_DEMO_PASSWORD: demo CEO's password (random when unset)
	RateGeneral   int    // PAYVAND_RATE_LIMIT_GENERAL: requests/min per user, 0 = off
	CORSOrigins   []string
	AppURL        string // PAYVAND_APP_URL: the SPA, for links in emails
	// APIURL is the API's public URL (PAYVAND_API_URL), for links to the
	// API itself in mail (unsubscribe); empty: the URL a request came by.
	APIURL      string
	MailFrom    string // PAYVAND_MAIL_FROM
	SESIdentity string // PAYVAND_SES_IDENTITY: send through SES (else the outbox)
	Bucket      string // PAYVAND_BUCKET: documents and avatars
	EventBus    string // PAYVAND_EVENT_BUS: EventBridge bus (AWS)
	Version     string
}

// Version is set at build time with -ldflags.
var Version = "dev"

// FromEnv reads the configuration with local defaults.
func FromEnv() (Config, error) {
	c := Config{
		Addr:          env("PAYVAND_ADDR", "127.0.0.1:8080"),
		DataDir:       env("PAYVAND_DATA_DIR", "./data"),
		Store:         env("PAYVAND_STORE", defaultStore()),
		AWSEndpoint:   os.Getenv("PAYVAND_AWS_ENDPOINT"),
		ControlTable:  env("PAYVAND_CONTROL_TABLE", "payvand-control"),
		TablePrefix:   env("PAYVAND_TABLE_PREFIX", "payvand-tenant-"),
		JWTKey:        os.Getenv("PAYVAND_JWT_KEY"),
		JWTSecretID:   os.Getenv("PAYVAND_JWT_SECRET_ID"),
		AdminPassword: os.Getenv("PAYVAND_ADMIN_PASSWORD"),
		DemoPassword:  os.Getenv("PAYVAND_DEMO_PASSWORD"),
		Version:       Version,
		AppURL:        env("PAYVAND_APP_URL", "http://localhost:5173"),
		APIURL:        os.Getenv("PAYVAND_API_URL"),
		MailFrom:      env("PAYVAND_MAIL_FROM", "Payvand <no-reply@payvand.local>"),
		SESIdentity:   os.Getenv("PAYVAND_SES_IDENTITY"),
		Bucket:        env("PAYVAND_BUCKET", "payvand-local"),
		EventBus:      os.Getenv("PAYVAND_EVENT_BUS"),
	}
	var err error
	if c.RateGeneral, err = strconv.Atoi(env("PAYVAND_RATE_LIMIT_GENERAL", "60")); err != nil || c.RateGeneral < 0 {
		return c, fmt.Errorf("PAYVAND_RATE_LIMIT_GENERAL must be a number of requests per minute (0 = off)")
	}
	if o := os.Getenv("PAYVAND_CORS_ORIGINS"); o != "" {
		c.CORSOrigins = strings.Split(o, ",")
	}
	if c.Store != "embedded" && c.Store != "dynamodb" {
		return c, fmt.Errorf("PAYVAND_STORE must be embedded or dynamodb, not %q", c.Store)
	}
	return c, nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// defaultStore is DynamoDB inside Lambda and the embedded store elsewhere.
func defaultStore() string {
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		return "dynamodb"
	}
	return "embedded"
}
