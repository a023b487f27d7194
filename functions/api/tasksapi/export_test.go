package tasksapi

import "time"

// SetClock moves the clock of the route group until the returned func runs.
func SetClock(t time.Time) (restore func()) {
	old := now
	now = func() time.Time { return t }
	return func() { now = old }
}
