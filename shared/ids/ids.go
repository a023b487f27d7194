// Package ids makes the time-ordered identifiers used for every entity.
package ids

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// New returns a UUIDv7 string: ids sort by creation inside a partition.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s looks like an id we issued (any UUID form).
func Valid(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// Floor is a sort key below the id of everything made at or after t and
// above the ids made before it: a v7 id begins with its creation time in
// milliseconds as twelve hex digits (xxxxxxxx-xxxx-7…).
func Floor(t time.Time) string {
	ms := uint64(t.UnixMilli())
	return fmt.Sprintf("%08x-%04x", ms>>16, ms&0xffff)
}
