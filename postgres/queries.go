package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/store"
)

func scanAlert(row pgx.Row) (store.Alert, error) {
	var (
		a                           store.Alert
		priority, typeClass, status string
		score                       *int32
		created                     int64
		acked, resolved             *int64
		impact, context             *string
	)
	err := row.Scan(&a.ID, &a.TenantID, &a.AlertType, &a.Category, &a.Title, &a.Message, &a.Service, &priority,
		&score, &typeClass, &status, &created, &acked, &resolved, &impact, &context,
		&a.FinancialImpactCents, &a.EstimatedSavingsCents)
	if err != nil {
		return a, err
	}
	a.PriorityLevel = store.Priority(priority)
	a.TypeClass = store.TypeClass(typeClass)
	a.Status = store.Status(status)
	if score != nil {
		v := int(*score)
		a.PriorityScore = &v
	}
	a.CreatedAt = fromMS(created)
	a.AcknowledgedAt = fromNullMS(acked)
	a.ResolvedAt = fromNullMS(resolved)
	if impact != nil {
		a.BusinessImpact = []byte(*impact)
	}
	if context != nil {
		a.OrchestratorContext = []byte(*context)
	}
	return a, nil
}

// Alert implements store.Store.
func (s *Store) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	a, err := scanAlert(s.db.QueryRow(ctx, s.sql(`SELECT `+schema.AlertColumns+` FROM {schema}.alerts
		WHERE tenant_id = $1 AND id = $2`), tenantID, alertID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Alert{}, fmt.Errorf("postgres: alert %s: %w", alertID, store.ErrNotFound)
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("postgres: alert: %w", err)
	}
	return a, nil
}

func scanInteraction(row pgx.Row) (store.Interaction, error) {
	var (
		in                   store.Interaction
		typ                  string
		interacted, recorded int64
		metadata, key        *string
	)
	err := row.Scan(&in.ID, &in.TenantID, &in.AlertID, &in.UserID, &typ, &interacted, &in.ResponseTimeSeconds, &metadata, &key, &recorded)
	if err != nil {
		return in, err
	}
	in.Type = store.InteractionType(typ)
	in.InteractedAt = fromMS(interacted)
	in.RecordedAt = fromMS(recorded)
	if metadata != nil {
		in.Metadata = []byte(*metadata)
	}
	if key != nil {
		in.IdempotencyKey = *key
	}
	return in, nil
}

// dayTotalsQuery aggregates the window in one pass: width_bucket puts each
// alert in its day by the day starts in $4, and a hash aggregate groups them.
// Its counted columns come from the store's lists.
func dayTotalsQuery() string {
	return `SELECT width_bucket(created_at, $4::bigint[]) - 1 AS day, count(*),
	` + schema.DayCountColumns() + `,
	coalesce(sum(estimated_savings_cents) FILTER (WHERE type_class = 'prevented_issue'), 0)::bigint,
	count(acknowledged_at),
	coalesce(sum(greatest(0, (acknowledged_at - created_at) / 1000)), 0)::bigint
	FROM {schema}.alerts
	WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
	GROUP BY 1`
}

// DayTotals implements store.Store.
func (s *Store) DayTotals(ctx context.Context, tenantID uuid.UUID, bounds []time.Time) ([]store.DayTotals, error) {
	if len(bounds) < 2 {
		return nil, fmt.Errorf("postgres: day totals: %d bounds, need at least 2", len(bounds))
	}
	starts := make([]int64, len(bounds)-1)
	for i := range starts {
		starts[i] = ms(bounds[i])
	}
	out := make([]store.DayTotals, len(starts))
	for i := range out {
		out[i] = store.NewDayTotals()
	}
	rows, err := s.db.Query(ctx, s.sql(dayTotalsQuery()), tenantID, starts[0], ms(bounds[len(bounds)-1]), starts)
	if err != nil {
		return nil, fmt.Errorf("postgres: day totals: %w", err)
	}
	defer rows.Close()
	counts, into := schema.DayCounts()
	for rows.Next() {
		var (
			day int32
			t   = store.NewDayTotals()
		)
		dest := append(append([]any{&day, &t.Count}, counts...), &t.PreventedSavingsCents, &t.AcknowledgedCount, &t.AcknowledgeSeconds)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("postgres: day totals: %w", err)
		}
		if day < 0 || int(day) >= len(out) {
			return nil, fmt.Errorf("postgres: day totals: day %d outside the window", day)
		}
		into(&t)
		out[day] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: day totals: %w", err)
	}
	return out, nil
}

