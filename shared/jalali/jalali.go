// Package jalali converts dates between the Gregorian calendar and the Solar
// Hijri (Jalali) calendar that Persian users read.
//
// The conversion is Kazimierz M. Borkowski's algorithm ("The Persian calendar
// for 3000 years", 1996) as implemented by jalaali-js: the leap years follow
// the 33-year cycles delimited by the breaks table, and every Jalali year
// from MinYear to MaxYear (Gregorian 560-03-20 to 3799-03-19) is exact.
// Outside that range the functions return zero values instead of guessing.
package jalali

import (
	"fmt"
	"time"
)

// The Jalali years the conversion supports, inclusive.
const (
	MinYear = -61
	MaxYear = 3177
)

// breaks are the Jalali years that start a new leap-cycle pattern
// (Borkowski; the same table as jalaali-js). The last entry is MaxYear+1.
var breaks = [...]int{
	-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181,
	1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178,
}

// The Julian day numbers of the first and last supported days.
var (
	firstJDN = farvardin1JDN(MinYear)
	lastJDN  = farvardin1JDN(MaxYear) + yearLength(MaxYear) - 1
)

// FromTime returns the Jalali year, month and day of t in its location,
// or 0, 0, 0 if t falls outside the supported range (MinYear..MaxYear).
func FromTime(t time.Time) (year, month, day int) {
	gy, gm, gd := t.Date()
	return FromGregorian(gy, int(gm), gd)
}

// FromGregorian converts a Gregorian date to Jalali, returning 0, 0, 0 if it
// falls outside the supported range. The input must be a real date.
func FromGregorian(gy, gm, gd int) (jy, jm, jd int) {
	jdn := gregorianToJDN(gy, gm, gd)
	if jdn < firstJDN || jdn > lastJDN {
		return 0, 0, 0
	}
	// Farvardin 1 falls on 19-22 March, so the Jalali year is gy-621 from then
	// on and gy-622 before. (In MaxYear's last days gy-621 is MaxYear+1; those
	// days are before its Farvardin 1 anyway.)
	jy = min(gy-621, MaxYear)
	cycle := jalCal(jy)
	k := jdn - gregorianToJDN(cycle.gy, 3, cycle.march) // days since Farvardin 1
	if k < 0 {
		// Between 1 January and Nowruz: the tail of the previous year,
		// whose months 7-12 began 186 days after its Farvardin 1.
		jy--
		k += 365 - 186
		if cycle.leap == 1 { // the previous year was leap
			k++
		}
	} else if k <= 185 {
		return jy, 1 + k/31, 1 + k%31 // months 1-6 have 31 days
	} else {
		k -= 186
	}
	return jy, 7 + k/30, 1 + k%30 // months 7-11 have 30 days, 12 has 29 or 30
}

// ToGregorian converts a Jalali date to Gregorian (proleptic) year, month and
// day, returning 0, 0, 0 if the date is not Valid.
func ToGregorian(jy, jm, jd int) (gy, gm, gd int) {
	if !Valid(jy, jm, jd) {
		return 0, 0, 0
	}
	return jdnToGregorian(farvardin1JDN(jy) + dayOfYear(jm, jd))
}

// Valid reports whether jy/jm/jd is a real Jalali date in the supported range
// (for example 1403/12/30 is, 1404/12/30 is not).
func Valid(jy, jm, jd int) bool {
	return jd >= 1 && jd <= MonthLength(jy, jm)
}

// IsLeap reports whether the Jalali year jy has 366 days (Esfand has 30).
// It is false for years outside MinYear..MaxYear.
func IsLeap(jy int) bool {
	if jy < MinYear || jy > MaxYear {
		return false
	}
	return jalCal(jy).leap == 0
}

// MonthLength returns the number of days in Jalali month jm (1-12) of year
// jy: 31 for months 1-6, 30 for 7-11, 29 or 30 for Esfand (12). It is 0 for
// a month outside 1-12 or a year outside MinYear..MaxYear.
func MonthLength(jy, jm int) int {
	switch {
	case jy < MinYear || jy > MaxYear || jm < 1 || jm > 12:
		return 0
	case jm <= 6:
		return 31
	case jm <= 11:
		return 30
	case IsLeap(jy):
		return 30
	default:
		return 29
	}
}

// FormatPtr is Format of an optional time: nil when t is nil or zero, so
// a missing date's twin is null too.
func FormatPtr(t *time.Time, loc *time.Location) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := Format(*t, loc)
	return &s
}

// Format returns "YYYY/MM/DD" of t in loc (t's own location if loc is nil),
// or "" for the zero time or a time outside the supported range.
func Format(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := FromTime(t)
	if m == 0 {
		return ""
	}
	if y < 0 {
		return fmt.Sprintf("%04d/%02d/%02d", y, m, d)
	}
	// Years are 0..MaxYear here: four digits, one allocation.
	b := [10]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '/',
		byte('0' + m/10), byte('0' + m%10), '/',
		byte('0' + d/10), byte('0' + d%10),
	}
	return string(b[:])
}

