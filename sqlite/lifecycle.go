package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// export reads a table in (time, id) order in pages, all in one read
// transaction: one snapshot, however long the export takes.
func (s *Store) export(ctx context.Context, table, timeColumn, columns string, tenantID uuid.UUID, from, to time.Time,
	scan func(*sql.Rows) (time.Time, []byte, error)) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() // read-only: nothing to commit
	// (from, the empty id) precedes every row at from.
	return sqlschema.Pages(ms(from), []byte{}, func(lastTime int64, lastID []byte) (*sql.Rows, func() error, error) {
		rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM `+table+`
			WHERE tenant_id = ? AND (`+timeColumn+`, id) > (?, ?) AND `+timeColumn+` < ?
			ORDER BY `+timeColumn+`, id LIMIT ?`, tenantID[:], lastTime, lastID, ms(to), sqlschema.ExportPage)
		if err != nil {
			return nil, nil, err
		}
		return rows, rows.Close, nil
	}, scan)
}

// ExportAlerts implements store.Store.
func (s *Store) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	sc := newAlertScanner()
	err := s.export(ctx, "alertanalytics_alerts", "created_at", sqlschema.AlertColumns, tenantID, from, to,
		func(rows *sql.Rows) (time.Time, []byte, error) {
			a, err := sc.scan(rows)
			if err != nil {
				return time.Time{}, nil, err
			}
			return a.CreatedAt, append([]byte{}, a.ID[:]...), fn(a)
		})
	if err != nil {
		return fmt.Errorf("sqlite: export alerts: %w", err)
	}
	return nil
}

// ExportInteractions implements store.Store.
func (s *Store) ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	err := s.export(ctx, "alertanalytics_alert_interactions", "interacted_at", sqlschema.InteractionColumns, tenantID, from, to,
		func(rows *sql.Rows) (time.Time, []byte, error) {
			in, err := scanInteraction(rows)
			if err != nil {
				return time.Time{}, nil, err
			}
			return in.InteractedAt, append([]byte{}, in.ID[:]...), fn(&in)
		})
	if err != nil {
		return fmt.Errorf("sqlite: export interactions: %w", err)
	}
	return nil
}

// ExportAuditLogs implements store.Store.
func (s *Store) ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.AuditLog) error) error {
	err := s.export(ctx, "alertanalytics_audit_logs", "changed_at", sqlschema.AuditColumns, tenantID, from, to,
		func(rows *sql.Rows) (time.Time, []byte, error) {
			var (
				l                            = store.AuditLog{TenantID: tenantID}
				id, alert, user, interaction []byte
				from, to                     string
				changed                      int64
			)
			if err := rows.Scan(&id, &alert, &user, &interaction, &from, &to, &changed); err != nil {
				return time.Time{}, nil, err
			}
			copy(l.ID[:], id)
			copy(l.AlertID[:], alert)
			copy(l.UserID[:], user)
			copy(l.InteractionID[:], interaction)
			l.From, l.To, l.ChangedAt = store.Status(from), store.Status(to), fromMS(changed)
			return l.ChangedAt, id, fn(&l)
		})
	if err != nil {
		return fmt.Errorf("sqlite: export audit logs: %w", err)
	}
	return nil
}

// purgeCondition selects the alerts a retention run purges (?1 tenant,
// ?2 cutoff, ?3 include open).
func purgeCondition() string {
	return `tenant_id = ?1 AND created_at < ?2 AND (?3 OR status IN (` + sqlschema.ClosedStatuses() + `))`
}

// CountPurge implements store.Store.
func (s *Store) CountPurge(ctx context.Context, r store.RetentionReceipt) (store.TenantCounts, error) {
	var c store.TenantCounts
	err := s.reader.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM alertanalytics_alerts WHERE `+purgeCondition()+`),
		(SELECT count(*) FROM alertanalytics_alert_interactions WHERE tenant_id = ?1
			AND alert_id IN (SELECT id FROM alertanalytics_alerts WHERE `+purgeCondition()+`)),
		(SELECT count(*) FROM alertanalytics_audit_logs WHERE tenant_id = ?1
			AND alert_id IN (SELECT id FROM alertanalytics_alerts WHERE `+purgeCondition()+`))`,
		r.TenantID[:], ms(r.Cutoff), r.IncludeOpen).Scan(&c.Alerts, &c.AlertInteractions, &c.AuditLogs)
	if err != nil {
		return c, fmt.Errorf("sqlite: count purge: %w", err)
	}
	return c, nil
}

