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

// span is a resolved window: its UTC bounds and local dates.
type span struct {
	days     int
	loc      *time.Location
	start    time.Time // local midnight of the first day, in UTC
	end      time.Time // exclusive: now + 1 ms
	firstDay int64     // epoch day of the first local date
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
	local := now.In(w.Location)
	y, m, d := local.Date()
	start := time.Date(y, m, d-(w.Days-1), 0, 0, 0, 0, w.Location)
	sy, sm, sd := start.Date()
	return span{
		days:     w.Days,
		loc:      w.Location,
		start:    start.UTC(),
		end:      now.Add(time.Millisecond),
		firstDay: epochDay(sy, sm, sd),
	}, nil
}

// previous returns the span of the same number of local days just before sp.
func (sp span) previous() span {
	y, m, d := sp.start.In(sp.loc).Date()
	start := time.Date(y, m, d-sp.days, 0, 0, 0, 0, sp.loc)
	py, pm, pd := start.Date()
	return span{days: sp.days, loc: sp.loc, start: start.UTC(), end: sp.start, firstDay: epochDay(py, pm, pd)}
}

// storeWindow returns the window in the store's terms, with the UTC offsets
// in force inside it.
func (sp span) storeWindow() store.Window {
	w := store.Window{From: sp.start, To: sp.end}
	for t := sp.start; ; {
		local := t.In(sp.loc)
		_, offset := local.Zone()
		if n := len(w.Offsets); n == 0 || w.Offsets[n-1].OffsetSeconds != offset {
			w.Offsets = append(w.Offsets, store.OffsetSpan{Start: t, OffsetSeconds: offset})
		}
		_, next := local.ZoneBounds()
		if next.IsZero() || !next.Before(sp.end) {
			return w
		}
		t = next.UTC()
	}
}

// date returns the local date of day i of the span.
func (sp span) date(i int) time.Time {
	return time.Unix((sp.firstDay+int64(i))*86400, 0).UTC()
}

func epochDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
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

// windowTotals folds the store's day groups of a span.
type windowTotals struct {
	trend                                    []TrendPoint
	total, resolved, open                    int64
	byPriority                               PriorityCounts
	byTypeClass                              TypeClassCounts
	preventedSavingsCents                    int64
	acknowledgedCount, acknowledgeSecondsSum int64
}

func (s *Service) windowTotals(ctx context.Context, tenantID uuid.UUID, sp span) (windowTotals, error) {
	groups, err := s.store.WindowGroups(ctx, tenantID, sp.storeWindow())
	if err != nil {
		return windowTotals{}, err
	}
	t := windowTotals{trend: make([]TrendPoint, sp.days)}
	for i := range t.trend {
		t.trend[i].Date = sp.date(i).Format(time.DateOnly)
	}
	for _, g := range groups {
		// A fall-back change at local midnight can shift an instant into
		// the day before the window's first; such alerts count on the
		// nearest day of the window.
		i := min(max(g.EpochDay-sp.firstDay, 0), int64(sp.days-1))
		t.trend[i].Count += g.Count
		t.trend[i].add(g.Priority, g.Count)
		t.total += g.Count
		t.resolved += g.Resolved
		t.open += g.Open
		t.byPriority.add(g.Priority, g.Count)
		for tc, n := range g.TypeClass {
			t.byTypeClass.add(tc, n)
		}
		t.preventedSavingsCents += g.PreventedSavingsCents
		t.acknowledgedCount += g.AcknowledgedCount
		t.acknowledgeSecondsSum += g.AcknowledgeSeconds
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
			cats, err = s.store.TopCategories(ctx, tenantID, sp.start, sp.end, topCategoriesCount)
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
