package alertanalytics

import (
	"context"
	"time"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/google/uuid"
)

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

// windowTotals folds the store's day totals of a span.
type windowTotals struct {
	trend                                    []TrendPoint
	total, resolved, open                    int64
	byPriority                               PriorityCounts
	byTypeClass                              TypeClassCounts
	preventedSavingsCents                    int64
	acknowledgedCount, acknowledgeSecondsSum int64
}

// windowCounters are the counters the Dashboard and Analytics sum over
// their window.
func windowCounters() []int {
	return []int{rollup.CountAlerts, rollup.CountResolved, rollup.CountOpen, rollup.CountPreventedSavingsCents,
		rollup.CountAcknowledged, rollup.CountAcknowledgeSeconds,
		rollup.CountActionNeeded, rollup.CountPreventedIssue, rollup.CountTrendWarning, rollup.CountEscalation, rollup.CountInformation}
}

// comparisonCounters are the counters a period comparison needs of the
// previous period.
func comparisonCounters() []int {
	return []int{rollup.CountAlerts, rollup.CountResolved, rollup.CountAcknowledged, rollup.CountAcknowledgeSeconds}
}

// windowTotals reads the totals of a span: per day when trend is set (the
// trend and the per-priority split), and the counters over the whole span.
func (s *Service) windowTotals(ctx context.Context, tenantID uuid.UUID, sp span, trend bool, counters []int) (windowTotals, error) {
	var perDay []int
	if trend {
		perDay = rollup.DayCounters()
	}
	read := rollup.Period
	if sp.past {
		read = rollup.PastPeriod
	}
	days, sum, err := read(ctx, s.store, tenantID, sp.bounds, perDay, counters)
	if err != nil {
		return windowTotals{}, err
	}
	t := windowTotals{
		total: sum[rollup.CountAlerts], resolved: sum[rollup.CountResolved], open: sum[rollup.CountOpen],
		preventedSavingsCents: sum[rollup.CountPreventedSavingsCents],
		acknowledgedCount:     sum[rollup.CountAcknowledged], acknowledgeSecondsSum: sum[rollup.CountAcknowledgeSeconds],
	}
	for i, tc := range store.TypeClasses() {
		t.byTypeClass.add(tc, sum[rollup.CountActionNeeded+i])
	}
	if !trend {
		return t, nil
	}
	t.trend = make([]TrendPoint, sp.days)
	for i := range days {
		p := &t.trend[i]
		p.Date = sp.date(i).Format(time.DateOnly)
		p.Count = days[i][rollup.CountAlerts]
		for j, level := range store.Priorities() {
			p.add(level, days[i][rollup.CountCritical+j])
			t.byPriority.add(level, days[i][rollup.CountCritical+j])
		}
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

func periodStats(sp span, t windowTotals) PeriodStats {
	return PeriodStats{
		Start:                      sp.start(),
		End:                        sp.last(),
		TotalAlerts:                t.total,
		ResolvedAlerts:             t.resolved,
		ResolutionRate:             t.resolutionRate(),
		AverageResponseTimeMinutes: t.averageResponseMinutes(),
	}
}
