package events_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"payvand.dev/events"
)

func TestCatalogueSamplesParse(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range events.Catalogue {
		if seen[e.Type] {
			t.Errorf("%s listed twice", e.Type)
		}
		seen[e.Type] = true
		var env events.Envelope
		if err := json.Unmarshal(e.SampleEnvelope(), &env); err != nil {
			t.Errorf("%s: %v", e.Type, err)
			continue
		}
		var data map[string]any
		if err := json.Unmarshal(env.Data, &data); err != nil || len(data) == 0 {
			t.Errorf("%s: the sample is not a JSON object: %v", e.Type, err)
		}
		if env.Type != e.Type || env.ID == "" || env.Tenant == "" || env.OccurredAt.IsZero() || env.Version != 1 {
			t.Errorf("%s: envelope %+v", e.Type, env)
		}
	}
}

var eventType = regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)

// TestCatalogueCoversTheCode reads every Go file that writes to an
// outbox (outbox.Op or outbox.ProcessedOp's callers) and checks that each
// event type it names is in the catalogue: literal types, and the ones
// made of a literal prefix and a status.
func TestCatalogueCoversTheCode(t *testing.T) {
	composed := map[string][]string{ // "deal." + status-derived word, "sale." + status
		"deal.": {"won", "lost", "reopened"},
		"sale.": {"pending", "completed", "cancelled", "refunded"},
	}
	found := map[string]string{}
	root := filepath.Join("..")
	for _, dir := range []string{"shared", "functions", "events"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return nil // someone's work in progress
			}
			writes := false
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "outbox" && sel.Sel.Name == "Op" {
						writes = true
					}
				}
				return true
			})
			if !writes {
				return nil
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if eventType.MatchString(s) {
					found[s] = path
				}
				if words, ok := composed[s]; ok {
					for _, w := range words {
						found[s+w] = path
					}
				}
				return true
			})
			return nil
		})
	}
	if len(found) < 20 {
		t.Fatalf("found only %d event types: is the walk rooted right?", len(found))
	}
	for typ, path := range found {
		if _, ok := events.Lookup(typ); !ok {
			t.Errorf("%s (written in %s) is not in the catalogue", typ, path)
		}
	}
}
