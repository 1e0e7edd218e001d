package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// writeTx gives the write flows the statements of one SQLite transaction.
type writeTx struct{ tx *sql.Tx }

var _ writeflow.Tx = writeTx{}

func (w writeTx) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	stmt, err := w.tx.PrepareContext(ctx, `INSERT INTO alertanalytics_alerts (`+schema.AlertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
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

func (w writeTx) InteractionByKey(ctx context.Context, tenantID uuid.UUID, key string) (store.Interaction, error) {
	in, err := scanInteraction(w.tx.QueryRowContext(ctx, `SELECT `+schema.InteractionColumns+`
		FROM alertanalytics_alert_interactions WHERE tenant_id = ? AND idempotency_key = ?`, tenantID[:], key))
	if errors.Is(err, sql.ErrNoRows) {
		return in, store.ErrNotFound
	}
	return in, err
}

func (w writeTx) AlertForUpdate(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	a, err := scanAlert(w.tx.QueryRowContext(ctx, `SELECT `+schema.AlertColumns+` FROM alertanalytics_alerts
		WHERE tenant_id = ? AND id = ?`, tenantID[:], alertID[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	return a, err
}

func (w writeTx) InsertInteraction(ctx context.Context, in store.Interaction) (bool, error) {
	var key any
	if in.IdempotencyKey != "" {
		key = in.IdempotencyKey
	}
	_, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_alert_interactions (`+schema.InteractionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.ID[:], in.TenantID[:], in.AlertID[:], in.UserID[:], string(in.Type),
		ms(in.InteractedAt), in.ResponseTimeSeconds, nullText(in.Metadata), key, ms(in.RecordedAt))
	return err == nil, err
}

func (w writeTx) UpdateAlertState(ctx context.Context, a *store.Alert) error {
	_, err := w.tx.ExecContext(ctx, `UPDATE alertanalytics_alerts SET status = ?, acknowledged_at = ?, resolved_at = ?
		WHERE tenant_id = ? AND created_at = ? AND id = ?`, string(a.Status), nullMS(a.AcknowledgedAt), nullMS(a.ResolvedAt),
		a.TenantID[:], ms(a.CreatedAt), a.ID[:])
	return err
}

func (w writeTx) InsertAuditLog(ctx context.Context, l writeflow.AuditLog) error {
	_, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_audit_logs
		(tenant_id, id, alert_id, user_id, from_status, to_status, changed_at, interaction_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.TenantID[:], l.ID[:], l.AlertID[:], l.UserID[:],
		string(l.From), string(l.To), ms(l.ChangedAt), l.InteractionID[:])
	return err
}

func (w writeTx) DeleteTenantRows(ctx context.Context, table string, tenantID uuid.UUID) (int64, error) {
	res, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_`+table+` WHERE tenant_id = ?`, tenantID[:])
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (w writeTx) InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error {
	_, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_deletion_receipts
		(tenant_id, id, requested_by, alerts, alert_interactions, audit_logs, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.TenantID[:], r.ID[:], r.RequestedBy,
		r.Deleted.Alerts, r.Deleted.AlertInteractions, r.Deleted.AuditLogs, ms(r.DeletedAt))
	return err
}

// InsertAlerts implements store.Store.
func (s *Store) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	created, err := writeflow.InsertAlerts(ctx, s.write, tenantID, alerts)
	return created, wrapErr("insert alerts", err)
}

// RecordInteractions implements store.Store.
func (s *Store) RecordInteractions(ctx context.Context, tenantID uuid.UUID, ins []store.Interaction) ([]store.InteractionResult, error) {
	results, err := writeflow.RecordInteractions(ctx, s.write, tenantID, ins)
	return results, wrapErr("record interactions", err)
}

// DeleteTenant implements store.Store. The single writer keeps every other
// write out while it runs.
func (s *Store) DeleteTenant(ctx context.Context, r store.DeletionReceipt) (store.TenantCounts, error) {
	deleted, err := writeflow.DeleteTenant(ctx, s.write, r)
	return deleted, wrapErr("delete tenant", err)
}

// write runs fn in a write transaction on the single writer connection,
// which serialises every write, so rows need no locks of their own.
func (s *Store) write(ctx context.Context, _ uuid.UUID, fn func(writeflow.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return fn(writeTx{tx}) })
}

// wrapErr names the backend and the operation in err; nil stays nil.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
