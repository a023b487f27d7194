// Package ids makes the time-ordered identifiers used for every entity.
package ids

import "github.com/google/uuid"

// New returns a UUIDv7 string: ids sort by creation inside a partition.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s looks like an id we issued (any UUID form).
func Valid(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
