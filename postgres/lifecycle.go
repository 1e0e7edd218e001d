package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// export reads a table's rows in [from, to) in (time, id) order as one
// statement, whose snapshot is the export's: one round trip, the rows
// streaming in as the caller takes them (pgx reads them off the
// connection one by one, so memory stays flat). The rows are not read in
// keyset pages, each a round trip to a server across a network.
func (s *Store) export(ctx context.Context, table, timeColumn, columns string, tenantID uuid.UUID, from, to time.Time,
	scan func(pgx.Rows) (time.Time, uuid.UUID, error)) error {
	rows, err := s.db.Query(ctx, s.sql(`SELECT `+columns+` FROM {schema}.`+table+`
		WHERE tenant_id = $1 AND `+timeColumn+` >= $2 AND `+timeColumn+` < $3
		ORDER BY `+timeColumn+`, id`), [16]byte(tenantID), ms(from), ms(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if _, _, err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ExportAlerts implements store.Store.
func (s *Store) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	sc := newAlertScanner()
	err := s.export(ctx, "alerts", "created_at", sqlschema.AlertColumns, tenantID, from, to, func(rows pgx.Rows) (time.Time, uuid.UUID, error) {
		a, err := sc.scan(rows)
		if err != nil {
			return time.Time{}, uuid.Nil, err
		}
		return a.CreatedAt, a.ID, fn(a)
	})
	if err != nil {
		return fmt.Errorf("postgres: export alerts: %w", err)
	}
	return nil
}

// ExportInteractions implements store.Store.
func (s *Store) ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	err := s.export(ctx, "alert_interactions", "interacted_at", sqlschema.InteractionColumns, tenantID, from, to,
		func(rows pgx.Rows) (time.Time, uuid.UUID, error) {
			in, err := scanInteraction(rows)
			if err != nil {
				return time.Time{}, uuid.Nil, err
			}
			return in.InteractedAt, in.ID, fn(&in)
		})
	if err != nil {
		return fmt.Errorf("postgres: export interactions: %w", err)
	}
	return nil
}

// ExportAuditLogs implements store.Store.
func (s *Store) ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.AuditLog) error) error {
	err := s.export(ctx, "audit_logs", "changed_at", sqlschema.AuditColumns, tenantID, from, to,
		func(rows pgx.Rows) (time.Time, uuid.UUID, error) {
			var (
				l        = store.AuditLog{TenantID: tenantID}
				from, to string
				changed  int64
			)
			if err := rows.Scan(&l.ID, &l.AlertID, &l.UserID, &l.InteractionID, &from, &to, &changed); err != nil {
				return time.Time{}, uuid.Nil, err
			}
			l.From, l.To, l.ChangedAt = store.Status(from), store.Status(to), fromMS(changed)
			return l.ChangedAt, l.ID, fn(&l)
		})
	if err != nil {
		return fmt.Errorf("postgres: export audit logs: %w", err)
	}
	return nil
}

// purgeCondition selects the alerts a retention run purges ($1 tenant, $2
// cutoff, $3 include open).
func purgeCondition() string {
	return `tenant_id = $1 AND created_at < $2 AND ($3 OR status IN (` + sqlschema.ClosedStatuses() + `))`
}

// CountPurge implements store.Store.
func (s *Store) CountPurge(ctx context.Context, r store.RetentionReceipt) (store.TenantCounts, error) {
	var c store.TenantCounts
	err := s.db.QueryRow(ctx, s.sql(`WITH doomed AS (SELECT id FROM {schema}.alerts WHERE `+purgeCondition()+`)
		SELECT (SELECT count(*) FROM doomed),
		(SELECT count(*) FROM {schema}.alert_interactions WHERE tenant_id = $1 AND alert_id IN (SELECT id FROM doomed)),
		(SELECT count(*) FROM {schema}.audit_logs WHERE tenant_id = $1 AND alert_id IN (SELECT id FROM doomed))`),
		r.TenantID, ms(r.Cutoff), r.IncludeOpen).Scan(&c.Alerts, &c.AlertInteractions, &c.AuditLogs)
	if err != nil {
		return c, fmt.Errorf("postgres: count purge: %w", err)
	}
	return c, nil
}

