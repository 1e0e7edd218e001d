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

type rowScanner interface{ Scan(dest ...any) error }

// alertScanner scans alert rows through sqlschema.AlertScan, the ids as
// bytes.
type alertScanner struct {
	sqlschema.AlertScan
	id, tenant []byte
	dest       []any
}

func newAlertScanner() *alertScanner {
	s := &alertScanner{}
	s.dest = s.Dest(&s.id, &s.tenant)
	return s
}

// scan reads one row; the alert is the scanner's, valid until its next
// scan.
func (s *alertScanner) scan(row rowScanner) (*store.Alert, error) {
	if err := row.Scan(s.dest...); err != nil {
		return nil, err
	}
	copy(s.Alert.ID[:], s.id)
	copy(s.Alert.TenantID[:], s.tenant)
	return s.Finish(), nil
}

// scanAlert reads one alert row into an alert of its own.
func scanAlert(row rowScanner) (store.Alert, error) {
	a, err := newAlertScanner().scan(row)
	if err != nil {
		return store.Alert{}, err
	}
	return *a, nil
}

// Alert implements store.Store.
func (s *Store) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+sqlschema.AlertColumns+` FROM alertanalytics_alerts
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
