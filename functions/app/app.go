// Package app wires the shared packages into a running API: it opens the
// store, the signing key and the services from the configuration, and
// mounts route groups of the manifest on one kernel server. The Lambdas
// and the local runner both start here.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/events"
	"payvand.dev/functions/manifest"
	"payvand.dev/shared/apikeys"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/awssecret"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/config"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/customers"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/mail"
	"payvand.dev/shared/products"
	"payvand.dev/shared/relay"
	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
	"payvand.dev/shared/tenancy"
)

// Deps are the long-lived clients of a process, built once at start.
type Deps struct {
	Config    config.Config
	DB        store.DB
	Control   *tenancy.ControlPlane
	Tokens    *auth.Tokens
	Refresh   *auth.RefreshTokens
	Customers *customers.Service
	Products  *products.Service
	Limiter   httpapi.Limiter
	// LoginLimiter enforces the login and forgot-password limits (always
	// on in the product; tests that log in often may drop it).
	LoginLimiter httpapi.Limiter
	Resets       *auth.ResetTokens
	Outbox       *mail.Outbox
	Mail         mail.Sender
	Blob         blob.Store // nil when the binary stores no files
	Bus          events.Bus // nil locally (no consumers yet run in-process)
	AWS          aws.Config // zero in local mode
	closers      []io.Closer
	// OpenAPI, when set, is served as the API's document (platform Lambda).
	OpenAPI []byte
	// LazyRoutes registers operations on first use (Lambdas: see httpapi).
	LazyRoutes bool
	// Background runs work after a response (import jobs); nil where the
	// process may freeze after responding (Lambda).
	Background func(func(ctx context.Context))
	key        auth.KeySource
}

// Platform opens what differs between the local runner and Lambda. Each
// binary links only the openers it uses: Lambdas never link bbolt, and the
// local runner's full AWS config chain never reaches a Lambda.
type Platform struct {
	// AWS loads the AWS configuration (needed for DynamoDB and secrets).
	AWS func(ctx context.Context) (aws.Config, error)
	// Embedded opens the embedded store in a data directory.
	Embedded func(dir string) (store.DB, error)
	// Mail sends through the provider (SES) when PAYVAND_SES_IDENTITY is
	// set; without it, or when nil, messages go to the outbox.
	Mail func(cfg aws.Config, from string) mail.Sender
	// Blob opens the file store (S3, or gofakes3 locally); nil when the
	// binary stores no files.
	Blob func(ctx context.Context, cfg config.Config, awsCfg aws.Config) (blob.Store, io.Closer, error)
	// KeyFile lets a process without a configured JWT key generate one into
	// its data directory whatever its store (the local runner on DynamoDB);
	// the embedded store always may. Lambdas never do.
	KeyFile bool
}

// Open builds the dependencies from the configuration.
func Open(ctx context.Context, cfg config.Config, pf Platform) (*Deps, error) {
	var db store.DB
	var awsCfg aws.Config
	if cfg.Store == "dynamodb" || cfg.JWTSecretID != "" {
		if pf.AWS == nil {
			return nil, errors.New("this binary cannot reach AWS")
		}
		var err error
		if awsCfg, err = pf.AWS(ctx); err != nil {
			return nil, fmt.Errorf("aws config: %w", err)
		}
		if cfg.AWSEndpoint != "" {
			awsCfg.BaseEndpoint = aws.String(cfg.AWSEndpoint)
		}
	}
	switch cfg.Store {
	case "embedded":
		if pf.Embedded == nil {
			return nil, errors.New("this binary has no embedded store")
		}
		e, err := pf.Embedded(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		db = e
	case "dynamodb":
		db = dynamodb.New(awsCfg, nil)
	}
	key, err := signingKey(cfg, awsCfg, pf.KeyFile)
	if err != nil {
		db.Close()
		return nil, err
	}
	control := db.Table(cfg.ControlTable)
	d := &Deps{
		Config:  cfg,
		DB:      db,
		Control: &tenancy.ControlPlane{DB: db, Table: control, TablePrefix: cfg.TablePrefix},
		Tokens:  auth.NewTokensFrom(key),
		Refresh: &auth.RefreshTokens{Table: control},
		Limiter: &httpapi.StoreLimiter{Table: control},
		Resets:  &auth.ResetTokens{Table: control},
		Outbox:  &mail.Outbox{Table: control},
		AWS:     awsCfg,
		key:     key,
	}
	d.LoginLimiter = d.Limiter
	if fn := os.Getenv("PAYVAND_RELAY_FUNCTION"); fn != "" && cfg.Store == "dynamodb" {
		// New tenant tables' streams go to the relay Lambda (DESIGN §7).
		d.Control.Streams = &relay.Wiring{AWS: awsCfg, Function: fn}
	}
	d.Customers = &customers.Service{Tables: d.Control}
	d.Products = &products.Service{Tables: d.Control}
	d.Mail = d.Outbox
	if cfg.SESIdentity != "" && pf.Mail != nil {
		d.Mail = pf.Mail(awsCfg, cfg.MailFrom)
	}
	if cfg.EventBus != "" && cfg.Store == "dynamodb" {
		d.Bus = &events.EventBridge{Config: awsCfg, BusName: cfg.EventBus}
	}
	if pf.Blob != nil {
		b, closer, err := pf.Blob(ctx, cfg, awsCfg)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("file store: %w", err)
		}
		d.Blob = b
		if closer != nil {
			d.closers = append(d.closers, closer)
		}
	}
	return d, nil
}

