package alertanalytics

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Window selects the local calendar days an analytics call covers: from
// local midnight Days−1 days before today, in Location, up to now. Alerts
// count in the window when their created_at falls in it (created_at ≤ now;
// alerts stamped slightly in the future wait until their time comes). A local
// day is 23 or 25 hours long across a daylight-saving change.
type Window struct {
	// Days is the number of local days, 1–90. Zero means the method's
	// default: 7 for Analytics and Trends, 30 for Dashboard.
	Days int
	// Location is the tenant's time zone. Defaults to UTC.
	Location *time.Location
}

// Window bounds and defaults.
const (
	MaxWindowDays        = 90
	DefaultAnalyticsDays = 7
	DefaultDashboardDays = 30
	topCategoriesCount   = 3
)

// span is a resolved window: its local days and their UTC bounds.
type span struct {
	days int
	loc  *time.Location
	// bounds[i] is the first instant of local day i, in UTC; bounds[days]
	// is the window's end, exclusive: the next midnight, or now + 1 ms for
	// the current window.
	bounds []time.Time
}

func (sp span) start() time.Time { return sp.bounds[0] }
func (sp span) end() time.Time   { return sp.bounds[sp.days] }

// newSpan returns the days local days from the date y-m-d on, ending at end.
func newSpan(loc *time.Location, y int, m time.Month, d, days int, end time.Time) span {
	sp := span{days: days, loc: loc, bounds: make([]time.Time, days+1)}
	for i := range days {
		// time.Date resolves a midnight that a clock change skips to the
		// first instant of that day.
		sp.bounds[i] = time.Date(y, m, d+i, 0, 0, 0, 0, loc).UTC()
	}
	sp.bounds[days] = end
	return sp
}

func (s *Service) resolveWindow(w Window, defaultDays int) (span, error) {
	if w.Days == 0 {
		w.Days = defaultDays
	}
	if w.Days < 1 || w.Days > MaxWindowDays {
		return span{}, invalid("days", fmt.Sprintf("must be between 1 and %d", MaxWindowDays))
	}
	if w.Location == nil {
		w.Location = time.UTC
	}
	now := s.now()
	y, m, d := now.In(w.Location).Date()
	return newSpan(w.Location, y, m, d-(w.Days-1), w.Days, now.Add(time.Millisecond)), nil
}

// previous returns the span of the same number of local days just before sp.
func (sp span) previous() span {
	y, m, d := sp.start().In(sp.loc).Date()
	return newSpan(sp.loc, y, m, d-sp.days, sp.days, sp.start())
}

// date returns the local date of day i of the span, at midnight UTC.
func (sp span) date(i int) time.Time {
	y, m, d := sp.start().In(sp.loc).Date()
	return time.Date(y, m, d+i, 0, 0, 0, 0, time.UTC)
}

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

// predictDailyAverage evaluates the least-squares line through (i, counts[i])
// at i = N+3, clamped at 0 and rounded half away from zero. In exact integer
// arithmetic, with S = Σ counts, A = Σ i·counts[i]:
//
//	slope = 12·(A − (N−1)·S/2) / (N·(N²−1)),  mean = S/N,
//	f(N+3) = mean + slope·(N+3 − (N−1)/2)
//	       = (S·(N²−1) + 3·(2A − (N−1)·S)·(N+7)) / (N·(N²−1)).
func predictDailyAverage(counts []int64) int64 {
	n := int64(len(counts))
	if n == 0 {
		return 0
	}
	if n == 1 {
		return counts[0]
	}
	var sum, weighted int64
	for i, c := range counts {
		sum += c
		weighted += int64(i) * c
	}
	num := sum*(n*n-1) + 3*(2*weighted-(n-1)*sum)*(n+7)
	den := n * (n*n - 1)
	if num <= 0 {
		return 0
	}
	return divRound(num, den)
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
	sp, err := s.resolveWindow(w, DefaultAnalyticsDays)
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
	sp, err := s.resolveWindow(w, DefaultAnalyticsDays)
	if err != nil {
		return nil, err
	}
	t, err := s.windowTotals(ctx, tenantID, sp)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	return t.trend, nil
}
