package search

import (
	"slices"
	"testing"
)

func TestNormalizeUnifiesPersianForms(t *testing.T) {
	for _, in := range []string{"رابین", "رابين", "را\u200cبین", "رابـــین", "رابِین"} {
		if got := Normalize(in); got != "رابین" {
			t.Errorf("Normalize(%q) = %q", in, got)
		}
	}
	if got := Normalize("کد ۱۲۳ و ٤٥٦ RaBin"); got != "کد 123 و 456 rabin" {
		t.Errorf("digits/case: %q", got)
	}
}

func TestTokens(t *testing.T) {
	got := Tokens("Rabin / رابین, rabin@example.com")
	want := []string{"rabin", "رابین", "example", "com"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens = %v, want %v", got, want)
	}
}

func TestPhoneDigits(t *testing.T) {
	for _, in := range []string{"09121234567", "+98 912 123 4567", "00989121234567", "۰۹۱۲۱۲۳۴۵۶۷", "989121234567"} {
		if got := PhoneDigits(in); got != "9121234567" {
			t.Errorf("PhoneDigits(%q) = %q", in, got)
		}
	}
}
