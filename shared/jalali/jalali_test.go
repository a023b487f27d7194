package jalali

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestReference compares every day of testdata/reference.csv.gz (Gregorian
// 1900-01-01 to 2122-03-20, so all of Jalali 1300-1500; generated with
// jalaali-js and cross-checked against ICU, see gen-reference.mjs) in both
// directions, and derives leap years and month lengths from it.
func TestReference(t *testing.T) {
	f, err := os.Open("testdata/reference.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	type ym struct{ y, m int }
	monthDays := map[ym]int{}
	var prev time.Time
	days, failures := 0, 0
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		var gy, gm, gd, jy, jm, jd int
		if _, err := fmt.Sscanf(line, "%4d-%2d-%2d,%4d/%2d/%2d", &gy, &gm, &gd, &jy, &jm, &jd); err != nil {
			t.Fatalf("line %d %q: %v", days+1, line, err)
		}
		days++
		g := time.Date(gy, time.Month(gm), gd, 12, 0, 0, 0, time.UTC)
		if !prev.IsZero() && g.Sub(prev) != 24*time.Hour {
			t.Fatalf("reference skips from %v to %v", prev, g)
		}
		prev = g
		want := line[11:]
		monthDays[ym{jy, jm}]++

		if got := Format(g, time.UTC); got != want {
			failures++
			if failures <= 10 {
				t.Errorf("Format(%s) = %s, want %s", line[:10], got, want)
			}
		}
		if y, m, d := ToGregorian(jy, jm, jd); y != gy || m != gm || d != gd {
			failures++
			if failures <= 10 {
				t.Errorf("ToGregorian(%s) = %04d-%02d-%02d, want %s", want, y, m, d, line[:10])
			}
		}
		if p, err := Parse(want, time.UTC); err != nil || !p.Equal(time.Date(gy, time.Month(gm), gd, 0, 0, 0, 0, time.UTC)) {
			failures++
			if failures <= 10 {
				t.Errorf("Parse(%s) = %v, %v, want %s", want, p, err, line[:10])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if failures > 0 {
		t.Fatalf("%d mismatches with the reference", failures)
	}
	// 1900-01-01 .. 2122-03-20 inclusive.
	if want := int(time.Date(2122, 3, 20, 0, 0, 0, 0, time.UTC).Sub(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1; days != want {
		t.Fatalf("reference has %d days, want %d", days, want)
	}
	// Jalali 1279-1500 are complete in the file.
	leaps := 0
	for jy := 1279; jy <= 1500; jy++ {
		for jm := 1; jm <= 12; jm++ {
			if got, want := MonthLength(jy, jm), monthDays[ym{jy, jm}]; got != want {
				t.Errorf("MonthLength(%d, %d) = %d, reference has %d days", jy, jm, got, want)
			}
		}
		if want := monthDays[ym{jy, 12}] == 30; IsLeap(jy) != want {
			t.Errorf("IsLeap(%d) = %v, want %v", jy, !want, want)
		}
		if IsLeap(jy) {
			leaps++
		}
	}
	t.Logf("%d days checked against the reference; %d leap years in 1279-1500", days, leaps)
}

// Month boundaries of 1403 (leap) and 1404 from jalaali-js 2.0.1 toGregorian.
func TestMonthBoundaries(t *testing.T) {
	cases := []struct {
		jalali     string
		gy, gm, gd int
	}{
		{"1403/01/01", 2024, 3, 20}, {"1403/01/31", 2024, 4, 19},
		{"1403/02/01", 2024, 4, 20}, {"1403/02/31", 2024, 5, 20},
		{"1403/03/01", 2024, 5, 21}, {"1403/03/31", 2024, 6, 20},
		{"1403/04/01", 2024, 6, 21}, {"1403/04/31", 2024, 7, 21},
		{"1403/05/01", 2024, 7, 22}, {"1403/05/31", 2024, 8, 21},
		{"1403/06/01", 2024, 8, 22}, {"1403/06/31", 2024, 9, 21},
		{"1403/07/01", 2024, 9, 22}, {"1403/07/30", 2024, 10, 21},
		{"1403/08/01", 2024, 10, 22}, {"1403/08/30", 2024, 11, 20},
		{"1403/09/01", 2024, 11, 21}, {"1403/09/30", 2024, 12, 20},
		{"1403/10/01", 2024, 12, 21}, {"1403/10/30", 2025, 1, 19},
		{"1403/11/01", 2025, 1, 20}, {"1403/11/30", 2025, 2, 18},
		{"1403/12/01", 2025, 2, 19}, {"1403/12/30", 2025, 3, 20},
		{"1404/01/01", 2025, 3, 21}, {"1404/01/31", 2025, 4, 20},
		{"1404/02/01", 2025, 4, 21}, {"1404/02/31", 2025, 5, 21},
		{"1404/03/01", 2025, 5, 22}, {"1404/03/31", 2025, 6, 21},
		{"1404/04/01", 2025, 6, 22}, {"1404/04/31", 2025, 7, 22},
		{"1404/05/01", 2025, 7, 23}, {"1404/05/31", 2025, 8, 22},
		{"1404/06/01", 2025, 8, 23}, {"1404/06/31", 2025, 9, 22},
		{"1404/07/01", 2025, 9, 23}, {"1404/07/30", 2025, 10, 22},
		{"1404/08/01", 2025, 10, 23}, {"1404/08/30", 2025, 11, 21},
		{"1404/09/01", 2025, 11, 22}, {"1404/09/30", 2025, 12, 21},
		{"1404/10/01", 2025, 12, 22}, {"1404/10/30", 2026, 1, 20},
		{"1404/11/01", 2026, 1, 21}, {"1404/11/30", 2026, 2, 19},
		{"1404/12/01", 2026, 2, 20}, {"1404/12/29", 2026, 3, 20},
	}
	for _, c := range cases {
		g := time.Date(c.gy, time.Month(c.gm), c.gd, 0, 0, 0, 0, time.UTC)
		if got := Format(g, nil); got != c.jalali {
			t.Errorf("Format(%s) = %s, want %s", g.Format(time.DateOnly), got, c.jalali)
		}
		var jy, jm, jd int
		fmt.Sscanf(c.jalali, "%d/%d/%d", &jy, &jm, &jd)
		if y, m, d := ToGregorian(jy, jm, jd); y != c.gy || m != c.gm || d != c.gd {
			t.Errorf("ToGregorian(%s) = %d-%d-%d, want %s", c.jalali, y, m, d, g.Format(time.DateOnly))
		}
	}
}

func TestLeapYears(t *testing.T) {
	for jy, want := range map[int]bool{1399: true, 1400: false, 1403: true, 1404: false, 1407: false, 1408: true} {
		if IsLeap(jy) != want {
			t.Errorf("IsLeap(%d) = %v, want %v", jy, !want, want)
		}
	}
	if got := MonthLength(1403, 12); got != 30 {
		t.Errorf("MonthLength(1403, 12) = %d, want 30", got)
	}
	if got := MonthLength(1404, 12); got != 29 {
		t.Errorf("MonthLength(1404, 12) = %d, want 29", got)
	}
	if y, m, d := ToGregorian(1403, 12, 30); y != 2025 || m != 3 || d != 20 {
		t.Errorf("ToGregorian(1403, 12, 30) = %d-%d-%d, want 2025-3-20", y, m, d)
	}
	if y, m, d := FromGregorian(2025, 3, 21); y != 1404 || m != 1 || d != 1 {
		t.Errorf("FromGregorian(2025, 3, 21) = %d/%d/%d, want 1404/1/1", y, m, d)
	}
	if Valid(1404, 12, 30) {
		t.Error("1404/12/30 should not be valid: 1404 is not leap")
	}
	if y, m, d := ToGregorian(1404, 12, 30); y != 0 || m != 0 || d != 0 {
		t.Errorf("ToGregorian(1404, 12, 30) = %d-%d-%d, want zeros", y, m, d)
	}
	for _, bad := range [][3]int{{1403, 0, 1}, {1403, 13, 1}, {1403, 1, 0}, {1403, 1, 32}, {1403, 7, 31}, {MaxYear + 1, 1, 1}} {
		if Valid(bad[0], bad[1], bad[2]) {
			t.Errorf("Valid(%v) = true", bad)
		}
	}
}

// TestRoundTrip walks every day of Jalali 1300-1500 in both directions and
// checks that consecutive Jalali days are consecutive Gregorian days.
func TestRoundTrip(t *testing.T) {
	gy, gm, gd := ToGregorian(1300, 1, 1)
	g := time.Date(gy, time.Month(gm), gd, 0, 0, 0, 0, time.UTC)
	if g != time.Date(1921, 3, 21, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("1300/01/01 = %v, want 1921-03-21", g)
	}
	days := 0
	for jy := 1300; jy <= 1500; jy++ {
		for jm := 1; jm <= 12; jm++ {
			for jd := 1; jd <= MonthLength(jy, jm); jd++ {
				days++
				y, m, d := ToGregorian(jy, jm, jd)
				if y != g.Year() || m != int(g.Month()) || d != g.Day() {
					t.Fatalf("ToGregorian(%d/%d/%d) = %d-%d-%d, want the day after the previous one, %s", jy, jm, jd, y, m, d, g.Format(time.DateOnly))
				}
				if y, m, d := FromTime(g); y != jy || m != jm || d != jd {
					t.Fatalf("FromTime(%s) = %d/%d/%d, want %d/%d/%d", g.Format(time.DateOnly), y, m, d, jy, jm, jd)
				}
				g = g.AddDate(0, 0, 1)
			}
		}
	}
	if want := time.Date(2122, 3, 21, 0, 0, 0, 0, time.UTC); g != want {
		t.Fatalf("1501/01/01 = %v, want %v", g, want)
	}
	t.Logf("%d days round-tripped", days)
}

func TestRange(t *testing.T) {
	// Ends of the supported range, from jalaali-js 2.0.1.
	if y, m, d := FromGregorian(560, 3, 20); y != MinYear || m != 1 || d != 1 {
		t.Errorf("FromGregorian(560, 3, 20) = %d/%d/%d, want -61/1/1", y, m, d)
	}
	if y, m, d := FromGregorian(3799, 3, 19); y != MaxYear || m != 12 || d != 29 {
		t.Errorf("FromGregorian(3799, 3, 19) = %d/%d/%d, want 3177/12/29", y, m, d)
	}
	if y, m, d := ToGregorian(MaxYear, 12, 29); y != 3799 || m != 3 || d != 19 {
		t.Errorf("ToGregorian(3177, 12, 29) = %d-%d-%d, want 3799-3-19", y, m, d)
	}
	for _, g := range [][3]int{{560, 3, 19}, {3799, 3, 20}, {1, 1, 1}, {9999, 12, 31}} {
		if y, m, d := FromGregorian(g[0], g[1], g[2]); y != 0 || m != 0 || d != 0 {
			t.Errorf("FromGregorian(%v) = %d/%d/%d, want zeros outside the range", g, y, m, d)
		}
	}
	if got := Format(time.Date(4000, 1, 1, 0, 0, 0, 0, time.UTC), nil); got != "" {
		t.Errorf("Format(4000-01-01) = %q, want empty", got)
	}
	if IsLeap(MaxYear+1) || MonthLength(MinYear-1, 1) != 0 {
		t.Error("years outside the range should be neither leap nor have months")
	}
}

func TestFormat(t *testing.T) {
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC), time.UTC, "1404/11/26"}, // IshYar's example
		{time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC), time.UTC, "1404/01/01"},  // Nowruz
		{time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC), time.UTC, "1403/12/30"},  // leap year end
		{time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC), time.UTC, "1403/01/01"},  // was 1402/12/29
		{time.Date(2028, 3, 20, 0, 0, 0, 0, time.UTC), time.UTC, "1407/01/01"},  // was 1406/12/29
		{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.UTC, "1402/12/10"},
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.UTC, "1402/12/11"},
		{time.Date(2026, 3, 20, 21, 0, 0, 0, time.UTC), tehran, "1405/01/01"}, // 00:30 in Tehran
		{time.Date(2026, 3, 20, 21, 0, 0, 0, time.UTC), time.UTC, "1404/12/29"},
		{time.Date(2026, 3, 20, 20, 29, 0, 0, time.UTC), tehran, "1404/12/29"}, // 23:59 in Tehran
		{time.Date(2026, 3, 21, 0, 30, 0, 0, tehran), nil, "1405/01/01"},       // nil: t's own location
		{time.Date(1921, 3, 21, 0, 0, 0, 0, time.UTC), nil, "1300/01/01"},
	}
	for _, c := range cases {
		if got := Format(c.t, c.loc); got != c.want {
			t.Errorf("Format(%v, %v) = %s, want %s", c.t, c.loc, got, c.want)
		}
	}
	if Format(time.Time{}, nil) != "" || Format(time.Time{}, tehran) != "" {
		t.Error("zero time should format as empty")
	}
	if n := testing.AllocsPerRun(100, func() { Format(cases[7].t, tehran) }); n > 1 {
		t.Errorf("Format allocates %v times, want at most 1", n)
	}
}

