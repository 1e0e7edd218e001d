package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// querier is what the reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Rollups implements store.Store. The byte slices handed to fn point into
// pgx's read buffer and are valid during the call only.
func (s *Store) Rollups(ctx context.Context, tenantID uuid.UUID, from, to int64, parts store.RollupParts, fn func(*store.Rollup) error) error {
	cols := "bucket, counts, NULL::bytea, NULL::bytea, NULL::bytea"
	switch {
	case parts&store.RollupCategories != 0 && parts&store.RollupTimes != 0:
		cols = "bucket, counts, categories, acknowledge_times, resolve_times"
	case parts&store.RollupCategories != 0:
		cols = "bucket, counts, categories, NULL::bytea, NULL::bytea"
	case parts&store.RollupTimes != 0:
		cols = "bucket, counts, NULL::bytea, acknowledge_times, resolve_times"
	}
	rows, err := s.db.Query(ctx, s.sql(`SELECT `+cols+` FROM {schema}.rollups
		WHERE tenant_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`), tenantID, from, to)
	if err != nil {
		return fmt.Errorf("postgres: rollups: %w", err)
	}
	if err := eachRollup(rows, fn); err != nil {
		return fmt.Errorf("postgres: rollups: %w", err)
	}
	return nil
}

// eachRollup reads rows of (bucket, counts, categories, acknowledge_times,
// resolve_times) from their raw binary values, without copying.
func eachRollup(rows pgx.Rows, fn func(*store.Rollup) error) error {
	defer rows.Close()
	var r store.Rollup
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 5 || len(raw[0]) != 8 || rows.FieldDescriptions()[0].Format != pgx.BinaryFormatCode {
			return fmt.Errorf("unexpected rollup row encoding")
		}
		r.Bucket = int64(binary.BigEndian.Uint64(raw[0]))
		r.Counts, r.Categories, r.AcknowledgeTimes, r.ResolveTimes = raw[1], raw[2], raw[3], raw[4]
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AlertFacts implements store.Store.
func (s *Store) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if err := s.alertFacts(ctx, s.db, tenantID, ms(from), ms(to), fn); err != nil {
		return fmt.Errorf("postgres: alert facts: %w", err)
	}
	return nil
}

func (s *Store) alertFacts(ctx context.Context, q querier, tenantID uuid.UUID, from, to int64, fn func(*store.Alert) error) error {
	rows, err := q.Query(ctx, s.sql(`SELECT `+schema.FactColumns+` FROM {schema}.alerts
		WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at, id`), tenantID, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	a := store.Alert{TenantID: tenantID}
	for rows.Next() {
		var (
			priority, typeClass, status string
			created                     int64
			acked, resolved             *int64
		)
		if err := rows.Scan(&a.ID, &a.Category, &priority, &typeClass, &status, &created, &acked, &resolved,
			&a.FinancialImpactCents, &a.EstimatedSavingsCents); err != nil {
			return err
		}
		a.PriorityLevel, a.TypeClass, a.Status = store.Priority(priority), store.TypeClass(typeClass), store.Status(status)
		a.CreatedAt, a.AcknowledgedAt, a.ResolvedAt = fromMS(created), fromNullMS(acked), fromNullMS(resolved)
		if err := fn(&a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddOpenTotals applies the changes in the order given (type-class order),
// so concurrent writers lock the rows in the same order.
func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	for _, t := range changes {
		if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.open_totals (tenant_id, type_class, alerts, financial_impact_cents)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, type_class) DO UPDATE SET
			alerts = open_totals.alerts + excluded.alerts,
			financial_impact_cents = open_totals.financial_impact_cents + excluded.financial_impact_cents`),
			tenantID, string(t.TypeClass), t.Alerts, t.FinancialImpactCents); err != nil {
			return err
		}
	}
	return nil
}

// LockRollups first reserves a row for every bucket that has none, so that
// two transactions creating the same bucket's rollup do not both start from
// nothing (the second waits for the first), then locks the rows in bucket
// order. Reserved rows hold empty parts until WriteRollups fills or drops
// them in the same transaction.
func (w writeTx) LockRollups(ctx context.Context, tenantID uuid.UUID, buckets []int64) ([]store.Rollup, error) {
	if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollups
		(tenant_id, bucket, counts, categories, acknowledge_times, resolve_times)
		SELECT $1, b, '', '', '', '' FROM unnest($2::bigint[]) AS b ORDER BY b
		ON CONFLICT (tenant_id, bucket) DO NOTHING`), tenantID, buckets); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.sql(`SELECT bucket, counts, categories, acknowledge_times, resolve_times
		FROM {schema}.rollups WHERE tenant_id = $1 AND bucket = ANY($2) ORDER BY bucket FOR UPDATE`), tenantID, buckets)
	if err != nil {
		return nil, err
	}
	var out []store.Rollup
	err = eachRollup(rows, func(r *store.Rollup) error {
		out = append(out, store.Rollup{Bucket: r.Bucket, Counts: clone(r.Counts), Categories: clone(r.Categories),
			AcknowledgeTimes: clone(r.AcknowledgeTimes), ResolveTimes: clone(r.ResolveTimes)})
		return nil
	})
	return out, err
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

func (w writeTx) WriteRollups(ctx context.Context, tenantID uuid.UUID, put []store.Rollup, drop []int64) error {
	if len(put) > 0 {
		buckets := make([]int64, len(put))
		parts := make([][][]byte, 4)
		for i, r := range put {
			buckets[i] = r.Bucket
			for j, p := range [][]byte{r.Counts, r.Categories, r.AcknowledgeTimes, r.ResolveTimes} {
				parts[j] = append(parts[j], nonNil(p))
			}
		}
		if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollups
			(tenant_id, bucket, counts, categories, acknowledge_times, resolve_times)
			SELECT $1, b, c, g, a, r FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[]) AS u(b, c, g, a, r)
			ON CONFLICT (tenant_id, bucket) DO UPDATE SET counts = excluded.counts, categories = excluded.categories,
			acknowledge_times = excluded.acknowledge_times, resolve_times = excluded.resolve_times`),
			tenantID, buckets, parts[0], parts[1], parts[2], parts[3]); err != nil {
			return err
		}
	}
	if len(drop) > 0 {
		if _, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.rollups WHERE tenant_id = $1 AND bucket = ANY($2)`), tenantID, drop); err != nil {
			return err
		}
	}
	return nil
}

// nonNil stores an empty part as an empty bytea, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (w writeTx) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := w.tx.Query(ctx, w.s.sql(`SELECT DISTINCT tenant_id FROM {schema}.alerts ORDER BY tenant_id`))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

func (w writeTx) AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	return w.s.alertFacts(ctx, w.tx, tenantID, 0, 1<<62, fn)
}

// RebuildRollups recomputes every tenant's rollups from its alerts in one
// transaction, replacing the kept ones. Migrate does it when it adds the
// rollups; call it after applying Migrations with a tool of your own to a
// schema that already had alerts.
func (s *Store) RebuildRollups(ctx context.Context) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error { return writeflow.RebuildRollups(ctx, writeTx{s, tx}) })
	if err != nil {
		return fmt.Errorf("postgres: rebuild rollups: %w", err)
	}
	return nil
}
