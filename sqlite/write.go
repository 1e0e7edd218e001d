package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// writeTx gives the write flows the statements of one SQLite transaction.
type writeTx struct {
	tx *sql.Tx
	// prepared holds the write statements prepared once on the writer
	// connection; nil in migrations, which prepare per transaction.
	prepared map[string]*sql.Stmt
	// dq are the store's digest statements.
	dq *sqlschema.DeliveryQueries
}

// The statements a write runs per row or per day: prepared once on the
// writer connection, since parsing them again for every row cost about
// as much as running them.
const (
	qInsertAlert = `INSERT INTO alertanalytics_alerts (` + sqlschema.AlertColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	qInteractionByKey = `SELECT ` + sqlschema.InteractionColumns + `
		FROM alertanalytics_alert_interactions WHERE tenant_id = ? AND idempotency_key = ?`
	qAlertForUpdate    = `SELECT ` + sqlschema.AlertColumns + ` FROM alertanalytics_alerts WHERE tenant_id = ? AND id = ?`
	qInsertInteraction = `INSERT INTO alertanalytics_alert_interactions (` + sqlschema.InteractionColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateAlertState = `UPDATE alertanalytics_alerts SET status = ?, acknowledged_at = ?, resolved_at = ?
		WHERE tenant_id = ? AND created_at = ? AND id = ?`
	qInsertAuditLog = `INSERT INTO alertanalytics_audit_logs
		(tenant_id, id, alert_id, user_id, from_status, to_status, changed_at, interaction_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qAddOpenTotal = `INSERT INTO alertanalytics_open_totals (tenant_id, type_class, alerts, financial_impact_cents)
		VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, type_class) DO UPDATE SET
		alerts = alerts + excluded.alerts, financial_impact_cents = financial_impact_cents + excluded.financial_impact_cents`
	qDayColumns   = `SELECT day, counts, categories, kinds, acknowledge_times, resolve_times, groups FROM alertanalytics_rollup_days`
	qLockDayRange = qDayColumns + ` WHERE tenant_id = ? AND day >= ? AND day <= ? ORDER BY day`
	qLockDay      = qDayColumns + ` WHERE tenant_id = ? AND day = ?`
	qWriteDay     = `INSERT INTO alertanalytics_rollup_days
		(tenant_id, day, counts, categories, kinds, acknowledge_times, resolve_times, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, day) DO UPDATE SET counts = excluded.counts, categories = excluded.categories, kinds = excluded.kinds,
		groups = excluded.groups,
		acknowledge_times = excluded.acknowledge_times, resolve_times = excluded.resolve_times`
	qDropDay = `DELETE FROM alertanalytics_rollup_days WHERE tenant_id = ? AND day = ?`
)

// writeQueries lists the statements prepared once.
var writeQueries = [...]string{qInsertAlert, qInteractionByKey, qAlertForUpdate, qInsertInteraction, qUpdateAlertState,
	qInsertAuditLog, qAddOpenTotal, qLockDayRange, qLockDay, qWriteDay, qDropDay}

// stmt returns query prepared for the transaction: the writer's prepared
// statement where there is one, else prepared now, for this transaction.
func (w writeTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := w.prepared[query]; st != nil {
		return w.tx.StmtContext(ctx, st), nil
	}
	return w.tx.PrepareContext(ctx, query)
}

// exec runs a write statement.
func (w writeTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// queryRow runs a statement that reads one row.
func (w writeTx) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose statement failed before it ran.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

var _ store.Tx = writeTx{}

// LockAlerts does nothing: the single writer keeps every other write out.
func (w writeTx) LockAlerts(context.Context, uuid.UUID, []uuid.UUID) error { return nil }

// InsertAlerts inserts the alerts, then reads the days: the single writer
// keeps every other writer out, so the order does not matter.
func (w writeTx) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert, days []int64) ([]bool, []store.DayRow, error) {
	created, err := w.insertAlerts(ctx, tenantID, alerts)
	if err != nil || len(days) == 0 {
		return created, nil, err
	}
	locked, err := w.LockDays(ctx, tenantID, days, false)
	if err != nil {
		return nil, nil, err
	}
	return created, locked, nil
}

func (w writeTx) insertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	stmt, err := w.stmt(ctx, qInsertAlert)
	if err != nil {
		return nil, err
	}
	created := make([]bool, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		res, err := stmt.ExecContext(ctx, a.ID[:], tenantID[:], a.AlertType, a.Category, a.Title, a.Message,
			a.Service, string(a.PriorityLevel), nullInt(a.PriorityScore), string(a.TypeClass), string(a.Status),
			ms(a.CreatedAt), nullMS(a.AcknowledgedAt), nullMS(a.ResolvedAt), nullText(a.BusinessImpact),
			nullText(a.OrchestratorContext), a.FinancialImpactCents, a.EstimatedSavingsCents)
		if err != nil {
			return nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		created[i] = n == 1
	}
	return created, nil
}

// LockAlert reads the alert, the interaction with the key and the alert's
// day: the single writer keeps every other writer out, so nothing needs a
// lock.
func (w writeTx) LockAlert(ctx context.Context, tenantID uuid.UUID, req store.AlertLockRequest) (store.AlertLock, error) {
	var out store.AlertLock
	a, err := scanAlert(w.queryRow(ctx, qAlertForUpdate, tenantID[:], req.AlertID[:]))
	missing := errors.Is(err, sql.ErrNoRows)
	if err != nil && !missing {
		return out, err
	}
	if req.Key != "" {
		in, err := scanInteraction(w.queryRow(ctx, qInteractionByKey, tenantID[:], req.Key))
		switch {
		case err == nil:
			out.Duplicate = &in
		case !errors.Is(err, sql.ErrNoRows):
			return out, err
		}
	}
	if missing {
		if out.Duplicate == nil {
			return out, store.ErrNotFound
		}
		return out, nil
	}
	out.Alert = a
	if req.Days {
		if out.Days, err = w.LockDays(ctx, tenantID, []int64{store.DayOf(a.CreatedAt)}, false); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (w writeTx) InsertInteraction(ctx context.Context, in store.Interaction) error {
	var key any
	if in.IdempotencyKey != "" {
		key = in.IdempotencyKey
	}
	_, err := w.exec(ctx, qInsertInteraction, in.ID[:], in.TenantID[:], in.AlertID[:], in.UserID[:], string(in.Type),
		ms(in.InteractedAt), in.ResponseTimeSeconds, nullText(in.Metadata), key, ms(in.RecordedAt))
	return err
}

func (w writeTx) UpdateAlertState(ctx context.Context, a *store.Alert) error {
	_, err := w.exec(ctx, qUpdateAlertState, string(a.Status), nullMS(a.AcknowledgedAt), nullMS(a.ResolvedAt),
		a.TenantID[:], ms(a.CreatedAt), a.ID[:])
	return err
}

func (w writeTx) InsertAuditLog(ctx context.Context, l store.AuditLog) error {
	_, err := w.exec(ctx, qInsertAuditLog, l.TenantID[:], l.ID[:], l.AlertID[:], l.UserID[:],
		string(l.From), string(l.To), ms(l.ChangedAt), l.InteractionID[:])
	return err
}

// DeleteTenantRows deletes the tenant's rows, those that point at others
// first, then its kept totals.
func (w writeTx) DeleteTenantRows(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	var c store.TenantCounts
	for _, t := range sqlschema.AlertTables(&c) {
		res, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_`+t.Table+` WHERE tenant_id = ?`, tenantID[:])
		if err != nil {
			return c, err
		}
		if *t.Count, err = res.RowsAffected(); err != nil {
			return c, err
		}
	}
	// Its digest subscriptions and their ledger go with it, uncounted.
	for _, q := range w.dq.DeleteTenant {
		if _, err := w.tx.ExecContext(ctx, q, tenantID[:]); err != nil {
			return c, err
		}
	}
	return c, w.DeleteKeptTotals(ctx, tenantID)
}