// TopCategories implements store.Store. Ties sort by byte order (COLLATE "C"),
// whatever the database's collation.
func (s *Store) TopCategories(ctx context.Context, tenantID uuid.UUID, from, to time.Time, limit int) ([]store.CategoryCount, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT category, count(*) AS n FROM {schema}.alerts
		WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
		GROUP BY category ORDER BY n DESC, category COLLATE "C" ASC LIMIT $4`), tenantID, ms(from), ms(to), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: top categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.CategoryCount, error) {
		var c store.CategoryCount
		err := row.Scan(&c.Category, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: top categories: %w", err)
	}
	return out, nil
}

// responseTimesQuery computes both distributions, overall and per
// priority, in one pass with grouping sets; percentile_disc is the nearest
// rank: the first value whose position reaches ceil(p × n).
const responseTimesQuery = `
WITH v AS (
	SELECT 0 AS kind, priority_level AS p, greatest(0, (acknowledged_at - created_at) / 1000) AS s
	FROM {schema}.alerts
	WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND acknowledged_at IS NOT NULL
	UNION ALL
	SELECT 1, priority_level, greatest(0, (resolved_at - created_at) / 1000)
	FROM {schema}.alerts
	WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND resolved_at IS NOT NULL
)
SELECT kind, grouping(p) = 1, coalesce(p, ''), count(*), sum(s)::bigint,
	percentile_disc($4::float8[]) WITHIN GROUP (ORDER BY s)
FROM v
GROUP BY GROUPING SETS ((kind), (kind, p))`

// ResponseTimes implements store.Store.
func (s *Store) ResponseTimes(ctx context.Context, tenantID uuid.UUID, from, to time.Time) (store.ResponseTimes, error) {
	rt := store.ResponseTimes{
		AcknowledgeByPriority: map[store.Priority]store.Distribution{},
		ResolveByPriority:     map[store.Priority]store.Distribution{},
	}
	for _, p := range store.Priorities() {
		rt.AcknowledgeByPriority[p] = store.Distribution{}
		rt.ResolveByPriority[p] = store.Distribution{}
	}
	pcts := store.Percentiles()
	fractions := make([]float64, len(pcts))
	for i, p := range pcts {
		fractions[i] = float64(p) / 100
	}
	rows, err := s.db.Query(ctx, s.sql(responseTimesQuery), tenantID, ms(from), ms(to), fractions)
	if err != nil {
		return rt, fmt.Errorf("postgres: response times: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind     int32
			overall  bool
			priority string
			d        store.Distribution
			pct      []int64
		)
		if err := rows.Scan(&kind, &overall, &priority, &d.Count, &d.SumSeconds, &pct); err != nil {
			return rt, fmt.Errorf("postgres: response times: %w", err)
		}
		if len(pct) != len(pcts) {
			return rt, fmt.Errorf("postgres: response times: %d percentiles, want %d", len(pct), len(pcts))
		}
		for i, p := range pcts {
			store.SetPercentiles(&d, store.NearestRank(p, d.Count), pct[i])
		}
		switch {
		case kind == 0 && overall:
			rt.Acknowledge = d
		case kind == 1 && overall:
			rt.Resolve = d
		case kind == 0:
			rt.AcknowledgeByPriority[store.Priority(priority)] = d
		default:
			rt.ResolveByPriority[store.Priority(priority)] = d
		}
	}
	if err := rows.Err(); err != nil {
		return rt, fmt.Errorf("postgres: response times: %w", err)
	}
	return rt, nil
}

// OpenTotals implements store.Store. It reads the open-alert totals the
// writes keep, not the alerts.
func (s *Store) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT type_class, alerts, financial_impact_cents
		FROM {schema}.open_totals WHERE tenant_id = $1 AND alerts > 0`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: open groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.OpenTotal, error) {
		var (
			g  store.OpenTotal
			tc string
		)
		err := row.Scan(&tc, &g.Alerts, &g.FinancialImpactCents)
		g.TypeClass = store.TypeClass(tc)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: open groups: %w", err)
	}
	return out, nil
}

const countTenantQuery = `SELECT
	(SELECT count(*) FROM {schema}.alerts WHERE tenant_id = $1),
	(SELECT count(*) FROM {schema}.alert_interactions WHERE tenant_id = $1),
	(SELECT count(*) FROM {schema}.audit_logs WHERE tenant_id = $1)`

// CountTenant implements store.Store.
func (s *Store) CountTenant(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	if err := s.db.QueryRow(ctx, s.sql(countTenantQuery), tenantID).Scan(&c.Alerts, &c.AlertInteractions, &c.AuditLogs); err != nil {
		return c, fmt.Errorf("postgres: count tenant: %w", err)
	}
	return c, nil
}

// DeletionReceipts implements store.Store.
func (s *Store) DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.DeletionReceipt, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT id, requested_by, alerts, alert_interactions, audit_logs, deleted_at
		FROM {schema}.deletion_receipts WHERE tenant_id = $1 ORDER BY deleted_at, id`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: deletion receipts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.DeletionReceipt, error) {
		r := store.DeletionReceipt{TenantID: tenantID}
		var at int64
		err := row.Scan(&r.ID, &r.RequestedBy, &r.Deleted.Alerts, &r.Deleted.AlertInteractions, &r.Deleted.AuditLogs, &at)
		r.DeletedAt = fromMS(at)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: deletion receipts: %w", err)
	}
	return out, nil
}
