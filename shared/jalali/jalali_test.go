package jalali

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		t    time.Time
		loc  string
		want string
	}{
		{time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC), "UTC", "1404/11/26"}, // IshYar's example
		{time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC), "UTC", "1404/01/01"},  // Nowruz
		{time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC), "UTC", "1403/12/30"},  // leap year end
		{time.Date(2026, 3, 20, 21, 0, 0, 0, time.UTC), "Asia/Tehran", "1405/01/01"},
	}
	for _, c := range cases {
		loc, _ := time.LoadLocation(c.loc)
		if got := Format(c.t, loc); got != c.want {
			t.Errorf("Format(%v, %s) = %s, want %s", c.t, c.loc, got, c.want)
		}
	}
	if Format(time.Time{}, nil) != "" {
		t.Error("zero time should format as empty")
	}
}
