// Package lambdahttp serves an http.Handler as a Lambda behind an API
// Gateway HTTP API (payload v2). It knows nothing of the store or the
// services, so a function that needs neither links neither.
package lambdahttp

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"payvand.dev/functions/manifest"
)

// Serve checks the function's configuration, builds its handler once (at
// init, outside any request) and serves invocations. It returns only when
// the function cannot start (logged); main then exits.
func Serve(name string, build func(*slog.Logger) (http.Handler, error)) error {
	// Building the API allocates a few MB of schemas once; collecting
	// during it only delays the first response.
	gc := debug.SetGCPercent(-1)
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", name)
	slog.SetDefault(logger)
	if err := CheckEnv(name); err != nil {
		logger.Error("missing configuration", "err", err)
		return err
	}
	h, err := build(logger)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	debug.SetGCPercent(gc)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
	return nil
}

// CheckEnv refuses to start a function whose manifest resources are not
// configured, naming every missing variable in one line.
func CheckEnv(name string) error {
	f, ok := manifest.Lookup(name)
	if !ok {
		return fmt.Errorf("function %q is not in the manifest", name)
	}
	var missing []string
	for _, v := range f.RequiredEnv() {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function %s needs %s", name, strings.Join(missing, ", "))
	}
	return nil
}
