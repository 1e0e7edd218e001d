package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/store"
)

type rowScanner interface{ Scan(dest ...any) error }

func scanAlert(row rowScanner) (store.Alert, error) {
	var (
		a                   store.Alert
		id, tenant          []byte
		priority, typeClass string
		status              string
		score               sql.NullInt64
		created             int64
		acked, resolved     sql.NullInt64
		impact, context     sql.NullString
	)
	err := row.Scan(&id, &tenant, &a.AlertType, &a.Category, &a.Title, &a.Message, &a.Service, &priority,
		&score, &typeClass, &status, &created, &acked, &resolved, &impact, &context,
		&a.FinancialImpactCents, &a.EstimatedSavingsCents)
	if err != nil {
		return a, err
	}
	copy(a.ID[:], id)
	copy(a.TenantID[:], tenant)
	a.PriorityLevel = store.Priority(priority)
	a.TypeClass = store.TypeClass(typeClass)
	a.Status = store.Status(status)
	if score.Valid {
		v := int(score.Int64)
		a.PriorityScore = &v
	}
	a.CreatedAt = fromMS(created)
	a.AcknowledgedAt = fromNullMS(acked)
	a.ResolvedAt = fromNullMS(resolved)
	if impact.Valid {
		a.BusinessImpact = []byte(impact.String)
	}
	if context.Valid {
		a.OrchestratorContext = []byte(context.String)
	}
	return a, nil
}

// Alert implements store.Store.
func (s *Store) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+schema.AlertColumns+` FROM alertanalytics_alerts
		WHERE tenant_id = ? AND id = ?`, tenantID[:], alertID[:])
	a, err := scanAlert(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Alert{}, fmt.Errorf("sqlite: alert %s: %w", alertID, store.ErrNotFound)
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("sqlite: alert: %w", err)
	}
	return a, nil
}

func scanInteraction(row rowScanner) (store.Interaction, error) {
	var (
		in                      store.Interaction
		id, tenant, alert, user []byte
		typ                     string
		interacted, recorded    int64
		metadata, key           sql.NullString
	)
	err := row.Scan(&id, &tenant, &alert, &user, &typ, &interacted, &in.ResponseTimeSeconds, &metadata, &key, &recorded)
	if err != nil {
		return in, err
	}
	copy(in.ID[:], id)
	copy(in.TenantID[:], tenant)
	copy(in.AlertID[:], alert)
	copy(in.UserID[:], user)
	in.Type = store.InteractionType(typ)
	in.InteractedAt = fromMS(interacted)
	in.RecordedAt = fromMS(recorded)
	if metadata.Valid {
		in.Metadata = []byte(metadata.String)
	}
	in.IdempotencyKey = key.String
	return in, nil
}

// dayTotalsQuery aggregates one day's range of the clustered alerts table.
// There is no GROUP BY: SQLite would sort every row to group them, which
// costs more than all the aggregates together, while a range per day reads
// the rows in key order and sorts nothing. Its counted columns come from
// the store's lists.
func dayTotalsQuery() string {
	return `SELECT count(*),
	` + schema.DayCountColumns() + `,
	coalesce(sum(estimated_savings_cents) FILTER (WHERE type_class = 'prevented_issue'), 0),
	count(acknowledged_at),
	coalesce(sum(max(0, (acknowledged_at - created_at) / 1000)), 0)
	FROM alertanalytics_alerts
	WHERE tenant_id = ? AND created_at >= ? AND created_at < ?`
}

// DayTotals implements store.Store. The days are read in one read
// transaction, so they all see the same snapshot.
func (s *Store) DayTotals(ctx context.Context, tenantID uuid.UUID, bounds []time.Time) ([]store.DayTotals, error) {
	if len(bounds) < 2 {
		return nil, fmt.Errorf("sqlite: day totals: %d bounds, need at least 2", len(bounds))
	}
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: day totals: %w", err)
	}
	defer tx.Rollback() // read-only: nothing to commit
	stmt, err := tx.PrepareContext(ctx, dayTotalsQuery())
	if err != nil {
		return nil, fmt.Errorf("sqlite: day totals: %w", err)
	}
	defer stmt.Close()
	out := make([]store.DayTotals, len(bounds)-1)
	counts, into := schema.DayCounts()
	for i := range out {
		t := store.NewDayTotals()
		dest := append(append([]any{&t.Count}, counts...), &t.PreventedSavingsCents, &t.AcknowledgedCount, &t.AcknowledgeSeconds)
		if err := stmt.QueryRowContext(ctx, tenantID[:], ms(bounds[i]), ms(bounds[i+1])).Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlite: day totals: %w", err)
		}
		into(&t)
		out[i] = t
	}
	return out, nil
}

