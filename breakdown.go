package alertanalytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
)

// BreakdownField is the alert field a breakdown groups by.
type BreakdownField string

// The fields a breakdown can group by.
const (
	ByCategory  BreakdownField = "category"
	ByService   BreakdownField = "service"
	ByAlertType BreakdownField = "alert_type"
)

// Valid reports whether f is one of the fields a breakdown can group by.
func (f BreakdownField) Valid() bool { return f == ByCategory || f == ByService || f == ByAlertType }

// Limits of the rows a breakdown or the noisy alerts list.
const (
	MinRowsLimit     = 1
	MaxRowsLimit     = 100
	DefaultRowsLimit = 10
)

// GroupTimes describes the response times of a group: how many, the mean
// (rounded) and the nearest-rank p50 and p90, in whole seconds; all 0 when
// Count is 0.
type GroupTimes struct {
	Count       int64 `json:"count"`
	MeanSeconds int64 `json:"mean_seconds"`
	P50Seconds  int64 `json:"p50_seconds"`
	P90Seconds  int64 `json:"p90_seconds"`
}

func groupTimes(v []int64) GroupTimes {
	if len(v) == 0 {
		return GroupTimes{}
	}
	slices.Sort(v)
	var sum int64
	for _, x := range v {
		sum += x
	}
	n := int64(len(v))
	return GroupTimes{Count: n, MeanSeconds: divRound(sum, n), P50Seconds: v[rollup.NearestRank(50, n)-1], P90Seconds: v[rollup.NearestRank(90, n)-1]}
}

// BreakdownRow is one group of a breakdown.
type BreakdownRow struct {
	// Key is the field's value; the empty string is a group of its own.
	Key      string `json:"key"`
	Alerts   int64  `json:"alerts"`
	Resolved int64  `json:"resolved"`
	Open     int64  `json:"open"`
	// ResolutionRate is round(100 × resolved / alerts).
	ResolutionRate    int64      `json:"resolution_rate"`
	TimeToAcknowledge GroupTimes `json:"time_to_acknowledge"`
	TimeToResolve     GroupTimes `json:"time_to_resolve"`
}

// Breakdown is the window's alerts grouped by one field.
type Breakdown struct {
	By BreakdownField `json:"by"`
	// Groups counts the groups there are; OtherAlerts the alerts of the
	// groups beyond the rows shown.
	Groups      int            `json:"groups"`
	OtherAlerts int64          `json:"other_alerts"`
	Rows        []BreakdownRow `json:"rows"`
}

// checkLimit validates a rows limit; 0 means the default.
func checkLimit(limit int) (int, error) {
	if limit == 0 {
		return DefaultRowsLimit, nil
	}
	if limit < MinRowsLimit || limit > MaxRowsLimit {
		return 0, invalid("limit", fmt.Sprintf("must be between %d and %d", MinRowsLimit, MaxRowsLimit))
	}
	return limit, nil
}

// Breakdown groups the alerts created in the window (30 days by default)
// by a field — category, service or alert_type — and describes each group:
// alerts, resolved (status resolved), open (an open status), resolution
// rate, and times to acknowledge and to resolve. Rows come by alerts
// descending, then key ascending in byte order; the first limit (1–100, 0
// for 10) are returned. The figures come from the kept groups (per
// category, service and alert type, bucket by bucket, with their response
// times), not from the window's rows.
func (s *Service) Breakdown(ctx context.Context, tenantID uuid.UUID, w Window, by BreakdownField, limit int) (_ Breakdown, err error) {
	ctx, end, err := s.call(ctx, "Breakdown", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return Breakdown{}, err
	}
	var field rollup.Field
	switch by {
	case ByCategory:
		field = rollup.FieldCategory
	case ByService:
		field = rollup.FieldService
	case ByAlertType:
		field = rollup.FieldAlertType
	case "":
		return Breakdown{}, invalid("by", "is required: category, service or alert_type")
	default:
		return Breakdown{}, invalid("by", "must be one of category, service, alert_type")
	}
	if limit, err = checkLimit(limit); err != nil {
		return Breakdown{}, err
	}
	groups, err := rollup.Groups(ctx, s.store, tenantID, sp.start(), sp.end(), field)
	if err != nil {
		return Breakdown{}, fmt.Errorf("breakdown: %w", err)
	}
	rows := make([]BreakdownRow, 0, len(groups))
	for key, g := range groups {
		row := BreakdownRow{Key: key, Alerts: g.Alerts, Resolved: g.Resolved, Open: g.Open}
		row.ResolutionRate = percent(row.Resolved, row.Alerts)
		row.TimeToAcknowledge, row.TimeToResolve = groupTimes(g.AcknowledgeSeconds), groupTimes(g.ResolveSeconds)
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.Alerts, a.Alerts), strings.Compare(a.Key, b.Key))
	})
	out := Breakdown{By: by, Groups: len(rows), Rows: rows[:min(limit, len(rows))]}
	for _, r := range rows[len(out.Rows):] {
		out.OtherAlerts += r.Alerts
	}
	return out, nil
}
