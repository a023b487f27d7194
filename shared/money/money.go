// Package money converts between the decimal amounts the API shows and the
// integer minor units the store keeps (aggregates never add floats).
package money

import (
	"fmt"
	"math"
	"strings"
)

// exponents are ISO 4217 minor-unit digits of the currencies we expect;
// others default to 2.
var exponents = map[string]int{"IRR": 0, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "OMR": 3, "IQD": 3}

// Exponent returns the minor-unit digits of a currency.
func Exponent(currency string) int {
	if e, ok := exponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// ValidCurrency reports whether c looks like an ISO 4217 code.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ToMinor converts a decimal amount; an error when it has more decimals
// than the currency or is out of range.
func ToMinor(amount float64, currency string) (int64, error) {
	scale := math.Pow10(Exponent(currency))
	v := amount * scale
	r := math.Round(v)
	if math.Abs(v-r) > 1e-6*math.Max(1, math.Abs(v)) {
		return 0, fmt.Errorf("%s takes at most %d decimals", currency, Exponent(currency))
	}
	if math.Abs(r) > 9e15 {
		return 0, fmt.Errorf("amount out of range")
	}
	return int64(r), nil
}

// FromMinor is the decimal amount of minor units.
func FromMinor(minor int64, currency string) float64 {
	return float64(minor) / math.Pow10(Exponent(currency))
}