// Parse reads a Jalali date written as Format writes it, "1403/01/01"
// ('-' is accepted as the separator too, and the month and day may have one
// digit), and returns midnight of that day in loc (UTC if loc is nil).
// Only ASCII digits are accepted.
func Parse(s string, loc *time.Location) (time.Time, error) {
	jy, jm, jd, ok := parseDate(s)
	if !ok {
		return time.Time{}, fmt.Errorf("jalali: %q is not written YYYY/MM/DD", s)
	}
	if !Valid(jy, jm, jd) {
		return time.Time{}, fmt.Errorf("jalali: %q is not a date of the Jalali calendar", s)
	}
	if loc == nil {
		loc = time.UTC
	}
	gy, gm, gd := ToGregorian(jy, jm, jd)
	return time.Date(gy, time.Month(gm), gd, 0, 0, 0, 0, loc), nil
}

// parseDate splits "YYYY/M(M)/D(D)" (or with '-') into numbers.
func parseDate(s string) (y, m, d int, ok bool) {
	num := func(minDigits, maxDigits int) (int, bool) {
		n, i := 0, 0
		for ; i < len(s) && i < maxDigits && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int(s[i]-'0')
		}
		if i < minDigits {
			return 0, false
		}
		s = s[i:]
		return n, true
	}
	sep := byte(0)
	separator := func() bool {
		if len(s) == 0 || (s[0] != '/' && s[0] != '-') || (sep != 0 && s[0] != sep) {
			return false
		}
		sep, s = s[0], s[1:]
		return true
	}
	if y, ok = num(4, 4); !ok || !separator() {
		return 0, 0, 0, false
	}
	if m, ok = num(1, 2); !ok || !separator() {
		return 0, 0, 0, false
	}
	if d, ok = num(1, 2); !ok || len(s) != 0 {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// yearInfo is what jalCal knows about a Jalali year.
type yearInfo struct {
	gy    int // Gregorian year in which the Jalali year begins
	march int // day of March of Farvardin 1 (19-22)
	leap  int // years since the last leap year; 0 means this year is leap
}

// jalCal is Borkowski's jalCal: it locates jy in the breaks table and counts
// the Jalali and Gregorian leap days since AD 621 to place Farvardin 1.
// jy must be within MinYear..MaxYear.
func jalCal(jy int) yearInfo {
	gy := jy + 621
	leapJ := -14
	jp := breaks[0]
	jump := 0
	for _, jm := range breaks[1:] {
		jump = jm - jp
		if jy < jm {
			break
		}
		leapJ += jump/33*8 + jump%33/4
		jp = jm
	}
	n := jy - jp

	// Jalali leap years from AD 621 to the start of jy.
	leapJ += n/33*8 + (n%33+3)/4
	if jump%33 == 4 && jump-n == 4 {
		leapJ++
	}
	// Gregorian leap years up to gy.
	leapG := gy/4 - (gy/100+1)*3/4 - 150

	// Years since the last leap year.
	if jump-n < 6 {
		n = n - jump + (jump+4)/33*33
	}
	leap := ((n+1)%33 - 1) % 4
	if leap == -1 {
		leap = 4
	}
	return yearInfo{gy: gy, march: 20 + leapJ - leapG, leap: leap}
}

// farvardin1JDN is the Julian day number of jy/01/01.
func farvardin1JDN(jy int) int {
	c := jalCal(jy)
	return gregorianToJDN(c.gy, 3, c.march)
}

// yearLength is 365 or 366.
func yearLength(jy int) int {
	if IsLeap(jy) {
		return 366
	}
	return 365
}

// dayOfYear is the number of days from Farvardin 1 to jm/jd (0 for 01/01).
func dayOfYear(jm, jd int) int {
	if jm <= 7 {
		return (jm-1)*31 + jd - 1
	}
	return 186 + (jm-7)*30 + jd - 1
}

// gregorianToJDN is the Julian day number of a proleptic Gregorian date
// (jalaali-js g2d; Go's truncating / and % match its div and mod).
func gregorianToJDN(gy, gm, gd int) int {
	d := (gy+(gm-8)/6+100100)*1461/4 + (153*((gm+9)%12)+2)/5 + gd - 34840408
	return d - (gy+100100+(gm-8)/6)/100*3/4 + 752
}

// jdnToGregorian is the inverse of gregorianToJDN (jalaali-js d2g).
func jdnToGregorian(jdn int) (gy, gm, gd int) {
	j := 4*jdn + 139361631
	j += (4*jdn+183187720)/146097*3/4*4 - 3908
	i := j%1461/4*5 + 308
	gd = i%153/5 + 1
	gm = i/153%12 + 1
	gy = j/1461 - 100100 + (8-gm)/6
	return gy, gm, gd
}
