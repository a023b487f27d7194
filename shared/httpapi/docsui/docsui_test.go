package docsui_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/httpapi/docsui"
)

// The files as npm published them (README.md): the test keeps the
// embedded copies honest.
var upstream = map[string]string{
	"web-components.min.js":             "2cb7bb60bbf2846e077e2bd8357a61785120a1ab657885d482a6bd37b034c709",
	"styles.min.css":                    "062127db60930e408a1598797004dfcd14742b83a059ed6b381f08d42c4b4d3c",
	"web-components.min.js.LICENSE.txt": "58b2f880c6e49cc6eb9ef1b8752a22db028c373c3acf6f7ebeb1d6316c7c3294",
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func gunzip(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAssetsAreThePublishedFiles(t *testing.T) {
	names, _ := fs.Glob(docsui.Assets, "*.gz")
	if len(names) != len(upstream) {
		t.Fatalf("assets %v, want %d files", names, len(upstream))
	}
	readme, _ := os.ReadFile("README.md")
	for name, want := range upstream {
		gz, err := fs.ReadFile(docsui.Assets, name+".gz")
		if err != nil {
			t.Fatal(err)
		}
		if got := sum(gunzip(t, gz)); got != want {
			t.Errorf("%s: sha256 %s, want %s", name, got, want)
		}
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.md does not record the sha256 of %s", name)
		}
	}
	if !bytes.Contains(readme, []byte(docsui.Version)) {
		t.Error("README.md does not name the version")
	}
}

func TestDocsAreServedFromTheBinary(t *testing.T) {
	s := httpapi.New(httpapi.Config{Title: "t", Version: "1", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	// Go's client would ask for gzip and decompress on its own.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path, encoding string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, page := fetch("/api/docs", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/api/docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "http") {
		t.Errorf("CSP = %q", csp)
	}
	if u := regexp.MustCompile(`(?i)(https?:)?//[a-z]`).Find(page); u != nil {
		t.Errorf("the page names another host: %s", u)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllSubmatch(page, -1) {
		if p := string(ref[1]); !strings.HasPrefix(p, docsui.Prefix) {
			t.Errorf("the page loads %s", p)
		}
	}
	if !strings.Contains(docsui.Prefix, docsui.Version) {
		t.Errorf("prefix %s is not versioned", docsui.Prefix)
	}

	for name, want := range upstream {
		resp, gz := fetch(docsui.Prefix+name, "gzip, deflate, br")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, encoding %q", name, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", name, cc)
		}
		if got := sum(gunzip(t, gz)); got != want {
			t.Errorf("%s (gzip): sha256 %s", name, got)
		}
		resp, raw := fetch(docsui.Prefix+name, "identity")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || sum(raw) != want {
			t.Errorf("%s (identity): %d, encoding %q, sha256 %s", name, resp.StatusCode, resp.Header.Get("Content-Encoding"), sum(raw))
		}
	}
	if resp, _ := fetch(docsui.Prefix+"web-components.min.js", ""); resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("script Content-Type %q", resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{docsui.Prefix + "nope.js", docsui.Prefix + "../docs", docsui.Prefix, "/api/docs/assets/0.0.1/styles.min.css"} {
		if resp, _ := fetch(p, "gzip"); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}
