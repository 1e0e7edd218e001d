package alertanalytics

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Dashboard is the operations dashboard of a window. JSON keys are
// snake_case, as the HTTP API has always sent them. Money is in euros with
// 2 decimals.
type Dashboard struct {
	PeriodDays int `json:"period_days"`
	// TotalAlerts counts the alerts created in the window.
	TotalAlerts int64 `json:"total_alerts"`
	// ActiveAlerts counts all of the tenant's alerts in an open status now,
	// whenever created.
	ActiveAlerts int64 `json:"active_alerts"`
	// AIHandlingRate is 100 × prevented_issue alerts / total, 1 decimal.
	AIHandlingRate float64 `json:"ai_handling_rate"`
	// PreventedIssuesCount counts the window's prevented_issue alerts.
	PreventedIssuesCount int64 `json:"prevented_issues_count"`
	// EstimatedSavingsEUR sums estimated_savings_eur over the window's
	// prevented_issue alerts.
	EstimatedSavingsEUR float64 `json:"estimated_savings_eur"`
	// TotalFinancialImpactAtRiskEUR sums financial_impact_eur over all open
	// alerts, whenever created.
	TotalFinancialImpactAtRiskEUR float64 `json:"total_financial_impact_at_risk_eur"`
	// PriorityDistribution and TypeClassDistribution count the window's
	// alerts.
	PriorityDistribution  PriorityCounts  `json:"priority_distribution"`
	TypeClassDistribution TypeClassCounts `json:"type_class_distribution"`
	// ActiveByTypeClass counts all open alerts, whenever created.
	ActiveByTypeClass TypeClassCounts    `json:"active_by_type_class"`
	PeriodComparison  PeriodComparison   `json:"period_comparison"`
	ResponseTimes     ResponseTimeReport `json:"response_times"`
}

// PeriodComparison sets the window (current: from the start of the local day
// N−1 days before today to now) against the same stretch of time N local days
// earlier (previous: from the start of the local day 2N−1 days before today
// to now's local wall-clock time on the date N days before today), so a
// running day meets the same part of its counterpart.
type PeriodComparison struct {
	CurrentPeriod  PeriodStats   `json:"current_period"`
	PreviousPeriod PeriodStats   `json:"previous_period"`
	Changes        PeriodChanges `json:"changes"`
}

// PeriodStats summarises one period [Start, End], both ends included.
type PeriodStats struct {
	Start                      time.Time `json:"start"`
	End                        time.Time `json:"end"`
	TotalAlerts                int64     `json:"total_alerts"`
	ResolvedAlerts             int64     `json:"resolved_alerts"`
	ResolutionRate             int64     `json:"resolution_rate"`
	AverageResponseTimeMinutes int64     `json:"average_response_time_minutes"`
}

// PeriodChanges holds, per figure, round(100 × (current − previous) /
// previous, 1 decimal) on the figures as shown; nil when previous is 0.
type PeriodChanges struct {
	TotalAlerts                *float64 `json:"total_alerts"`
	ResolvedAlerts             *float64 `json:"resolved_alerts"`
	ResolutionRate             *float64 `json:"resolution_rate"`
	AverageResponseTimeMinutes *float64 `json:"average_response_time_minutes"`
}

// ResponseTimeStats describes response times in whole seconds: how many,
// the mean (rounded) and nearest-rank percentiles. All 0 when Count is 0.
type ResponseTimeStats struct {
	Count       int64 `json:"count"`
	MeanSeconds int64 `json:"mean_seconds"`
	P50Seconds  int64 `json:"p50_seconds"`
	P75Seconds  int64 `json:"p75_seconds"`
	P90Seconds  int64 `json:"p90_seconds"`
	P95Seconds  int64 `json:"p95_seconds"`
	P99Seconds  int64 `json:"p99_seconds"`
}

