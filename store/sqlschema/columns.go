// Package sqlschema is for authors of SQL backends of store.Store: what
// this module's PostgreSQL and SQLite backends share and a backend in
// another module may reuse. It holds the column lists rows are written and
// read in (so two SQL dialects never disagree on which column is where)
// and a loader for numbered, up-only migration files embedded in a
// backend (Load, LoadDir, Render), as river's drivers supply theirs.
//
// Nothing here is required: a backend is anything that passes
// store/storetest. A MySQL backend would embed its own NNN_name.sql files,
// load them with LoadDir, apply each in a transaction of its own with its
// version row, and scan rows in the orders below.
package sqlschema

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
// in the order the backends scan them for store.Store's AlertFacts and
// store.Tx's PurgeCandidates.
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

// AlertTable is one table holding rows of an alert: the column that names
// the alert, and the count of store.TenantCounts its rows go to.
type AlertTable struct {
	// Table is the table's name without the backend's schema or prefix.
	Table  string
	Column string
	Count  *int64
}

// AlertTables lists the tables holding an alert's rows, in the order a
// purge or a tenant deletion deletes them (rows that point at the alert first), each counting
// into its field of c.
func AlertTables(c *store.TenantCounts) []AlertTable {
	return []AlertTable{
		{"audit_logs", "alert_id", &c.AuditLogs},
		{"alert_interactions", "alert_id", &c.AlertInteractions},
		{"alerts", "id", &c.Alerts},
	}
}

// InteractionsQuery returns the statement of store.Store's Interactions:
// the interactions of one tenant in a range of interacted_at, in
// (interacted_at, id) order. interactions is the table's name as the
// backend spells it; tenant, from and to its placeholders. The columns
// come in the order alert id, user id, type, interacted_at,
// response_time_seconds; an index on (tenant_id, interacted_at, id) that
// carries them answers it alone.
func InteractionsQuery(interactions, tenant, from, to string) string {
	return `SELECT alert_id, user_id, interaction_type, interacted_at, response_time_seconds
		FROM ` + interactions + `
		WHERE tenant_id = ` + tenant + ` AND interacted_at >= ` + from + ` AND interacted_at < ` + to + `
		ORDER BY interacted_at, id`
}

// AcknowledgedAlertsQuery returns the statement of store.Store's
// AcknowledgedAlerts over the alerts table as the backend spells it, with
// its placeholders for the tenant and the range of acknowledged_at.
func AcknowledgedAlertsQuery(alerts, tenant, from, to string) string {
	return `SELECT id FROM ` + alerts + `
		WHERE tenant_id = ` + tenant + ` AND acknowledged_at >= ` + from + ` AND acknowledged_at < ` + to
}

// ResolvedWithinQuery returns the statement of store.Store's
// ResolvedWithin over the alerts table as the backend spells it, with its
// placeholders for the tenant, the range of created_at and the bound in
// milliseconds; the columns are FactColumns.
func ResolvedWithinQuery(alerts, tenant, from, to, within string) string {
	return `SELECT ` + FactColumns + ` FROM ` + alerts + `
		WHERE tenant_id = ` + tenant + ` AND created_at >= ` + from + ` AND created_at < ` + to + `
		AND resolved_at < created_at + ` + within + ` ORDER BY created_at, id`
}
