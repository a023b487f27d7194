// Package docsui links the API documentation viewer, Stoplight Elements,
// into a binary: importing it makes every httpapi server of the process
// serve /api/docs from these embedded files, with no network. Only the
// binaries that serve /api/docs import it (the platform Lambda, the local
// runner), so the other Lambdas stay small. README.md says where the files
// come from and how to update them.
package docsui

import (
	"embed"
	"io/fs"

	"payvand.dev/shared/httpapi"
)

// Version of @stoplight/elements the assets are.
const Version = "9.0.25"

// Prefix is where the assets are served; the version in the path lets
// browsers keep them for good.
const Prefix = "/api/docs/assets/" + Version + "/"

// CSP allows the page nothing but its own origin, plus what Elements needs:
// inline styles (its components set style attributes) and data: images
// and fonts (icons inlined in its CSS).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed assets/*.gz
var files embed.FS

// Assets are the gzip-compressed files, served under Prefix without .gz.
var Assets, _ = fs.Sub(files, "assets")

// Page is /api/docs.
const Page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payvand API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="` + Prefix + `styles.min.css">
<script src="` + Prefix + `web-components.min.js"></script>
</head>
<body style="height:100vh;margin:0"><elements-api apiDescriptionUrl="/api/openapi.json" router="hash" layout="sidebar"></elements-api></body>
</html>
`

func init() {
	httpapi.UseDocsUI(httpapi.DocsUI{Page: []byte(Page), CSP: CSP, Prefix: Prefix, Assets: Assets})
}