func TestParse(t *testing.T) {
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"1403/01/01", time.UTC, time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)},
		{"1403/12/30", nil, time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)},
		{"1405/01/01", tehran, time.Date(2026, 3, 20, 20, 30, 0, 0, time.UTC)},
		{"1404-1-1", time.UTC, time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)},
		{"1404/7/30", time.UTC, time.Date(2025, 10, 22, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := Parse(c.in, c.loc)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("Parse(%q) = %v, %v, want %v", c.in, got, err, c.want)
		}
		if c.loc != nil && got.Location() != c.loc {
			t.Errorf("Parse(%q) location = %v, want %v", c.in, got.Location(), c.loc)
		}
	}
	for _, in := range []string{"", "1404/12/30", "1403/13/01", "1403/00/10", "1403/01/00", "1403/07/31",
		"1403/01/01 ", "1403/01-01", "403/01/01", "1403/001/01", "1403//01", "۱۴۰۳/۰۱/۰۱", "2024-03-20T00:00:00Z", "abcd/01/01"} {
		if got, err := Parse(in, time.UTC); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, got)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		b.Fatal(err)
	}
	t := time.Date(2025, 11, 3, 14, 7, 0, 0, time.UTC)
	b.ReportAllocs()
	var s string
	for b.Loop() {
		s = Format(t, tehran)
	}
	if !strings.HasPrefix(s, "1404/08/") {
		b.Fatal(s)
	}
}
