package alertanalytics

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// topCategoriesCount is how many categories Analytics lists.
const topCategoriesCount = 3

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

// Analytics returns the analytics summary of the tenant's window (7 days by
// default). An out-of-range Days returns a *FieldError for "days".
func (s *Service) Analytics(ctx context.Context, tenantID uuid.UUID, w Window) (_ Analytics, err error) {
	ctx, end, err := s.call(ctx, "Analytics", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultAnalyticsDays)
	if err != nil {
		return Analytics{}, err
	}
	var (
		t    windowTotals
		cats []CategoryShare
	)
	err = concurrently(
		func() (err error) { t, err = s.windowTotals(ctx, tenantID, sp, true, windowCounters()); return err },
		func() (err error) { cats, err = s.topCategories(ctx, tenantID, sp); return err },
	)
	if err != nil {
		return Analytics{}, fmt.Errorf("analytics: %w", err)
	}
	a := Analytics{
		Trends:              t.trend,
		AverageResponseTime: t.averageResponseMinutes(),
		TopCategories:       cats,
		TotalAlerts:         t.total,
		ResolvedAlerts:      t.resolved,
		ActiveAlerts:        t.open,
		ResolutionRate:      t.resolutionRate(),
		BusiestDay:          busiestDay(sp, t.trend),
	}
	for i := range cats {
		cats[i].Percentage = percent(cats[i].Count, t.total)
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
func (s *Service) Trends(ctx context.Context, tenantID uuid.UUID, w Window) (_ []TrendPoint, err error) {
	ctx, end, err := s.call(ctx, "Trends", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultAnalyticsDays)
	if err != nil {
		return nil, err
	}
	t, err := s.windowTotals(ctx, tenantID, sp, true, nil)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	return t.trend, nil
}