func (w writeTx) SaveRetentionReceipt(ctx context.Context, r store.RetentionReceipt) error {
	var finished *int64
	if !r.FinishedAt.IsZero() {
		v := ms(r.FinishedAt)
		finished = &v
	}
	_, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.retention_receipts
		(tenant_id, id, requested_by, cutoff, include_open, alerts, alert_interactions, audit_logs, started_at, finished_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, id) DO UPDATE SET finished_at = excluded.finished_at`),
		r.TenantID, r.ID, r.RequestedBy, ms(r.Cutoff), r.IncludeOpen, r.Deleted.Alerts, r.Deleted.AlertInteractions,
		r.Deleted.AuditLogs, ms(r.StartedAt), finished)
	return err
}

// RetentionReceipts implements store.Store.
func (s *Store) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.RetentionReceipt, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT id, requested_by, cutoff, include_open, alerts, alert_interactions,
		audit_logs, started_at, finished_at FROM {schema}.retention_receipts WHERE tenant_id = $1 ORDER BY started_at, id`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: retention receipts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.RetentionReceipt, error) {
		r := store.RetentionReceipt{TenantID: tenantID}
		var (
			cutoff, started int64
			finished        *int64
		)
		err := row.Scan(&r.ID, &r.RequestedBy, &cutoff, &r.IncludeOpen, &r.Deleted.Alerts, &r.Deleted.AlertInteractions,
			&r.Deleted.AuditLogs, &started, &finished)
		r.Cutoff, r.StartedAt = fromMS(cutoff), fromMS(started)
		if finished != nil {
			r.FinishedAt = fromMS(*finished)
		}
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: retention receipts: %w", err)
	}
	return out, nil
}

// TenantIDs implements store.Store.
func (s *Store) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	ids, err := s.tenantIDs(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("postgres: tenant ids: %w", err)
	}
	return ids, nil
}

// PurgeCandidates locks the alerts it returns, so an interaction on one of
// them waits for the purge and then finds it gone.
func (w writeTx) PurgeCandidates(ctx context.Context, r store.RetentionReceipt, limit int) ([]store.Alert, error) {
	rows, err := w.tx.Query(ctx, w.s.sql(`SELECT `+sqlschema.FactColumns+` FROM {schema}.alerts
		WHERE `+purgeCondition()+` ORDER BY created_at, id LIMIT $4 FOR UPDATE`), r.TenantID, ms(r.Cutoff), r.IncludeOpen, limit)
	if err != nil {
		return nil, err
	}
	var out []store.Alert
	err = scanFacts(rows, r.TenantID, func(a *store.Alert) error { out = append(out, *a); return nil })
	return out, err
}

func (w writeTx) DeleteAlertRows(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	raw := make([][16]byte, len(ids))
	for i, id := range ids {
		raw[i] = id
	}
	for _, d := range sqlschema.AlertTables(&c) {
		tag, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.`+string(d.Table)+` WHERE tenant_id = $1 AND `+d.Column+` = ANY($2)`), tenantID, raw)
		if err != nil {
			return c, err
		}
		*d.Count = tag.RowsAffected()
	}
	return c, nil
}

func (w writeTx) AddRetentionCounts(ctx context.Context, r store.RetentionReceipt, c store.TenantCounts) error {
	_, err := w.tx.Exec(ctx, w.s.sql(`UPDATE {schema}.retention_receipts SET alerts = alerts + $3,
		alert_interactions = alert_interactions + $4, audit_logs = audit_logs + $5 WHERE tenant_id = $1 AND id = $2`),
		r.TenantID, r.ID, c.Alerts, c.AlertInteractions, c.AuditLogs)
	return err
}
