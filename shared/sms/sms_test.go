package sms_test

import (
	"strings"
	"testing"

	"payvand.dev/shared/sms"
)

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		body string
		enc  string
		n    int
	}{
		{"Hello", "GSM-7", 1},
		{strings.Repeat("a", 160), "GSM-7", 1},
		{strings.Repeat("a", 161), "GSM-7", 2},
		{strings.Repeat("a", 306), "GSM-7", 2},
		{strings.Repeat("a", 307), "GSM-7", 3},
		{strings.Repeat("€", 80), "GSM-7", 1},  // 160 septets: each € is escape + char
		{strings.Repeat("€", 81), "GSM-7", 2},  // 162 septets
		{strings.Repeat("س", 70), "UCS-2", 1},  // Persian: UCS-2
		{strings.Repeat("س", 71), "UCS-2", 2},  // 67 a part
		{strings.Repeat("س", 134), "UCS-2", 2}, // 2 × 67
		{strings.Repeat("س", 135), "UCS-2", 3},
		{"سلام 👋", "UCS-2", 1},
		{strings.Repeat("😀", 35), "UCS-2", 1}, // 70 UTF-16 units
		{strings.Repeat("😀", 36), "UCS-2", 2},
		{"Hi ✓", "UCS-2", 1}, // one non-GSM character makes the whole text UCS-2
	} {
		enc, n := sms.Segments(c.body)
		if enc != c.enc || n != c.n {
			t.Errorf("%q (%d runes): %s × %d, want %s × %d", c.body[:min(len(c.body), 12)], len([]rune(c.body)), enc, n, c.enc, c.n)
		}
	}
}

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{
		"09121234567": "+989121234567", "۰۹۱۲۱۲۳۴۵۶۷": "+989121234567", "+98 912 123 4567": "+989121234567",
		"0098-912-123-4567": "+989121234567", "+1 (415) 555-0100": "+14155550100", "12345": "", "0912abc": "",
	} {
		got, ok := sms.Phone(in)
		if got != want || ok != (want != "") {
			t.Errorf("Phone(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, err := sms.Prepare("09121234567", strings.Repeat("س", 671)); err == nil {
		t.Error("an 11-part message was accepted")
	}
}
