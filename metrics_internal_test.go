package alertanalytics

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPredictDailyAverage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trend []int64 // the window's days, today last
		want  int64
	}{
		{[]int64{5}, 5},    // N = 1: no complete day, today's count so far
		{[]int64{7, 3}, 7}, // N = 2: the one complete day
		// Daily counts 35, 33, 27, 24, 21, 29 and 7 so far today: the line
		// through the six complete days at i = 10 is 2810/210 = 13.38.
		// Fitting today's 7 as well answers 1.
		{[]int64{35, 33, 27, 24, 21, 29, 7}, 13},
		{[]int64{21, 29, 7}, 69},     // y = 21 + 8i at i = 6
		{[]int64{1, 2, 3, 0}, 8},     // y = 1 + i at i = 7
		{[]int64{2, 2, 2, 2, 0}, 2},  // flat; today ignored
		{[]int64{4, 1, 1, 4, 0}, 3},  // 2.5: half away from zero, not to even
		{[]int64{4, 2, 1, 9}, 0},     // falling line, clamped at 0
		{[]int64{0, 0, 0, 0, 0}, 0},  // no alerts
		{[]int64{0, 0, 0, 1, 50}, 2}, // 0.25 + 0.3·6.5 = 2.2
	} {
		require.Equal(t, tc.want, predictDailyAverage(tc.trend), "%v", tc.trend)
	}
}

func TestRounding(t *testing.T) {
	t.Parallel()
	require.Equal(t, int64(13), percent(1, 8))   // 12.5 → 13
	require.Equal(t, int64(0), percent(0, 0))    // empty
	require.Equal(t, int64(33), percent(1, 3))   // 33.3
	require.Equal(t, int64(67), percent(2, 3))   // 66.7
	require.Equal(t, int64(-3), divRound(-5, 2)) // −2.5 → −3
	require.Equal(t, -81.3, *change(3, 16))      // −81.25 → −81.3, not −81.2
	require.Equal(t, 333.3, *change(13, 3))
	require.Equal(t, -3.3, *change(29, 30))
	require.Nil(t, change(5, 0))
	require.Equal(t, 0.0, *change(4, 4))
}

func TestEuroCents(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]int64{
		`40`: 4000, `80.25`: 8025, `0.5`: 50, `0`: 0, `0.07`: 7, `12.345`: 1235, `12.344`: 1234, `0.005`: 1,
		`1e2`: 10000, `2.5E-1`: 25, `1234567890123`: 123456789012300, `null`: 0, `-0`: 0,
	} {
		got, err := euroCents("business_impact", "financial_impact_eur", []byte(`{"financial_impact_eur": `+raw+`}`))
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	for _, raw := range []string{`-1`, `-0.01`, `"12"`, `true`, `[]`, `1e400`, `99999999999999999`} {
		_, err := euroCents("business_impact", "financial_impact_eur", []byte(`{"financial_impact_eur": `+raw+`}`))
		require.ErrorIs(t, err, ErrInvalidArgument, raw)
	}
}
