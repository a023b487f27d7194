package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"payvand.dev/shared/crm"
)

// commonPasswords are refused outright: the most used passwords of public
// breach corpora, plus Persian-keyboard favourites.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`123456 123456789 12345678 password qwerty123 qwerty 1234567890 1234567 password1
		12345 123123 111111 abc123 iloveyou 000000 qwertyuiop 123321 1q2w3e4r 1qaz2wsx zaq12wsx passw0rd password123
		admin admin123 welcome welcome1 letmein monkey dragon football baseball sunshine princess master superman
		trustno1 654321 666666 888888 987654321 121212 asdfghjkl asdf1234 qwer1234 p@ssw0rd changeme secret secret123
		abcd1234 11111111 00000000 12341234 iran1234 tehran123 ali12345 mohammad 09121234567 reza1234 zahra123
		payvand payvand123 rabin123 ishyar123 Aa123456 aa123456 q1w2e3r4 1q2w3e4r5t qazwsxedc`) {
		commonPasswords[strings.ToLower(p)] = true
	}
}

// CheckPasswordPolicy returns field errors for a new password: 8 to 128
// characters, not a common password, not the email or name, not one
// repeated character.
func CheckPasswordPolicy(pw, confirmation, email, name string) error {
	f := crm.FieldErrors{}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 8:
		f.Add("password", "use at least 8 characters")
	case n > 128:
		f.Add("password", "use at most 128 characters")
	}
	lower := strings.ToLower(pw)
	if commonPasswords[lower] || commonPasswords[strings.TrimRight(lower, "!.@#")] {
		f.Add("password", "this password is too common")
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if (local != "" && lower == local) || lower == strings.ToLower(email) || (name != "" && lower == strings.ToLower(strings.ReplaceAll(name, " ", ""))) {
		f.Add("password", "the password must not be your email or name")
	}
	if n > 0 && strings.Count(pw, string([]rune(pw)[0])) == len([]rune(pw)) {
		f.Add("password", "use more than one distinct character")
	}
	if !strings.ContainsFunc(pw, unicode.IsLetter) || !strings.ContainsFunc(pw, func(r rune) bool { return !unicode.IsLetter(r) }) {
		f.Add("password", "mix letters with digits or symbols")
	}
	if confirmation != pw {
		f.Add("password_confirmation", "the confirmation does not match")
	}
	return f.Err()
}
