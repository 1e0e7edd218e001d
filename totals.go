package alertanalytics

import (
	"context"
	"fmt"
	"time"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
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

func (s *Service) windowTotals(ctx context.Context, tenantID uuid.UUID, sp span) (windowTotals, error) {
	days, err := rollup.DayTotals(ctx, s.store, tenantID, sp.bounds)
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
