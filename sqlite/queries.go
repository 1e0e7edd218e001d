package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

const alertColumns = `id, tenant_id, alert_type, category, title, message, service, priority_level,
	priority_score, type_class, status, created_at, acknowledged_at, resolved_at,
	business_impact, orchestrator_context, financial_impact_cents, estimated_savings_cents`

// InsertAlerts implements store.Store.
func (s *Store) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	created := make([]bool, len(alerts))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO alertanalytics_alerts (`+alertColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range alerts {
			a := &alerts[i]
			res, err := stmt.ExecContext(ctx, a.ID[:], tenantID[:], a.AlertType, a.Category, a.Title, a.Message,
				a.Service, string(a.PriorityLevel), nullInt(a.PriorityScore), string(a.TypeClass), string(a.Status),
				ms(a.CreatedAt), nullMS(a.AcknowledgedAt), nullMS(a.ResolvedAt), nullText(a.BusinessImpact),
				nullText(a.OrchestratorContext), a.FinancialImpactCents, a.EstimatedSavingsCents)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			created[i] = n == 1
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: insert alerts: %w", err)
	}
	return created, nil
}

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
	row := s.reader.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alertanalytics_alerts
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

const interactionColumns = `id, tenant_id, alert_id, user_id, interaction_type, interacted_at,
	response_time_seconds, metadata, idempotency_key, recorded_at`

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

// RecordInteractions implements store.Store.
func (s *Store) RecordInteractions(ctx context.Context, tenantID uuid.UUID, ins []store.Interaction) ([]store.InteractionResult, error) {
	results := make([]store.InteractionResult, len(ins))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, in := range ins {
			r, err := recordInteraction(ctx, tx, tenantID, in)
			if err != nil {
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: record interactions: %w", err)
	}
	return results, nil
}

func recordInteraction(ctx context.Context, tx *sql.Tx, tenantID uuid.UUID, in store.Interaction) (store.InteractionResult, error) {
	if in.IdempotencyKey != "" {
		first, err := scanInteraction(tx.QueryRowContext(ctx, `SELECT `+interactionColumns+`
			FROM alertanalytics_alert_interactions WHERE tenant_id = ? AND idempotency_key = ?`,
			tenantID[:], in.IdempotencyKey))
		if err == nil {
			return store.InteractionResult{Interaction: first, Duplicate: true}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return store.InteractionResult{}, err
		}
	}
	var (
		status          string
		created         int64
		acked, resolved sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT status, created_at, acknowledged_at, resolved_at
		FROM alertanalytics_alerts WHERE tenant_id = ? AND id = ?`, tenantID[:], in.AlertID[:]).
		Scan(&status, &created, &acked, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return store.InteractionResult{Interaction: in, Err: fmt.Errorf("alert %s: %w", in.AlertID, store.ErrNotFound)}, nil
	}
	if err != nil {
		return store.InteractionResult{}, err
	}
	in.TenantID = tenantID
	in.ResponseTimeSeconds = store.ResponseTimeSeconds(fromMS(created), in.InteractedAt)
	var key any
	if in.IdempotencyKey != "" {
		key = in.IdempotencyKey
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alertanalytics_alert_interactions (`+interactionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.ID[:], tenantID[:], in.AlertID[:], in.UserID[:], string(in.Type),
		ms(in.InteractedAt), in.ResponseTimeSeconds, nullText(in.Metadata), key, ms(in.RecordedAt)); err != nil {
		return store.InteractionResult{}, err
	}
	at := ms(in.InteractedAt)
	switch {
	case in.Type == store.InteractionAcknowledged && (!acked.Valid || at < acked.Int64):
		acked = sql.NullInt64{Int64: at, Valid: true}
	case in.Type == store.InteractionResolved && (!resolved.Valid || at < resolved.Int64):
		resolved = sql.NullInt64{Int64: at, Valid: true}
	}
	from := store.Status(status)
	to := store.NextStatus(from, in.Type)
	if _, err := tx.ExecContext(ctx, `UPDATE alertanalytics_alerts SET status = ?, acknowledged_at = ?, resolved_at = ?
		WHERE tenant_id = ? AND created_at = ? AND id = ?`, string(to), acked, resolved, tenantID[:], created, in.AlertID[:]); err != nil {
		return store.InteractionResult{}, err
	}
	if to != from {
		auditID := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, `INSERT INTO alertanalytics_audit_logs
			(tenant_id, id, alert_id, user_id, from_status, to_status, changed_at, interaction_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tenantID[:], auditID[:], in.AlertID[:], in.UserID[:],
			string(from), string(to), ms(in.RecordedAt), in.ID[:]); err != nil {
			return store.InteractionResult{}, err
		}
	}
	return store.InteractionResult{Interaction: in}, nil
}

