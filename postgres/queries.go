package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// alertScanner scans alert rows through sqlschema.AlertScan, the ids as
// pgtype.UUID (uuid.UUID would scan through its text form).
type alertScanner struct {
	sqlschema.AlertScan
	id, tenant pgtype.UUID
	dest       []any
}

func newAlertScanner() *alertScanner {
	s := &alertScanner{}
	s.dest = s.Dest(&s.id, &s.tenant)
	return s
}

// scan reads one row; the alert is the scanner's, valid until its next
// scan.
func (s *alertScanner) scan(row pgx.Row) (*store.Alert, error) {
	if err := row.Scan(s.dest...); err != nil {
		return nil, err
	}
	s.Alert.ID, s.Alert.TenantID = s.id.Bytes, s.tenant.Bytes
	return s.Finish(), nil
}

// scanAlert reads one alert row into an alert of its own.
func scanAlert(row pgx.Row) (store.Alert, error) {
	a, err := newAlertScanner().scan(row)
	if err != nil {
		return store.Alert{}, err
	}
	return *a, nil
}

// Alert implements store.Store.
func (s *Store) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	a, err := scanAlert(s.db.QueryRow(ctx, s.sql(`SELECT `+sqlschema.AlertColumns+` FROM {schema}.alerts
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

// OpenTotals implements store.Store. It reads the open-alert totals the
// writes keep, not the alerts: the sum of each type class's stripes.
func (s *Store) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT type_class, sum(alerts)::bigint, sum(financial_impact_cents)::bigint
		FROM {schema}.open_totals WHERE tenant_id = $1 GROUP BY type_class HAVING sum(alerts) > 0`), tenantID)
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
