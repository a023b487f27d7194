package main

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"payvand.dev/functions/api/health"
	"payvand.dev/functions/manifest"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/httpapi/docsui"
)

// TestDocsRenderOffline opens /api/docs of the platform Lambda's handler
// (the whole API's document, prebuilt) in headless Chromium that can reach
// no host but this one, and checks that the page renders every tag of the
// document from the embedded files, with no Content-Security-Policy
// violation.
func TestDocsRenderOffline(t *testing.T) {
	chromium := tool(t, "chromium", "chromium-browser")
	full := wholeAPI(t)
	doc, err := full.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	s := httpapi.New(httpapi.Config{Title: "Payvand API", Version: "test", PrebuiltOpenAPI: doc,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	health.Register(s, "test")
	var mu sync.Mutex
	seen := map[string]int{} // path → status
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		mu.Lock()
		seen[r.URL.Path] = rec.status
		mu.Unlock()
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
		"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--user-data-dir="+t.TempDir(),
		// Offline: every host but the test server's is unknown.
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--dump-dom", srv.URL+"/api/docs")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := html.UnescapeString(string(out))

	var tags []string
	for _, item := range full.API.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil {
				tags = append(tags, op.Tags...)
			}
		}
	}
	slices.Sort(tags)
	tags = slices.Compact(tags)
	if len(tags) < 5 {
		t.Fatalf("the document has only the tags %v", tags)
	}
	for _, tag := range tags {
		if !strings.Contains(dom, ">"+tag+"<") {
			t.Errorf("the rendered page does not list the tag %q", tag)
		}
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused to") {
			t.Errorf("CSP violation: %s", line)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/api/docs", "/api/openapi.json", docsui.Prefix + "web-components.min.js", docsui.Prefix + "styles.min.css"} {
		if st, ok := seen[p]; !ok || st != http.StatusOK {
			t.Errorf("%s: fetched %v, status %d", p, ok, st)
		}
	}
	if t.Failed() {
		t.Logf("requests: %v\nDOM (%d bytes): %.2000s", seen, len(dom), dom)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// TestOnlyPlatformLinksTheDocsUI keeps the viewer's megabytes out of every
// Lambda but the platform one (the local runner links it too).
func TestOnlyPlatformLinksTheDocsUI(t *testing.T) {
	goTool := tool(t, "go")
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}", "-tags", "lambda.norpc"}
	for _, f := range manifest.Functions {
		pkgs := exec.Command(goTool, append(args, "./"+f.Name)...)
		pkgs.Dir = ".."
		out, err := pkgs.Output()
		if err != nil {
			t.Fatalf("go list ./%s: %v", f.Name, err)
		}
		links := slices.Contains(strings.Fields(string(out)), "payvand.dev/shared/httpapi/docsui")
		if links != (f.Name == "platform") {
			t.Errorf("%s links the docs UI: %v", f.Name, links)
		}
	}
}
