package money

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		amount   float64
		currency string
		minor    int64
	}{{25000.50, "USD", 2500050}, {1500000, "IRR", 1500000}, {0.1 + 0.2, "USD", 30}, {1.234, "KWD", 1234}} {
		m, err := ToMinor(c.amount, c.currency)
		if err != nil || m != c.minor || FromMinor(m, c.currency) != float64(c.minor)/pow(c.currency) {
			t.Errorf("%v %s: %d %v", c.amount, c.currency, m, err)
		}
	}
	if _, err := ToMinor(10.5, "IRR"); err == nil {
		t.Error("rials have no decimals")
	}
	if _, err := ToMinor(1.005, "USD"); err == nil {
		t.Error("three decimals of dollars accepted")
	}
}

func pow(c string) float64 {
	p := 1.0
	for i := 0; i < Exponent(c); i++ {
		p *= 10
	}
	return p
}
