package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/config"
	"payvand.dev/shared/httpapi"
)

// wholeAPI is the server of every route group, as the platform's document
// is built (TestOpenAPIDocumentIsCurrent).
func wholeAPI(t testing.TB) *httpapi.Server {
	t.Helper()
	d := &app.Deps{Config: config.Config{Version: "dev"}, Tokens: auth.NewTokens(make([]byte, 32))}
	s, err := d.Server(slog.New(slog.NewJSONHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tool finds a program the test needs: skipped locally when absent, a
// failure in CI (CI=true), whose .ci/run installs it.
func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed: .ci/run installs it", names[0])
	}
	t.Skipf("%s is not installed (CI installs it)", names[0])
	return ""
}

// TestOpenAPIDocumentIsValid lints the whole API's document with Redocly
// CLI (its structural validation of OpenAPI 3.1 plus the recommended
// rules): no error and no warning. Two rules are skipped: info-license
// (the project declares no licence for its API) and no-ambiguous-paths,
// because the Rabin catalogue fixes GET /api/documents/shared/{token} beside
// POST /api/documents/{id}/share and /{id}/send-email: the rule ignores
// methods, and the router matches the literal segment first.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	redocly := tool(t, "redocly")
	doc, err := wholeAPI(t).OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, redocly, "lint", "--format=json", "--max-problems=1000", "--extends=recommended", "--skip-rule=info-license", "--skip-rule=no-ambiguous-paths", path)
	cmd.Dir = t.TempDir() // no redocly.yaml of anyone's
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var report struct {
		Totals struct {
			Errors, Warnings int
		}
		Version  string
		Problems []struct {
			RuleID, Severity, Message string
			Location                  []struct{ Pointer string }
		}
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("redocly lint: %v (%v)\n%s\n%s", err, jerr, out, stderr.String())
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("%s %s: %s (%s)", p.Severity, p.RuleID, p.Message, where)
	}
	if report.Totals.Errors+report.Totals.Warnings > 0 || err != nil {
		t.Fatalf("redocly %s: %d errors, %d warnings (exit: %v)", report.Version, report.Totals.Errors, report.Totals.Warnings, err)
	}
	t.Logf("redocly %s: 0 errors, 0 warnings", report.Version)
}
