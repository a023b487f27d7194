// Command infra is the home of the CDK app (issue 3). Until it lands it
// checks the route manifest the app will be built from: `go run ./infra`.
package main

import (
	"fmt"
	"os"

	"payvand.dev/functions/manifest"
)

func main() {
	if err := check(manifest.Functions); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, f := range manifest.Functions {
		fmt.Printf("%-10s %4d MB %3ds %v\n", f.Name, f.MemoryMB, f.TimeoutS, f.Prefixes)
	}
}

// check refuses a manifest that API Gateway could not route unambiguously.
func check(fns []manifest.Function) error {
	owner := map[string]string{}
	for _, f := range fns {
		if f.Name == "" || f.MemoryMB < 128 || f.TimeoutS < 1 || len(f.Prefixes) == 0 {
			return fmt.Errorf("manifest: function %q needs a name, memory ≥128 MB, a timeout and prefixes", f.Name)
		}
		for _, p := range f.Prefixes {
			if o, dup := owner[p]; dup {
				return fmt.Errorf("manifest: prefix %s is routed to both %s and %s", p, o, f.Name)
			}
			owner[p] = f.Name
		}
	}
	return nil
}