// TopCategories implements store.Store.
func (s *Store) TopCategories(ctx context.Context, tenantID uuid.UUID, from, to time.Time, limit int) ([]store.CategoryCount, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT category, count(*) AS n FROM alertanalytics_alerts
		WHERE tenant_id = ? AND created_at >= ? AND created_at < ?
		GROUP BY category ORDER BY n DESC, category ASC LIMIT ?`, tenantID[:], ms(from), ms(to), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: top categories: %w", err)
	}
	defer rows.Close()
	var out []store.CategoryCount
	for rows.Next() {
		var c store.CategoryCount
		if err := rows.Scan(&c.Category, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: top categories: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: top categories: %w", err)
	}
	return out, nil
}

// The durations of one kind — time to acknowledge or to resolve, the
// column passed as %[1]s — of the window's alerts.
const durationsSource = `(
	SELECT priority_level AS p, max(0, (%[1]s - created_at) / 1000) AS s
	FROM alertanalytics_alerts
	WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND %[1]s IS NOT NULL)`

// durationTotalsQuery counts and sums the durations per priority.
const durationTotalsQuery = `SELECT
	count(*) FILTER (WHERE p = 'critical'), coalesce(sum(s) FILTER (WHERE p = 'critical'), 0),
	count(*) FILTER (WHERE p = 'important'), coalesce(sum(s) FILTER (WHERE p = 'important'), 0),
	count(*) FILTER (WHERE p = 'standard'), coalesce(sum(s) FILTER (WHERE p = 'standard'), 0),
	count(*) FILTER (WHERE p = 'info'), coalesce(sum(s) FILTER (WHERE p = 'info'), 0)
	FROM ` + durationsSource

// durationRanksQuery sorts the durations once and numbers them with window
// functions: rn is a row's rank among all of them and c_<priority> the
// running count of its priority, so a row's rank within its priority is the
// running count of its own. Only the rows at the wanted ranks (?4–?8 overall,
// then five per priority in store.Priorities order) leave the database.
const durationRanksQuery = `SELECT p, s, rn, CASE p WHEN 'critical' THEN cc WHEN 'important' THEN ci WHEN 'standard' THEN cs ELSE cn END
FROM (
	SELECT p, s,
		row_number() OVER w AS rn,
		count(*) FILTER (WHERE p = 'critical') OVER w AS cc,
		count(*) FILTER (WHERE p = 'important') OVER w AS ci,
		count(*) FILTER (WHERE p = 'standard') OVER w AS cs,
		count(*) FILTER (WHERE p = 'info') OVER w AS cn
	FROM ` + durationsSource + `
	WINDOW w AS (ORDER BY s ROWS UNBOUNDED PRECEDING)
)
WHERE rn IN (?4, ?5, ?6, ?7, ?8)
	OR (p = 'critical' AND cc IN (?9, ?10, ?11, ?12, ?13))
	OR (p = 'important' AND ci IN (?14, ?15, ?16, ?17, ?18))
	OR (p = 'standard' AND cs IN (?19, ?20, ?21, ?22, ?23))
	OR (p = 'info' AND cn IN (?24, ?25, ?26, ?27, ?28))`

// ResponseTimes implements store.Store. The two distributions are computed
// side by side, each in a read transaction of its own.
func (s *Store) ResponseTimes(ctx context.Context, tenantID uuid.UUID, from, to time.Time) (store.ResponseTimes, error) {
	var (
		rt         store.ResponseTimes
		errA, errR error
		wg         sync.WaitGroup
	)
	wg.Go(func() {
		rt.Acknowledge, rt.AcknowledgeByPriority, errA = s.distribution(ctx, "acknowledged_at", tenantID, from, to)
	})
	rt.Resolve, rt.ResolveByPriority, errR = s.distribution(ctx, "resolved_at", tenantID, from, to)
	wg.Wait()
	if err := errors.Join(errA, errR); err != nil {
		return store.ResponseTimes{}, fmt.Errorf("sqlite: response times: %w", err)
	}
	return rt, nil
}

func (s *Store) distribution(ctx context.Context, column string, tenantID uuid.UUID, from, to time.Time) (store.Distribution, map[store.Priority]store.Distribution, error) {
	var overall store.Distribution
	byPriority := make(map[store.Priority]store.Distribution, 4)
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return overall, nil, err
	}
	defer tx.Rollback() // read-only: nothing to commit
	args := []any{tenantID[:], ms(from), ms(to)}
	var totals [8]int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(durationTotalsQuery, column), args...).Scan(
		&totals[0], &totals[1], &totals[2], &totals[3], &totals[4], &totals[5], &totals[6], &totals[7]); err != nil {
		return overall, nil, err
	}
	priorities := store.Priorities()
	for i, p := range priorities {
		d := store.Distribution{Count: totals[2*i], SumSeconds: totals[2*i+1]}
		overall.Count += d.Count
		overall.SumSeconds += d.SumSeconds
		byPriority[p] = d
	}
	if overall.Count == 0 {
		return overall, byPriority, nil
	}
	for _, n := range append([]int64{overall.Count}, totals[0], totals[2], totals[4], totals[6]) {
		for _, pct := range store.Percentiles() {
			args = append(args, store.NearestRank(pct, n))
		}
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(durationRanksQuery, column), args...)
	if err != nil {
		return overall, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p              string
			v, rank, rankP int64
		)
		if err := rows.Scan(&p, &v, &rank, &rankP); err != nil {
			return overall, nil, err
		}
		store.SetPercentiles(&overall, rank, v)
		d := byPriority[store.Priority(p)]
		store.SetPercentiles(&d, rankP, v)
		byPriority[store.Priority(p)] = d
	}
	return overall, byPriority, rows.Err()
}

// OpenTotals implements store.Store. It reads the open-alert totals the
// writes keep, not the alerts.
func (s *Store) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT type_class, alerts, financial_impact_cents
		FROM alertanalytics_open_totals WHERE tenant_id = ? AND alerts > 0`, tenantID[:])
	if err != nil {
		return nil, fmt.Errorf("sqlite: open groups: %w", err)
	}
	defer rows.Close()
	var out []store.OpenTotal
	for rows.Next() {
		var (
			g  store.OpenTotal
			tc string
		)
		if err := rows.Scan(&tc, &g.Alerts, &g.FinancialImpactCents); err != nil {
			return nil, fmt.Errorf("sqlite: open groups: %w", err)
		}
		g.TypeClass = store.TypeClass(tc)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open groups: %w", err)
	}
	return out, nil
}

