package auth

import (
	"testing"

	"payvand.dev/shared/crm"
)

func TestPasswordPolicy(t *testing.T) {
	ok := []string{"Corr3ct-Horse", "رمز-امن-۱۴۰۴x", "longer phrase 42"}
	for _, p := range ok {
		if err := CheckPasswordPolicy(p, p, "sara@example.com", "Sara Ahmadi"); err != nil {
			t.Errorf("%q refused: %v", p, err)
		}
	}
	bad := []struct{ pw, confirm string }{
		{"short1", "short1"}, {"password123", "password123"}, {"Password1!", "Password1!"},
		{"aaaaaaaaaa", "aaaaaaaaaa"}, {"onlyletters", "onlyletters"}, {"sara@example.com", "sara@example.com"},
		{"Corr3ct-Horse", "Corr3ct-Hors"},
	}
	for _, b := range bad {
		err := CheckPasswordPolicy(b.pw, b.confirm, "sara@example.com", "Sara")
		var e *crm.Error
		if err == nil || crm.ErrorCode(err) != crm.EVALIDATION {
			t.Errorf("%q accepted", b.pw)
			continue
		}
		_ = e
	}
}
