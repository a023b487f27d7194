package routes_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"payvand.dev/functions/app"
	"payvand.dev/functions/boot"
	"payvand.dev/functions/manifest"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/config"
)

// TestEveryFunctionStartsWithItsStackEnvironment builds each HTTP
// function's handler the way its Lambda does, with only the variables its
// manifest resources make the stack set: a function must not depend on
// configuration it is not given.
func TestEveryFunctionStartsWithItsStackEnvironment(t *testing.T) {
	// A Lambda may serve several mounts of its name (email: the e-mail
	// routes and their settings).
	mounts := map[string][]app.Mount{}
	for _, m := range routes.All() {
		mounts[m.Name] = append(mounts[m.Name], m)
	}
	for _, f := range manifest.HTTPFunctions() {
		t.Run(f.Name, func(t *testing.T) {
			for _, k := range []string{"PAYVAND_CONTROL_TABLE", "PAYVAND_TABLE_PREFIX", "PAYVAND_JWT_SECRET_ID", "PAYVAND_BUCKET",
				"PAYVAND_EVENT_BUS", "PAYVAND_SES_IDENTITY", "PAYVAND_MAIL_FROM", "PAYVAND_WS_ENDPOINT", "PAYVAND_JWT_KEY"} {
				t.Setenv(k, "")
			}
			for k, v := range map[string]string{"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
				"AWS_LAMBDA_FUNCTION_NAME": "payvand-test-" + f.Name} {
				t.Setenv(k, v)
			}
			for _, v := range f.RequiredEnv() {
				t.Setenv(v, "value-of-"+v)
			}
			if err := boot.CheckEnv(f.Name); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.FromEnv()
			if err != nil {
				t.Fatal(err)
			}
			d, err := app.Open(context.Background(), cfg, app.Platform{AWS: app.LambdaAWS, Blob: app.LambdaBlob})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			d.LazyRoutes = true
			ms, ok := mounts[f.Name]
			if !ok {
				t.Fatalf("no mount for %s", f.Name)
			}
			if _, err := d.Handler(slog.New(slog.NewJSONHandler(io.Discard, nil)), ms...); err != nil {
				t.Fatal(err)
			}
		})
	}
}
