// Package search normalizes Persian, Arabic and Latin text into search
// tokens, so that رابین, رابين and "Rabin" are found the way users type them.
package search

import (
	"strings"
	"unicode"
)

var replacer = strings.NewReplacer(
	"ي", "ی", "ى", "ی", "ك", "ک", "ة", "ه", "ۀ", "ه",
	"أ", "ا", "إ", "ا", "آ", "ا", "ٱ", "ا", "ؤ", "و", "ئ", "ی",
	"\u200c", "", "\u200d", "", "\u0640", "", // ZWNJ, ZWJ, tatweel
)

// Normalize lowercases and unifies letters and digits; diacritics go.
func Normalize(s string) string {
	s = replacer.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + (r - '۰'))
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + (r - '٠'))
		case (r >= 0x064B && r <= 0x065F) || r == 0x0670: // harakat, tanwin, superscript alef
		case unicode.Is(unicode.Mn, r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimSpace(b.String())
}

// Tokens splits normalized text into distinct words of letters and digits.
func Tokens(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range split(Normalize(s)) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// split cuts normalized text into its words of letters and digits, in
// order, repeats kept.
func split(n string) []string {
	return strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// joined is the index form of words written without spaces between them
// (an email, a SKU): the same whatever separated them.
func joined(words []string) string { return strings.Join(words, "-") }

// PhoneDigits returns a phone number's digits in national form: Persian or
// Arabic digits become ASCII and +98 / 0098 / 98 / 0 prefixes are unified
// (09121234567, +98 912 123 4567 and ۰۹۱۲۱۲۳۴۵۶۷ all give 9121234567).
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range Normalize(s) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "0098"):
		d = d[4:]
	case strings.HasPrefix(d, "98") && len(d) == 12:
		d = d[2:]
	}
	return strings.TrimLeft(d, "0")
}

// phoneQuery returns the national digits a search stands for when it is
// typed like a phone number (digits with spaces, dashes, dots, slashes,
// brackets or a leading +, at least 4 digits), else "". A number typed
// with its country code finds the numbers stored without it.
func phoneQuery(n string) string {
	var b strings.Builder
	for _, r := range n {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" +-()./", r):
		default:
			return ""
		}
	}
	d := b.String()
	if len(d) < 4 {
		return ""
	}
	switch {
	case strings.HasPrefix(d, "0098"):
		d = d[4:]
	case strings.HasPrefix(d, "98") && (strings.HasPrefix(n, "+") || len(d) == 12):
		d = d[2:]
	}
	return strings.TrimLeft(d, "0")
}
