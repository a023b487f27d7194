package documentsapi

import "time"

// SetNow moves the clock of share expiry; the returned func restores it.
func SetNow(f func() time.Time) func() {
	old := now
	now = f
	return func() { now = old }
}