// DeleteKeptTotals deletes the tenant's day rows and open totals.
func (w writeTx) DeleteKeptTotals(ctx context.Context, tenantID uuid.UUID) error {
	for _, table := range []string{"open_totals", "rollup_days"} {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_`+table+` WHERE tenant_id = ?`, tenantID[:]); err != nil {
			return err
		}
	}
	return nil
}

func (w writeTx) InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error {
	_, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_deletion_receipts
		(tenant_id, id, requested_by, alerts, alert_interactions, audit_logs, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.TenantID[:], r.ID[:], r.RequestedBy,
		r.Deleted.Alerts, r.Deleted.AlertInteractions, r.Deleted.AuditLogs, ms(r.DeletedAt))
	return err
}

// Write implements store.Store. Every write runs on the single writer
// connection, which serialises them, so rows need no locks of their own
// and an exclusive write is like any other.
func (s *Store) Write(ctx context.Context, tenantID uuid.UUID, _ store.WriteOptions, fn func(store.Tx) error) error {
	prepared, err := s.prepareWrites(ctx)
	if err != nil {
		return wrapErr("write", err)
	}
	var fnErr error
	err = s.inTx(ctx, tenantID, func(tx *sql.Tx) error {
		fnErr = fn(writeTx{tx: tx, prepared: prepared, dq: &s.dq})
		return fnErr
	})
	if err != nil && fnErr == nil {
		return wrapErr("write", err)
	}
	return err
}

// prepareWrites prepares the write statements on the writer connection
// the first time a write needs them, outside any transaction: the one
// connection is then free. A failure (tables not migrated yet) is
// returned and tried again by the next write.
func (s *Store) prepareWrites(ctx context.Context) (map[string]*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.stmts != nil {
		return s.stmts, nil
	}
	prepared := make(map[string]*sql.Stmt, len(writeQueries))
	for _, q := range writeQueries {
		st, err := s.writer.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range prepared {
				st.Close()
			}
			return nil, fmt.Errorf("prepare: %w", err)
		}
		prepared[q] = st
	}
	s.stmts = prepared
	return prepared, nil
}

// wrapErr names the backend and the operation in err; nil stays nil.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