// ResponseTimePair is the time to acknowledge and the time to resolve of
// one group of alerts.
type ResponseTimePair struct {
	TimeToAcknowledge ResponseTimeStats `json:"time_to_acknowledge"`
	TimeToResolve     ResponseTimeStats `json:"time_to_resolve"`
}

// ResponseTimeReport holds the response times of the window's alerts,
// overall and per priority level.
type ResponseTimeReport struct {
	ResponseTimePair
	ByPriority struct {
		Critical  ResponseTimePair `json:"critical"`
		Important ResponseTimePair `json:"important"`
		Standard  ResponseTimePair `json:"standard"`
		Info      ResponseTimePair `json:"info"`
	} `json:"by_priority"`
}

// Dashboard returns the dashboard of the tenant's window (30 days by
// default). An out-of-range Days returns a *FieldError for "days".
func (s *Service) Dashboard(ctx context.Context, tenantID uuid.UUID, w Window) (_ Dashboard, err error) {
	ctx, end, err := s.call(ctx, "Dashboard", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultDashboardDays)
	if err != nil {
		return Dashboard{}, err
	}
	prev := sp.previous()
	var (
		cur, before windowTotals
		rt          rollup.ResponseTimes
		open        []store.OpenTotal
	)
	err = concurrently(
		func() (err error) { cur, err = s.windowTotals(ctx, tenantID, sp, true, windowCounters()); return err },
		func() (err error) {
			before, err = s.windowTotals(ctx, tenantID, prev, false, comparisonCounters())
			return err
		},
		func() (err error) {
			bufs := s.buffers.Get().(*rollup.Buffers)
			defer s.buffers.Put(bufs)
			rt, err = rollup.ReadResponseTimes(ctx, s.store, tenantID, sp.start(), sp.end(), bufs)
			return err
		},
		func() (err error) { open, err = s.store.OpenTotals(ctx, tenantID); return err },
	)
	if err != nil {
		return Dashboard{}, fmt.Errorf("dashboard: %w", err)
	}
	return dashboardOf(sp, prev, &cur, &before, rt, open), nil
}

// dashboardOf assembles the dashboard of the window sp from what its reads
// returned: the totals of sp and of the previous window prev, the
// response times of sp and the open totals now.
func dashboardOf(sp, prev span, cur, before *windowTotals, rt rollup.ResponseTimes, open []store.OpenTotal) Dashboard {
	d := Dashboard{
		PeriodDays:            sp.days,
		TotalAlerts:           cur.total,
		PreventedIssuesCount:  cur.byTypeClass.PreventedIssue,
		EstimatedSavingsEUR:   euros(cur.preventedSavingsCents),
		PriorityDistribution:  cur.byPriority,
		TypeClassDistribution: cur.byTypeClass,
		ResponseTimes:         responseTimeReport(rt),
	}
	if cur.total > 0 {
		d.AIHandlingRate = float64(divRound(1000*cur.byTypeClass.PreventedIssue, cur.total)) / 10
	}
	var atRiskCents int64
	for _, g := range open {
		d.ActiveAlerts += g.Alerts
		d.ActiveByTypeClass.add(g.TypeClass, g.Alerts)
		atRiskCents += g.FinancialImpactCents
	}
	d.TotalFinancialImpactAtRiskEUR = euros(atRiskCents)
	c, p := periodStats(sp, *cur), periodStats(prev, *before)
	d.PeriodComparison = PeriodComparison{
		CurrentPeriod:  c,
		PreviousPeriod: p,
		Changes: PeriodChanges{
			TotalAlerts:                change(c.TotalAlerts, p.TotalAlerts),
			ResolvedAlerts:             change(c.ResolvedAlerts, p.ResolvedAlerts),
			ResolutionRate:             change(c.ResolutionRate, p.ResolutionRate),
			AverageResponseTimeMinutes: change(c.AverageResponseTimeMinutes, p.AverageResponseTimeMinutes),
		},
	}
	return d
}
