package webhooks_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/testkit"
	"payvand.dev/shared/webhooks"
)

// The verification snippets of docs/webhooks.md, run as an integrator
// would paste them, against a delivery the Deliverer really signed.
func TestVerificationRecipesInTheDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tb := testkit.EmbeddedTable(t, "tenant-acme")
	var headers http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers, body = r.Header.Clone(), must(io.ReadAll(r.Body))
	}))
	defer srv.Close()
	ep := &webhooks.Endpoint{URL: srv.URL, Active: true}
	if err := webhooks.Save(ctx, tb, ep, true); err != nil {
		t.Fatal(err)
	}
	ev := outbox.Event{ID: ids.New(), Type: "customer.created", Tenant: "acme", OccurredAt: time.Now(),
		Data: json.RawMessage(`{"customer":{"name":"رابین","city":"Tehran"}}`)}
	if err := (&webhooks.Deliverer{AllowPrivate: true}).Handle(ctx, tb, ev); err != nil || body == nil {
		t.Fatalf("no delivery captured: %v", err)
	}
	h := func(name string) string { return headers.Get(name) }
	old := time.Now().Add(-10 * time.Minute).Unix()
	oldSig, _ := webhooks.Sign(ep.Secret, h("webhook-id"), old, body)
	type check struct {
		name, secret, id, ts, sig string
		body                      []byte
		valid                     bool
	}
	checks := []check{
		{"the delivery", ep.Secret, h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"), body, true},
		{"a rotated secret's signature beside it", ep.Secret, h("webhook-id"), h("webhook-timestamp"), "v1,c2lnbmVkIHdpdGggdGhlIG9sZCBzZWNyZXQ= " + h("webhook-signature"), body, true},
		{"a changed body", ep.Secret, h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"), append(bytes.Clone(body), ' '), false},
		{"another id", ep.Secret, ids.New(), h("webhook-timestamp"), h("webhook-signature"), body, false},
		{"another secret", webhooks.NewSecret(), h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"), body, false},
		{"signed ten minutes ago", ep.Secret, h("webhook-id"), strconv.FormatInt(old, 10), oldSig, body, false},
	}
	run := func(t *testing.T, cmd func(input []byte) *exec.Cmd) {
		for _, c := range checks {
			in, _ := json.Marshal(map[string]any{"secret": c.secret, "body": base64.StdEncoding.EncodeToString(c.body),
				"headers": map[string]string{"webhook-id": c.id, "webhook-timestamp": c.ts, "webhook-signature": c.sig}})
			out, err := cmd(in).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, out)
			}
			if got := strings.TrimSpace(string(out)); (got == "valid") != c.valid {
				t.Errorf("%s: the recipe says %q", c.name, got)
			}
		}
	}
	t.Run("python", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 is not installed")
		}
		src := codeBlock(t, string(doc), "python") + `
import sys, json
case = json.load(sys.stdin)
try:
    verify(case["secret"], case["headers"], base64.b64decode(case["body"]))
    print("valid")
except ValueError as e:
    print("invalid:", e)
`
		run(t, func(in []byte) *exec.Cmd {
			c := exec.Command("python3", "-c", src)
			c.Stdin = bytes.NewReader(in)
			return c
		})
	})
	t.Run("node", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node is not installed")
		}
		src := codeBlock(t, string(doc), "js") + `
const c = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
try { verify(c.secret, c.headers, Buffer.from(c.body, "base64")); console.log("valid"); }
catch (e) { console.log("invalid: " + e.message); }
`
		run(t, func(in []byte) *exec.Cmd {
			c := exec.Command("node", "-e", src)
			c.Stdin = bytes.NewReader(in)
			return c
		})
	})
}

// codeBlock is the one fenced block of a language in a markdown text.
func codeBlock(t *testing.T, doc, lang string) string {
	t.Helper()
	parts := strings.Split(doc, "```"+lang+"\n")
	if len(parts) != 2 {
		t.Fatalf("want one %s block in the docs, found %d", lang, len(parts)-1)
	}
	code, _, ok := strings.Cut(parts[1], "```")
	if !ok {
		t.Fatalf("the %s block is not closed", lang)
	}
	return code
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
