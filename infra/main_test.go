package main

import (
	"testing"

	"payvand.dev/functions/manifest"
)

func TestManifestRoutesEachPrefixOnce(t *testing.T) {
	if err := check(manifest.Functions); err != nil {
		t.Fatal(err)
	}
	dup := append(append([]manifest.Function{}, manifest.Functions...), manifest.Function{Name: "x", MemoryMB: 128, TimeoutS: 1, Prefixes: []string{"/api/customers"}})
	if check(dup) == nil {
		t.Fatal("a prefix routed to two functions was accepted")
	}
}
