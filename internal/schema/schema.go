// Package schema names what both backends' tables share: the column lists
// rows are written and read in, so the two SQL dialects never disagree on
// which column is where.
package schema

import (
	"fmt"
	"strings"

	"github.com/alertanalytics/alertanalytics/store"
)

// AlertColumns lists an alert row's columns in the order the backends
// write and scan them.
const AlertColumns = `id, tenant_id, alert_type, category, title, message, service, priority_level,
	priority_score, type_class, status, created_at, acknowledged_at, resolved_at,
	business_impact, orchestrator_context, financial_impact_cents, estimated_savings_cents`

// InteractionColumns lists an interaction row's columns in the order the
// backends write and scan them.
const InteractionColumns = `id, tenant_id, alert_id, user_id, interaction_type, interacted_at,
	response_time_seconds, metadata, idempotency_key, recorded_at`

// DayCountColumns are the counts of a day's aggregate over alert rows, in
// the order of store.DayTotals.SetCounts: per priority level, per type
// class, then resolved and open. They are generated from the store's lists,
// so a new level or class reaches both backends' SQL at once.
func DayCountColumns() string {
	var b strings.Builder
	for _, p := range store.Priorities() {
		fmt.Fprintf(&b, "count(*) FILTER (WHERE priority_level = '%s'),\n\t", p)
	}
	for _, c := range store.TypeClasses() {
		fmt.Fprintf(&b, "count(*) FILTER (WHERE type_class = '%s'),\n\t", c)
	}
	fmt.Fprintf(&b, "count(*) FILTER (WHERE status = '%s'),\n\t", store.StatusResolved)
	open := make([]string, 0, 3)
	for _, s := range store.OpenStatuses() {
		open = append(open, "'"+string(s)+"'")
	}
	fmt.Fprintf(&b, "count(*) FILTER (WHERE status IN (%s))", strings.Join(open, ", "))
	return b.String()
}

// DayCounts returns scan destinations for the columns of DayCountColumns
// and the function that stores what was scanned into t.
func DayCounts() (dest []any, into func(t *store.DayTotals)) {
	priorities, classes := store.Priorities(), store.TypeClasses()
	vals := make([]int64, len(priorities)+len(classes)+2)
	dest = make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	return dest, func(t *store.DayTotals) {
		for i, p := range priorities {
			t.ByPriority[p] = vals[i]
		}
		for i, c := range classes {
			t.ByTypeClass[c] = vals[len(priorities)+i]
		}
		t.Resolved, t.Open = vals[len(vals)-2], vals[len(vals)-1]
	}
}
