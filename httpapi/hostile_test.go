package httpapi

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHostileBodies sends bodies built to cost the server: deep nesting,
// numbers with hundreds of thousands of digits. Each is answered with a
// client error, and the whole run allocates a bounded amount.
func TestHostileBodies(t *testing.T) {
	e := setup(t)
	alerts := "/api/v1/tenants/" + tenantA + "/alerts"
	digits := strings.Repeat("9", 900_000)
	// Under the 64 KiB object limit, so the euro parser sees them.
	euros := strings.Repeat("9", 60_000)
	tiny := "0." + strings.Repeat("0", 60_000) + "1"
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"deep arrays", `{"alert_type":"t","business_impact":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`, 400, ""},
		{"deep objects", `{"alert_type":"t","business_impact":` + strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000) + `}`, 400, ""},
		{"huge integer score", `{"alert_type":"t","priority_score":` + digits + `}`, 422, "priority_score"},
		{"huge euro amount", `{"alert_type":"t","business_impact":{"financial_impact_eur":` + euros + `}}`, 422, "business_impact.financial_impact_eur"},
		{"tiny euro amount with many digits", `{"alert_type":"t","business_impact":{"financial_impact_eur":` + tiny + `}}`, 201, ""},
		{"huge exponent", `{"alert_type":"t","business_impact":{"financial_impact_eur":1e999999999}}`, 422, "business_impact.financial_impact_eur"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rec := e.do(t, http.MethodPost, alerts, tokenA, tc.body)
			runtime.ReadMemStats(&after)
			if tc.status == 201 {
				require.Equal(t, tc.status, rec.Code, rec.Body.String())
			} else {
				requireProblem(t, rec, tc.status, tc.field)
			}
			// The body is about 1 MiB; answering it may cost a few copies,
			// not a blow-up.
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "allocated bytes")
		})
	}
}
