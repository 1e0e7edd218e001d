package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/store"
)

// querier is what the reads need of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Rollups implements store.Store. The byte slices handed to fn point into
// the driver's buffers and are valid during the call only.
func (s *Store) Rollups(ctx context.Context, tenantID uuid.UUID, from, to int64, parts store.RollupParts, fn func(*store.Rollup) error) error {
	cols := "bucket, counts, NULL, NULL, NULL"
	switch {
	case parts&store.RollupCategories != 0 && parts&store.RollupTimes != 0:
		cols = "bucket, counts, categories, acknowledge_times, resolve_times"
	case parts&store.RollupCategories != 0:
		cols = "bucket, counts, categories, NULL, NULL"
	case parts&store.RollupTimes != 0:
		cols = "bucket, counts, NULL, acknowledge_times, resolve_times"
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+cols+` FROM alertanalytics_rollups
		WHERE tenant_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`, tenantID[:], from, to)
	if err != nil {
		return fmt.Errorf("sqlite: rollups: %w", err)
	}
	if err := eachRollup(rows, fn); err != nil {
		return fmt.Errorf("sqlite: rollups: %w", err)
	}
	return nil
}

// eachRollup scans rows of (bucket, counts, categories, acknowledge_times,
// resolve_times) without copying the bytes.
func eachRollup(rows *sql.Rows, fn func(*store.Rollup) error) error {
	defer rows.Close()
	var (
		r                            store.Rollup
		counts, cats, acked, resolve sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&r.Bucket, &counts, &cats, &acked, &resolve); err != nil {
			return err
		}
		r.Counts, r.Categories, r.AcknowledgeTimes, r.ResolveTimes = counts, cats, acked, resolve
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AlertFacts implements store.Store.
func (s *Store) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if err := alertFacts(ctx, s.reader, tenantID, ms(from), ms(to), fn); err != nil {
		return fmt.Errorf("sqlite: alert facts: %w", err)
	}
	return nil
}

func alertFacts(ctx context.Context, q querier, tenantID uuid.UUID, from, to int64, fn func(*store.Alert) error) error {
	rows, err := q.QueryContext(ctx, `SELECT `+schema.FactColumns+` FROM alertanalytics_alerts
		WHERE tenant_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id`, tenantID[:], from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	a := store.Alert{TenantID: tenantID}
	for rows.Next() {
		var (
			id                          sql.RawBytes
			priority, typeClass, status string
			created                     int64
			acked, resolved             sql.NullInt64
		)
		if err := rows.Scan(&id, &a.Category, &priority, &typeClass, &status, &created, &acked, &resolved,
			&a.FinancialImpactCents, &a.EstimatedSavingsCents); err != nil {
			return err
		}
		copy(a.ID[:], id)
		a.PriorityLevel, a.TypeClass, a.Status = store.Priority(priority), store.TypeClass(typeClass), store.Status(status)
		a.CreatedAt, a.AcknowledgedAt, a.ResolvedAt = fromMS(created), fromNullMS(acked), fromNullMS(resolved)
		if err := fn(&a); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	for _, t := range changes {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_open_totals (tenant_id, type_class, alerts, financial_impact_cents)
			VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, type_class) DO UPDATE SET
			alerts = alerts + excluded.alerts, financial_impact_cents = financial_impact_cents + excluded.financial_impact_cents`,
			tenantID[:], string(t.TypeClass), t.Alerts, t.FinancialImpactCents); err != nil {
			return err
		}
	}
	return nil
}

// LockRollups reads the buckets one by one: the single writer already
// keeps every other writer out.
func (w writeTx) LockRollups(ctx context.Context, tenantID uuid.UUID, buckets []int64) ([]store.Rollup, error) {
	stmt, err := w.tx.PrepareContext(ctx, `SELECT bucket, counts, categories, acknowledge_times, resolve_times
		FROM alertanalytics_rollups WHERE tenant_id = ? AND bucket = ?`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	var out []store.Rollup
	for _, b := range buckets {
		rows, err := stmt.QueryContext(ctx, tenantID[:], b)
		if err != nil {
			return nil, err
		}
		err = eachRollup(rows, func(r *store.Rollup) error {
			out = append(out, store.Rollup{Bucket: r.Bucket, Counts: clone(r.Counts), Categories: clone(r.Categories),
				AcknowledgeTimes: clone(r.AcknowledgeTimes), ResolveTimes: clone(r.ResolveTimes)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

func (w writeTx) WriteRollups(ctx context.Context, tenantID uuid.UUID, put []store.Rollup, drop []int64) error {
	for _, r := range put {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_rollups
			(tenant_id, bucket, counts, categories, acknowledge_times, resolve_times) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, bucket) DO UPDATE SET counts = excluded.counts, categories = excluded.categories,
			acknowledge_times = excluded.acknowledge_times, resolve_times = excluded.resolve_times`,
			tenantID[:], r.Bucket, nonNil(r.Counts), nonNil(r.Categories), nonNil(r.AcknowledgeTimes), nonNil(r.ResolveTimes)); err != nil {
			return err
		}
	}
	for _, b := range drop {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_rollups WHERE tenant_id = ? AND bucket = ?`, tenantID[:], b); err != nil {
			return err
		}
	}
	return nil
}

// nonNil stores an empty part as an empty blob, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (w writeTx) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := w.tx.QueryContext(ctx, `SELECT DISTINCT tenant_id FROM alertanalytics_alerts ORDER BY tenant_id`)
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

func (w writeTx) AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	return alertFacts(ctx, w.tx, tenantID, 0, 1<<62, fn)
}