func (w writeTx) SaveRetentionReceipt(ctx context.Context, r store.RetentionReceipt) error {
	var finished any
	if !r.FinishedAt.IsZero() {
		finished = ms(r.FinishedAt)
	}
	_, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_retention_receipts
		(tenant_id, id, requested_by, cutoff, include_open, alerts, alert_interactions, audit_logs, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO UPDATE SET finished_at = excluded.finished_at`,
		r.TenantID[:], r.ID[:], r.RequestedBy, ms(r.Cutoff), r.IncludeOpen, r.Deleted.Alerts, r.Deleted.AlertInteractions,
		r.Deleted.AuditLogs, ms(r.StartedAt), finished)
	return err
}

// RetentionReceipts implements store.Store.
func (s *Store) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.RetentionReceipt, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, requested_by, cutoff, include_open, alerts, alert_interactions,
		audit_logs, started_at, finished_at FROM alertanalytics_retention_receipts WHERE tenant_id = ? ORDER BY started_at, id`, tenantID[:])
	if err != nil {
		return nil, fmt.Errorf("sqlite: retention receipts: %w", err)
	}
	defer rows.Close()
	var out []store.RetentionReceipt
	for rows.Next() {
		var (
			r               = store.RetentionReceipt{TenantID: tenantID}
			id              []byte
			cutoff, started int64
			finished        sql.NullInt64
		)
		if err := rows.Scan(&id, &r.RequestedBy, &cutoff, &r.IncludeOpen, &r.Deleted.Alerts, &r.Deleted.AlertInteractions,
			&r.Deleted.AuditLogs, &started, &finished); err != nil {
			return nil, fmt.Errorf("sqlite: retention receipts: %w", err)
		}
		copy(r.ID[:], id)
		r.Cutoff, r.StartedAt = fromMS(cutoff), fromMS(started)
		if finished.Valid {
			r.FinishedAt = fromMS(finished.Int64)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TenantIDs implements store.Store.
func (s *Store) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	ids, err := tenantIDs(ctx, s.reader)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant ids: %w", err)
	}
	return ids, nil
}

func tenantIDs(ctx context.Context, q querier) ([]uuid.UUID, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT tenant_id FROM alertanalytics_alerts ORDER BY tenant_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uuid.UUID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, uuid.UUID(b))
	}
	return out, rows.Err()
}

func (w writeTx) PurgeCandidates(ctx context.Context, r store.RetentionReceipt, limit int) ([]store.Alert, error) {
	rows, err := w.tx.QueryContext(ctx, `SELECT `+sqlschema.FactColumns+` FROM alertanalytics_alerts
		WHERE `+purgeCondition()+` ORDER BY created_at, id LIMIT ?4`, r.TenantID[:], ms(r.Cutoff), r.IncludeOpen, limit)
	if err != nil {
		return nil, err
	}
	var out []store.Alert
	err = scanFacts(rows, r.TenantID, func(a *store.Alert) error { out = append(out, *a); return nil })
	return out, err
}

// chunk is how many ids one statement of a purge names, well under
// SQLite's limit of bound parameters.
const chunk = 400

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (w writeTx) DeleteAlertRows(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := []any{tenantID[:]}
		for _, id := range part {
			args = append(args, id[:])
		}
		for _, d := range sqlschema.AlertTables(&c) {
			res, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_`+string(d.Table)+` WHERE tenant_id = ? AND `+d.Column+` IN (`+placeholders(len(part))+`)`, args...)
			if err != nil {
				return c, err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return c, err
			}
			*d.Count += n
		}
	}
	return c, nil
}

func (w writeTx) AddRetentionCounts(ctx context.Context, r store.RetentionReceipt, c store.TenantCounts) error {
	_, err := w.tx.ExecContext(ctx, `UPDATE alertanalytics_retention_receipts SET alerts = alerts + ?,
		alert_interactions = alert_interactions + ?, audit_logs = audit_logs + ? WHERE tenant_id = ? AND id = ?`,
		c.Alerts, c.AlertInteractions, c.AuditLogs, r.TenantID[:], r.ID[:])
	return err
}
