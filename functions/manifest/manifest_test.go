package manifest

import (
	"strings"
	"testing"
)

func TestManifestIsConsistent(t *testing.T) {
	names, prefixes := map[string]bool{}, map[string]string{}
	ws := 0
	for _, f := range Functions {
		if names[f.Name] || f.Name == "" || f.MemoryMB < 128 || f.TimeoutS < 1 {
			t.Errorf("function %q: duplicate or incomplete", f.Name)
		}
		names[f.Name] = true
		if f.Kind == WebSocket {
			ws++
			continue
		}
		if f.Kind == Consumer {
			if len(f.Events) == 0 || len(f.Prefixes) > 0 {
				t.Errorf("%s: a consumer has detail types and no routes", f.Name)
			}
			continue
		}
		if f.Kind == Stream {
			if len(f.Prefixes) > 0 || len(f.Events) > 0 {
				t.Errorf("%s: a stream function has neither routes nor detail types", f.Name)
			}
			continue
		}
		if f.Kind == Scheduled {
			if f.Schedule == "" || len(f.Prefixes) > 0 {
				t.Errorf("%s: a scheduled function has a schedule and no routes", f.Name)
			}
			continue
		}
		if len(f.Prefixes) == 0 {
			t.Errorf("%s routes nothing", f.Name)
		}
		for _, p := range f.Prefixes {
			if !strings.HasPrefix(p, "/api/") || strings.HasSuffix(p, "/") {
				t.Errorf("%s: prefix %q must start with /api/ and not end with /", f.Name, p)
			}
			if o, dup := prefixes[p]; dup {
				t.Errorf("prefix %s routed to %s and %s", p, o, f.Name)
			}
			prefixes[p] = f.Name
		}
		for _, r := range f.Resources {
			if _, ok := Env[r]; !ok {
				t.Errorf("%s: resource %q has no environment entry", f.Name, r)
			}
		}
	}
	if ws != 1 {
		t.Errorf("%d WebSocket functions, want 1", ws)
	}
	if got := mustLookup(t, "customers").RequiredEnv(); strings.Join(got, ",") != "PAYVAND_CONTROL_TABLE,PAYVAND_TABLE_PREFIX,PAYVAND_JWT_SECRET_ID,PAYVAND_EVENT_BUS" {
		t.Errorf("customers needs %v", got)
	}
}

func mustLookup(t *testing.T, name string) Function {
	f, ok := Lookup(name)
	if !ok {
		t.Fatalf("no function %s", name)
	}
	return f
}
