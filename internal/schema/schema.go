// Package schema names what both backends' tables share: the column lists
// rows are written and read in, so the two SQL dialects never disagree on
// which column is where.
package schema

import (
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

// FactColumns lists the columns of an alert that kept totals are made of,
// in the order the backends scan them for store.Store's AlertFacts.
const FactColumns = `id, category, priority_level, type_class, status, created_at, acknowledged_at, resolved_at,
	financial_impact_cents, estimated_savings_cents, alert_type, service`

// ClosedStatuses is the SQL list of the closed statuses: 'resolved', …
func ClosedStatuses() string {
	var out []string
	for _, st := range store.Statuses() {
		if !st.Open() {
			out = append(out, "'"+string(st)+"'")
		}
	}
	return strings.Join(out, ", ")
}

// AuditColumns lists an audit row's columns in the order the backends
// write and scan them.
const AuditColumns = `id, alert_id, user_id, interaction_id, from_status, to_status, changed_at`
