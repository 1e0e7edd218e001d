package alertanalytics

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// FuzzEuroCents checks the euro parser against exact decimal arithmetic:
// any number it accepts without an exponent is round(value × 100), half
// away from zero, and anything it refuses is a FieldError naming the key.
func FuzzEuroCents(f *testing.F) {
	for _, s := range []string{"0", "12.345", "80.25", "0.005", "1e2", "-1", "1e400", "90071992547409.93",
		"007", "1.", ".5", "null", `"1"`, "[]", "12.3456789012345678901234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		obj := []byte(`{"financial_impact_eur":` + raw + `}`)
		if !json.Valid(obj) {
			return // refused earlier, as the whole object, by normalizeJSON
		}
		cents, err := euroCents("business_impact", "financial_impact_eur", obj)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "business_impact") {
				t.Fatalf("%q: error %v does not name the field", raw, err)
			}
			return
		}
		if cents < 0 || cents > maxEuroCents {
			t.Fatalf("%q: %d cents out of range", raw, cents)
		}
		trimmed := strings.TrimSpace(raw)
		if trimmed == "null" || strings.ContainsAny(trimmed, "eE") {
			return
		}
		eur, ok := new(big.Rat).SetString(trimmed)
		if !ok {
			t.Fatalf("%q accepted but is not a decimal", raw)
		}
		// round half away from zero of eur × 100, for eur ≥ 0.
		x := new(big.Rat).Mul(eur, big.NewRat(100, 1))
		x.Add(x, big.NewRat(1, 2))
		want := new(big.Int).Quo(x.Num(), x.Denom())
		if want.Int64() != cents {
			t.Fatalf("%q: %d cents, want %s", raw, cents, want)
		}
	})
}