// EnsureControlTable creates the control-plane table when missing (local
// mode; on AWS the stack creates it).
func (d *Deps) EnsureControlTable(ctx context.Context) error {
	ok, err := d.DB.TableExists(ctx, d.Config.ControlTable)
	if err != nil || ok {
		return err
	}
	err = d.DB.CreateTable(ctx, d.Config.ControlTable)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return nil
	}
	return err
}

// signingKey finds the JWT key: in Secrets Manager on AWS (fetched on
// first use), in PAYVAND_JWT_KEY, or in a key file in the data directory
// that is generated on first start.
func signingKey(cfg config.Config, awsCfg aws.Config, keyFile bool) (auth.KeySource, error) {
	if cfg.JWTSecretID != "" {
		return auth.LazyKey(func() ([]byte, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			secret, err := awssecret.GetString(ctx, awsCfg, cfg.JWTSecretID)
			if err != nil {
				return nil, fmt.Errorf("read the JWT signing key %s: %w", cfg.JWTSecretID, err)
			}
			if len(secret) < 32 {
				return nil, fmt.Errorf("the JWT signing key %s must be a string of at least 32 characters", cfg.JWTSecretID)
			}
			return []byte(secret), nil
		}), nil
	}
	k, err := fileOrEnvKey(cfg, keyFile)
	if errors.Is(err, errNoKey) {
		// A function without the JWT secret resource (housekeeping, the
		// import worker) never signs or verifies: it may start, and would
		// fail loudly if it ever tried.
		return func() ([]byte, error) { return nil, errNoKey }, nil
	}
	if err != nil {
		return nil, err
	}
	return auth.StaticKey(k), nil
}

var errNoKey = errors.New("no JWT signing key: set PAYVAND_JWT_SECRET_ID (AWS) or PAYVAND_JWT_KEY")

func fileOrEnvKey(cfg config.Config, keyFile bool) ([]byte, error) {
	if cfg.JWTKey != "" {
		k, err := base64.StdEncoding.DecodeString(cfg.JWTKey)
		if err != nil || len(k) < 32 {
			return nil, errors.New("PAYVAND_JWT_KEY must be at least 32 bytes, base64 encoded")
		}
		return k, nil
	}
	if cfg.Store != "embedded" && !keyFile {
		return nil, errNoKey
	}
	path := filepath.Join(cfg.DataDir, "jwt.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	return k, os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)), 0o600)
}

// Close releases the store and what the platform opened.
func (d *Deps) Close() error {
	errs := []error{}
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(append(errs, d.DB.Close())...)
}

// Mount registers one route group's routes on a server.
type Mount struct {
	Name     string // the manifest function
	Register func(*httpapi.Server, *Deps)
}

// Server mounts route groups on one kernel server.
func (d *Deps) Server(logger *slog.Logger, mounts ...Mount) (*httpapi.Server, error) {
	s := httpapi.New(httpapi.Config{
		Title:   "Payvand API",
		Version: d.Config.Version,
		Auth:    apikeys.Authenticator{Next: d.Tokens, Tables: d.Control}, // pvk_ keys, else access tokens
		Limiter: d.Limiter,
		// Uploads are limited whatever the general limit (spec: 10/min),
		// and so are public feedback submissions (per IP address).
		Limits:          map[string]int{"general": d.Config.RateGeneral, "upload": 10, "feedback-submit": 20},
		CursorKey:       d.key,
		Logger:          logger,
		CORSOrigins:     d.Config.CORSOrigins,
		PrebuiltOpenAPI: d.OpenAPI,
		Gate:            d.Control.Gate,
		PlanLimit:       d.Control.PlanLimit,
		LazyRoutes:      d.LazyRoutes,
	})
	for _, m := range mounts {
		if _, ok := manifest.Lookup(m.Name); !ok {
			return nil, fmt.Errorf("route group %q is not in the manifest", m.Name)
		}
		m.Register(s, d)
	}
	return s, nil
}

// Handler is Server(...).Handler().
func (d *Deps) Handler(logger *slog.Logger, mounts ...Mount) (http.Handler, error) {
	s, err := d.Server(logger, mounts...)
	if err != nil {
		return nil, err
	}
	return s.Handler(), nil
}