// localDayExpr returns an SQL expression giving the local epoch day of
// created_at under the window's offsets, and its arguments.
func localDayExpr(w store.Window) (string, []any) {
	switch len(w.Offsets) {
	case 0:
		return "created_at / 86400000", nil
	case 1:
		return "(created_at + ?) / 86400000", []any{int64(w.Offsets[0].OffsetSeconds) * 1000}
	}
	var b strings.Builder
	var args []any
	b.WriteString("(created_at + CASE")
	for i := len(w.Offsets) - 1; i >= 1; i-- {
		b.WriteString(" WHEN created_at >= ? THEN ?")
		args = append(args, ms(w.Offsets[i].Start), int64(w.Offsets[i].OffsetSeconds)*1000)
	}
	b.WriteString(" ELSE ? END) / 86400000")
	args = append(args, int64(w.Offsets[0].OffsetSeconds)*1000)
	return b.String(), args
}

// WindowGroups implements store.Store.
func (s *Store) WindowGroups(ctx context.Context, tenantID uuid.UUID, w store.Window) ([]store.DayGroup, error) {
	day, args := localDayExpr(w)
	query := `SELECT ` + day + ` AS day, priority_level, count(*),
		sum(status = 'resolved'), sum(status IN ('active', 'acknowledged', 'snoozed')),
		sum(type_class = 'action_needed'), sum(type_class = 'prevented_issue'), sum(type_class = 'trend_warning'),
		sum(type_class = 'escalation'), sum(type_class = 'information'),
		sum(CASE WHEN type_class = 'prevented_issue' THEN estimated_savings_cents ELSE 0 END),
		count(acknowledged_at), coalesce(sum(max(0, (acknowledged_at - created_at) / 1000)), 0)
		FROM alertanalytics_alerts
		WHERE tenant_id = ? AND created_at >= ? AND created_at < ?
		GROUP BY day, priority_level`
	args = append(args, tenantID[:], ms(w.From), ms(w.To))
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: window groups: %w", err)
	}
	defer rows.Close()
	var groups []store.DayGroup
	for rows.Next() {
		var (
			g                                   store.DayGroup
			priority                            string
			action, prevented, trend, esc, info int64
		)
		if err := rows.Scan(&g.EpochDay, &priority, &g.Count, &g.Resolved, &g.Open, &action, &prevented, &trend, &esc, &info,
			&g.PreventedSavingsCents, &g.AcknowledgedCount, &g.AcknowledgeSeconds); err != nil {
			return nil, fmt.Errorf("sqlite: window groups: %w", err)
		}
		g.Priority = store.Priority(priority)
		g.TypeClass = map[store.TypeClass]int64{
			store.TypeClassActionNeeded: action, store.TypeClassPreventedIssue: prevented,
			store.TypeClassTrendWarning: trend, store.TypeClassEscalation: esc, store.TypeClassInformation: info,
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: window groups: %w", err)
	}
	return groups, nil
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

// responseTimesQuery ranks the durations of one kind (time to acknowledge
// or to resolve, the column passed as %[1]s) with window functions, overall
// and per priority, and lets out only the rows that hold an answer: the
// first of each priority (which carries its count and sum) and those at a
// nearest rank ceil(p × n / 100) for p = 50, 75, 90, 95, 99, computed in
// integers.
const responseTimesQuery = `
SELECT p, s, rn_all, n_all, rn_p, n_p, sum_p FROM (
	SELECT p, s,
		row_number() OVER (ORDER BY s) AS rn_all,
		count(*) OVER () AS n_all,
		row_number() OVER (PARTITION BY p ORDER BY s) AS rn_p,
		count(*) OVER (PARTITION BY p) AS n_p,
		sum(s) OVER (PARTITION BY p) AS sum_p
	FROM (
		SELECT priority_level AS p, max(0, (%[1]s - created_at) / 1000) AS s
		FROM alertanalytics_alerts
		WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND %[1]s IS NOT NULL
	)
)
WHERE rn_p = 1
	OR rn_all IN ((50 * n_all + 99) / 100, (75 * n_all + 99) / 100, (90 * n_all + 99) / 100, (95 * n_all + 99) / 100, (99 * n_all + 99) / 100)
	OR rn_p IN ((50 * n_p + 99) / 100, (75 * n_p + 99) / 100, (90 * n_p + 99) / 100, (95 * n_p + 99) / 100, (99 * n_p + 99) / 100)`

// ResponseTimes implements store.Store. The two distributions are ranked
// by two queries running side by side.
func (s *Store) ResponseTimes(ctx context.Context, tenantID uuid.UUID, from, to time.Time) (store.ResponseTimes, error) {
	var (
		rt         store.ResponseTimes
		errA, errR error
		wg         sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		rt.Acknowledge, rt.AcknowledgeByPriority, errA = s.distribution(ctx, "acknowledged_at", tenantID, from, to)
	}()
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
	for _, p := range store.Priorities() {
		byPriority[p] = store.Distribution{}
	}
	rows, err := s.reader.QueryContext(ctx, fmt.Sprintf(responseTimesQuery, column), tenantID[:], ms(from), ms(to))
	if err != nil {
		return overall, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p                             string
			v, rnAll, nAll, rnP, nP, sumP int64
		)
		if err := rows.Scan(&p, &v, &rnAll, &nAll, &rnP, &nP, &sumP); err != nil {
			return overall, nil, err
		}
		d := byPriority[store.Priority(p)]
		d.Count, d.SumSeconds = nP, sumP
		store.SetPercentiles(&d, rnP, v)
		byPriority[store.Priority(p)] = d
		overall.Count = nAll
		store.SetPercentiles(&overall, rnAll, v)
	}
	if err := rows.Err(); err != nil {
		return overall, nil, err
	}
	for _, d := range byPriority {
		overall.SumSeconds += d.SumSeconds
	}
	return overall, byPriority, nil
}

