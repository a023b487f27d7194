// Package jalali converts dates to the Solar Hijri (Jalali) calendar that
// Persian users read.
package jalali

import (
	"fmt"
	"time"
)

// FromTime returns the Jalali year, month and day of t in its location.
func FromTime(t time.Time) (int, int, int) {
	return fromGregorian(t.Year(), int(t.Month()), t.Day())
}

// Format returns "YYYY/MM/DD" of t in loc ("" for the zero time).
func Format(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := FromTime(t)
	return fmt.Sprintf("%04d/%02d/%02d", y, m, d)
}

// fromGregorian is the standard arithmetic conversion (valid for 1600-3000).
func fromGregorian(gy, gm, gd int) (int, int, int) {
	gdm := [12]int{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}
	gy2 := gy
	if gm <= 2 {
		gy2 = gy - 1
	}
	days := 355666 + 365*gy + (gy2+3)/4 - (gy2+99)/100 + (gy2+399)/400 + gd + gdm[gm-1]
	jy := -1595 + 33*(days/12053)
	days %= 12053
	jy += 4 * (days / 1461)
	days %= 1461
	if days > 365 {
		jy += (days - 1) / 365
		days = (days - 1) % 365
	}
	var jm, jd int
	if days < 186 {
		jm = 1 + days/31
		jd = 1 + days%31
	} else {
		jm = 7 + (days-186)/30
		jd = 1 + (days-186)%30
	}
	return jy, jm, jd
}
