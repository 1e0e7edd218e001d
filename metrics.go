package alertanalytics

import (
	"time"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
)

// The metric maths of section 4 of the specification, in exact integer
// arithmetic: rounding is half away from zero, money is summed in cents.

// percent is round(100 × n / total), 0 when total is 0.
func percent(n, total int64) int64 {
	if total == 0 {
		return 0
	}
	return divRound(100*n, total)
}

// divRound returns n / d rounded half away from zero, for d > 0, exactly.
func divRound(n, d int64) int64 {
	if n < 0 {
		return -divRound(-n, d)
	}
	return (2*n + d) / (2 * d)
}

// predictDailyAverage forecasts the daily count of the next 7 days from a
// window's trend: the least-squares line through (i, count_i) of the
// complete days i = 0…N−2 (today, i = N−1, is still running and left out),
// evaluated at i = N+3, the middle of the next 7 days, clamped at 0 and
// rounded half away from zero. With one complete day it is that day's count;
// with none, today's count so far.
//
// In exact integer arithmetic over the M = N−1 complete days, with
// S = Σ count_i and A = Σ i·count_i:
//
//	slope = 12·(A − (M−1)·S/2) / (M·(M²−1)),  mean = S/M,
//	f(M+4) = mean + slope·(M+4 − (M−1)/2)
//	       = (S·(M²−1) + 3·(2A − (M−1)·S)·(M+9)) / (M·(M²−1)).
func predictDailyAverage(trend []int64) int64 {
	switch len(trend) {
	case 0:
		return 0
	case 1, 2:
		return trend[0]
	}
	complete := trend[:len(trend)-1]
	m := int64(len(complete))
	var sum, weighted int64
	for i, c := range complete {
		sum += c
		weighted += int64(i) * c
	}
	num := sum*(m*m-1) + 3*(2*weighted-(m-1)*sum)*(m+9)
	if num <= 0 {
		return 0
	}
	return divRound(num, m*(m*m-1))
}

// busiestDay returns the weekday with most alerts, ties to the earlier day
// counting from Monday, or "" when the trend has no alerts.
func busiestDay(sp span, trend []TrendPoint) string {
	var perDay [7]int64 // Monday first
	for i, p := range trend {
		perDay[(int(sp.date(i).Weekday())+6)%7] += p.Count
	}
	best := -1
	for d, n := range perDay {
		if n > 0 && (best < 0 || n > perDay[best]) {
			best = d
		}
	}
	if best < 0 {
		return ""
	}
	return time.Weekday((best + 1) % 7).String()
}

// change is round(100 × (cur − prev) / prev, 1 decimal), nil when prev is 0.
func change(cur, prev int64) *float64 {
	if prev == 0 {
		return nil
	}
	v := float64(divRound(1000*(cur-prev), prev)) / 10
	return &v
}

func euros(cents int64) float64 { return float64(cents) / 100 }

// responseTimeStats turns a distribution into its wire figures.
func responseTimeStats(d rollup.Distribution) ResponseTimeStats {
	if d.Count == 0 {
		return ResponseTimeStats{}
	}
	return ResponseTimeStats{
		Count:       d.Count,
		MeanSeconds: divRound(d.SumSeconds, d.Count),
		P50Seconds:  d.P50,
		P75Seconds:  d.P75,
		P90Seconds:  d.P90,
		P95Seconds:  d.P95,
		P99Seconds:  d.P99,
	}
}

func responseTimeReport(rt rollup.ResponseTimes) ResponseTimeReport {
	var r ResponseTimeReport
	r.TimeToAcknowledge = responseTimeStats(rt.Acknowledge)
	r.TimeToResolve = responseTimeStats(rt.Resolve)
	for _, p := range []struct {
		priority Priority
		pair     *ResponseTimePair
	}{
		{PriorityCritical, &r.ByPriority.Critical},
		{PriorityImportant, &r.ByPriority.Important},
		{PriorityStandard, &r.ByPriority.Standard},
		{PriorityInfo, &r.ByPriority.Info},
	} {
		p.pair.TimeToAcknowledge = responseTimeStats(rt.AcknowledgeByPriority[p.priority])
		p.pair.TimeToResolve = responseTimeStats(rt.ResolveByPriority[p.priority])
	}
	return r
}

// percent1 is round(100 × n / total, 1 decimal), nil when total is 0.
func percent1(n, total int64) *float64 {
	if total == 0 {
		return nil
	}
	v := float64(divRound(1000*n, total)) / 10
	return &v
}