// OpenGroups implements store.Store.
func (s *Store) OpenGroups(ctx context.Context, tenantID uuid.UUID) ([]store.OpenGroup, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT type_class, count(*), sum(financial_impact_cents)
		FROM alertanalytics_alerts
		WHERE tenant_id = ? AND status IN ('active', 'acknowledged', 'snoozed')
		GROUP BY type_class`, tenantID[:])
	if err != nil {
		return nil, fmt.Errorf("sqlite: open groups: %w", err)
	}
	defer rows.Close()
	var out []store.OpenGroup
	for rows.Next() {
		var (
			g  store.OpenGroup
			tc string
		)
		if err := rows.Scan(&tc, &g.Count, &g.FinancialImpactCents); err != nil {
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

// DeleteTenant implements store.Store.
func (s *Store) DeleteTenant(ctx context.Context, r store.DeletionReceipt) (store.TenantCounts, error) {
	var deleted store.TenantCounts
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, d := range []struct {
			table string
			n     *int64
		}{
			{"alertanalytics_audit_logs", &deleted.AuditLogs},
			{"alertanalytics_alert_interactions", &deleted.AlertInteractions},
			{"alertanalytics_alerts", &deleted.Alerts},
		} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE tenant_id = ?`, r.TenantID[:])
			if err != nil {
				return err
			}
			if *d.n, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alertanalytics_deletion_receipts
			(tenant_id, id, requested_by, alerts, alert_interactions, audit_logs, deleted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.TenantID[:], r.ID[:], r.RequestedBy,
			deleted.Alerts, deleted.AlertInteractions, deleted.AuditLogs, ms(r.DeletedAt))
		return err
	})
	if err != nil {
		return store.TenantCounts{}, fmt.Errorf("sqlite: delete tenant: %w", err)
	}
	return deleted, nil
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
