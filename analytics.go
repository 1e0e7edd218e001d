package alertanalytics

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// topCategoriesCount is how many categories Analytics lists.
const topCategoriesCount = 3

// PriorityCounts counts alerts per priority level.
type PriorityCounts struct {
	Critical  int64 `json:"critical"`
	Important int64 `json:"important"`
	Standard  int64 `json:"standard"`
	Info      int64 `json:"info"`
}

func (c *PriorityCounts) add(p Priority, n int64) {
	switch p {
	case PriorityCritical:
		c.Critical += n
	case PriorityImportant:
		c.Important += n
	case PriorityStandard:
		c.Standard += n
	case PriorityInfo:
		c.Info += n
	}
}

// TypeClassCounts counts alerts per type class.
type TypeClassCounts struct {
	ActionNeeded   int64 `json:"action_needed"`
	PreventedIssue int64 `json:"prevented_issue"`
	TrendWarning   int64 `json:"trend_warning"`
	Escalation     int64 `json:"escalation"`
	Information    int64 `json:"information"`
}

func (c *TypeClassCounts) add(tc TypeClass, n int64) {
	switch tc {
	case TypeClassActionNeeded:
		c.ActionNeeded += n
	case TypeClassPreventedIssue:
		c.PreventedIssue += n
	case TypeClassTrendWarning:
		c.TrendWarning += n
	case TypeClassEscalation:
		c.Escalation += n
	case TypeClassInformation:
		c.Information += n
	}
}

// TrendPoint is one local day of a trend: the alerts created that day, in
// all and per priority level.
type TrendPoint struct {
	// Date is the local date, YYYY-MM-DD.
	Date  string `json:"date"`
	Count int64  `json:"count"`
	PriorityCounts
}

// CategoryShare is one of the top categories of a window.
type CategoryShare struct {
	Category string `json:"category"`
	Count    int64  `json:"count"`
	// Percentage is round(100 × Count / total alerts in the window).
	Percentage int64 `json:"percentage"`
}

// Analytics is the analytics summary of a window. JSON keys are camelCase,
// as the HTTP API has always sent them.
type Analytics struct {
	// Trends has one point per local date of the window, oldest first,
	// zero-filled.
	Trends []TrendPoint `json:"trends"`
	// AverageResponseTime is the mean time to acknowledge of the window's
	// acknowledged alerts, in minutes, rounded; 0 when there are none.
	AverageResponseTime int64 `json:"averageResponseTime"`
	// TopCategories holds the 3 categories with most alerts, ties by name.
	TopCategories []CategoryShare `json:"topCategories"`
	// TotalAlerts counts the alerts created in the window.
	TotalAlerts int64 `json:"totalAlerts"`
	// ResolvedAlerts counts those of them in status resolved.
	ResolvedAlerts int64 `json:"resolvedAlerts"`
	// ActiveAlerts counts those of them in an open status.
	ActiveAlerts int64 `json:"activeAlerts"`
	// ResolutionRate is round(100 × resolved / total), 0 when total is 0.
	ResolutionRate int64 `json:"resolutionRate"`
	// PredictedDailyAverage is the least-squares line through the trend's
	// (i, count) points evaluated at i = N+3, the middle of the next 7
	// days, clamped at 0 and rounded; with N = 1, that day's count.
	PredictedDailyAverage int64 `json:"predictedDailyAverage"`
	// BusiestDay is the English weekday with most alerts, ties going to the
	// earlier day counting from Monday; "" when there are none.
	BusiestDay string `json:"busiestDay"`
}

// windowTotals folds the store's day totals of a span.
type windowTotals struct {
	trend                                    []TrendPoint
	total, resolved, open                    int64
	byPriority                               PriorityCounts
	byTypeClass                              TypeClassCounts
	preventedSavingsCents                    int64
	acknowledgedCount, acknowledgeSecondsSum int64
}

func (s *Service) windowTotals(ctx context.Context, tenantID uuid.UUID, sp span) (windowTotals, error) {
	days, err := s.store.DayTotals(ctx, tenantID, sp.bounds)
	if err != nil {
		return windowTotals{}, err
	}
	if len(days) != sp.days {
		return windowTotals{}, fmt.Errorf("store returned %d days, want %d", len(days), sp.days)
	}
	t := windowTotals{trend: make([]TrendPoint, sp.days)}
	for i, day := range days {
		p := &t.trend[i]
		p.Date = sp.date(i).Format(time.DateOnly)
		p.Count = day.Count
		for level, n := range day.ByPriority {
			p.add(level, n)
			t.byPriority.add(level, n)
		}
		for tc, n := range day.ByTypeClass {
			t.byTypeClass.add(tc, n)
		}
		t.total += day.Count
		t.resolved += day.Resolved
		t.open += day.Open
		t.preventedSavingsCents += day.PreventedSavingsCents
		t.acknowledgedCount += day.AcknowledgedCount
		t.acknowledgeSecondsSum += day.AcknowledgeSeconds
	}
	return t, nil
}

// averageResponseMinutes is the mean time to acknowledge in minutes, rounded.
func (t windowTotals) averageResponseMinutes() int64 {
	if t.acknowledgedCount == 0 {
		return 0
	}
	return divRound(t.acknowledgeSecondsSum, t.acknowledgedCount*60)
}

func (t windowTotals) resolutionRate() int64 { return percent(t.resolved, t.total) }

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

// Analytics returns the analytics summary of the tenant's window (7 days by
// default). An out-of-range Days returns a *FieldError for "days".
func (s *Service) Analytics(ctx context.Context, tenantID uuid.UUID, w Window) (Analytics, error) {
	sp, err := s.resolveWindow(tenantID, w, DefaultAnalyticsDays)
	if err != nil {
		return Analytics{}, err
	}
	var (
		t    windowTotals
		cats []store.CategoryCount
	)
	err = concurrently(
		func() (err error) { t, err = s.windowTotals(ctx, tenantID, sp); return err },
		func() (err error) {
			cats, err = s.store.TopCategories(ctx, tenantID, sp.start(), sp.end(), topCategoriesCount)
			return err
		},
	)
	if err != nil {
		return Analytics{}, fmt.Errorf("analytics: %w", err)
	}
	a := Analytics{
		Trends:              t.trend,
		AverageResponseTime: t.averageResponseMinutes(),
		TopCategories:       make([]CategoryShare, 0, len(cats)),
		TotalAlerts:         t.total,
		ResolvedAlerts:      t.resolved,
		ActiveAlerts:        t.open,
		ResolutionRate:      t.resolutionRate(),
		BusiestDay:          busiestDay(sp, t.trend),
	}
	for _, c := range cats {
		a.TopCategories = append(a.TopCategories, CategoryShare{Category: c.Category, Count: c.Count, Percentage: percent(c.Count, t.total)})
	}
	counts := make([]int64, len(t.trend))
	for i, p := range t.trend {
		counts[i] = p.Count
	}
	a.PredictedDailyAverage = predictDailyAverage(counts)
	return a, nil
}

// Trends returns the daily trend of the tenant's window (7 days by default):
// one point per local date, oldest first, zero-filled.
func (s *Service) Trends(ctx context.Context, tenantID uuid.UUID, w Window) ([]TrendPoint, error) {
	sp, err := s.resolveWindow(tenantID, w, DefaultAnalyticsDays)
	if err != nil {
		return nil, err
	}
	t, err := s.windowTotals(ctx, tenantID, sp)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	return t.trend, nil
}