// CountTenant implements store.Store.
func (s *Store) CountTenant(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	err := s.reader.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM alertanalytics_alerts WHERE tenant_id = ?1),
		(SELECT count(*) FROM alertanalytics_alert_interactions WHERE tenant_id = ?1),
		(SELECT count(*) FROM alertanalytics_audit_logs WHERE tenant_id = ?1)`, tenantID[:]).
		Scan(&c.Alerts, &c.AlertInteractions, &c.AuditLogs)
	if err != nil {
		return c, fmt.Errorf("sqlite: count tenant: %w", err)
	}
	return c, nil
}

// DeletionReceipts implements store.Store.
func (s *Store) DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.DeletionReceipt, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, requested_by, alerts, alert_interactions, audit_logs, deleted_at
		FROM alertanalytics_deletion_receipts WHERE tenant_id = ? ORDER BY deleted_at, id`, tenantID[:])
	if err != nil {
		return nil, fmt.Errorf("sqlite: deletion receipts: %w", err)
	}
	defer rows.Close()
	var out []store.DeletionReceipt
	for rows.Next() {
		var (
			r  = store.DeletionReceipt{TenantID: tenantID}
			id []byte
			at int64
		)
		if err := rows.Scan(&id, &r.RequestedBy, &r.Deleted.Alerts, &r.Deleted.AlertInteractions, &r.Deleted.AuditLogs, &at); err != nil {
			return nil, fmt.Errorf("sqlite: deletion receipts: %w", err)
		}
		copy(r.ID[:], id)
		r.DeletedAt = fromMS(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: deletion receipts: %w", err)
	}
	return out, nil
}
