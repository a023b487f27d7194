package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
)

// DocsUI is the API documentation viewer served at /api/docs, with its
// files linked into the binary: the page works offline and loads nothing
// from elsewhere. Package docsui provides it; only the binaries that serve
// /api/docs (the platform Lambda, the local runner) import that package,
// so the other Lambdas do not carry its megabytes.
type DocsUI struct {
	Page []byte // the HTML of /api/docs
	// CSP is the page's Content-Security-Policy: 'self' and only what
	// the viewer needs besides.
	CSP string
	// Prefix is the path of the files, versioned so that they can be
	// cached for good: /api/docs/assets/<version>/.
	Prefix string
	// Assets holds the files, each gzip-compressed as <name>.gz.
	Assets fs.FS
}

var docsUI atomic.Pointer[DocsUI]

// UseDocsUI makes servers created from now on serve ui at /api/docs.
func UseDocsUI(ui DocsUI) { docsUI.Store(&ui) }

// serveDocs mounts the docs page and its files when a viewer is linked.
func serveDocs(mux *http.ServeMux) {
	ui := docsUI.Load()
	if ui == nil {
		return
	}
	mux.HandleFunc("GET /api/docs", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", ui.CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "public, max-age=300")
		w.Write(ui.Page)
	})
	mux.HandleFunc("GET "+ui.Prefix, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		name := strings.TrimPrefix(r.URL.Path, ui.Prefix)
		gz, err := fs.ReadFile(ui.Assets, name+".gz")
		if name == "" || strings.Contains(name, "..") || err != nil {
			p := NewProblem(ctx, http.StatusNotFound, Tc(ctx, "route-not-found"))
			p.Instance = r.URL.Path
			WriteProblem(w, p)
			return
		}
		h := w.Header()
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", strconv.Itoa(len(gz)))
			w.Write(gz)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			WriteProblem(w, NewProblem(ctx, http.StatusInternalServerError, Tc(ctx, "internal")))
			return
		}
		io.Copy(w, zr)
	})
}

// acceptsGzip reads an Accept-Encoding header.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if c := strings.ToLower(strings.TrimSpace(coding)); c != "gzip" && c != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
