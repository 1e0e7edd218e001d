package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// querier is what the reads need of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// countDest returns scan destinations for the counter columns.
func countDest(c *store.Counts) []any {
	dest := make([]any, len(c))
	for i := range c {
		dest[i] = &c[i]
	}
	return dest
}

// SumCounts implements store.Store: one range scan per range, summed by
// SQLite, all in one read transaction so the ranges see one snapshot.
func (s *Store) SumCounts(ctx context.Context, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	out := make([]store.Counts, len(ranges))
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum counts: %w", err)
	}
	defer tx.Rollback() // read-only: nothing to commit
	stmt, err := tx.PrepareContext(ctx, `SELECT `+schema.SumList("coalesce(sum(%s), 0)", counters)+`
		FROM alertanalytics_rollups WHERE tenant_id = ? AND bucket >= ? AND bucket < ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum counts: %w", err)
	}
	defer stmt.Close()
	for i, r := range ranges {
		if r.From >= r.To {
			continue
		}
		if err := stmt.QueryRowContext(ctx, tenantID[:], r.From, r.To).Scan(schema.CountDest(&out[i], counters)...); err != nil {
			return nil, fmt.Errorf("sqlite: sum counts: %w", err)
		}
	}
	return out, nil
}

// EachCounts implements store.Store.
func (s *Store) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT bucket, `+schema.CountList("%s")+` FROM alertanalytics_rollups
		WHERE tenant_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`, tenantID[:], from, to)
	if err != nil {
		return fmt.Errorf("sqlite: each counts: %w", err)
	}
	defer rows.Close()
	var (
		bucket int64
		c      store.Counts
	)
	dest := append([]any{&bucket}, countDest(&c)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("sqlite: each counts: %w", err)
		}
		if err := fn(bucket, &c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SumCategories implements store.Store.
func (s *Store) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT category, sum(alerts) FROM alertanalytics_rollup_categories
		WHERE tenant_id = ? AND bucket >= ? AND bucket < ? GROUP BY category`, tenantID[:], from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum categories: %w", err)
	}
	defer rows.Close()
	var out []store.CategoryCount
	for rows.Next() {
		var c store.CategoryCount
		if err := rows.Scan(&c.Category, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: sum categories: %w", err)
		}
		if c.Count != 0 {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// EachDayTimes implements store.Store. The bytes handed to fn point into
// the driver's buffers.
func (s *Store) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT day, acknowledge_times, resolve_times FROM alertanalytics_rollup_times
		WHERE tenant_id = ? AND day >= ? AND day < ? ORDER BY day`, tenantID[:], from, to)
	if err != nil {
		return fmt.Errorf("sqlite: day times: %w", err)
	}
	if err := eachDayTimes(rows, fn); err != nil {
		return fmt.Errorf("sqlite: day times: %w", err)
	}
	return nil
}

func eachDayTimes(rows *sql.Rows, fn func(*store.DayTimes) error) error {
	defer rows.Close()
	var (
		dt       store.DayTimes
		ack, res sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&dt.Day, &ack, &res); err != nil {
			return err
		}
		dt.AcknowledgeTimes, dt.ResolveTimes = ack, res
		if err := fn(&dt); err != nil {
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
	return scanFacts(rows, tenantID, fn)
}

// scanFacts scans rows of schema.FactColumns.
func scanFacts(rows *sql.Rows, tenantID uuid.UUID, fn func(*store.Alert) error) error {
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
			&a.FinancialImpactCents, &a.EstimatedSavingsCents, &a.AlertType, &a.Service); err != nil {
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

// chunk is how many rows one multi-row statement writes, well under
// SQLite's limit of bound parameters.
const chunk = 400

// values returns "(?, …, ?), …" for rows rows of width placeholders.
func values(rows, width int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// AddCounts adds the changes with one multi-row upsert per chunk, then
// deletes the buckets left without alerts.
func (w writeTx) AddCounts(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCounts) error {
	width := 2 + store.NumCounts
	for start := 0; start < len(changes); start += chunk {
		part := changes[start:min(start+chunk, len(changes))]
		args := make([]any, 0, len(part)*width)
		for _, c := range part {
			args = append(args, tenantID[:], c.Bucket)
			for _, v := range c.Counts {
				args = append(args, v)
			}
		}
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_rollups (tenant_id, bucket, `+schema.CountList("%s")+`)
			VALUES `+values(len(part), width)+` ON CONFLICT (tenant_id, bucket) DO UPDATE SET `+
			schema.CountList("%s = %s + excluded.%s"), args...); err != nil {
			return err
		}
	}
	return deleteEmpty(ctx, w.tx, "alertanalytics_rollups", tenantID, changes, func(c store.BucketCounts) (int64, bool) {
		return c.Bucket, c.Counts[store.CountAlerts] < 0
	})
}

// deleteEmpty deletes the rows of the buckets a change took alerts from
// that are left at zero.
func deleteEmpty[C any](ctx context.Context, tx *sql.Tx, table string, tenantID uuid.UUID, changes []C, took func(C) (int64, bool)) error {
	for _, c := range changes {
		if bucket, ok := took(c); ok {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = ? AND bucket = ? AND alerts = 0`,
				tenantID[:], bucket); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddCategories adds the changes with multi-row upserts.
func (w writeTx) AddCategories(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCategory) error {
	for start := 0; start < len(changes); start += chunk {
		part := changes[start:min(start+chunk, len(changes))]
		args := make([]any, 0, len(part)*4)
		for _, c := range part {
			args = append(args, tenantID[:], c.Bucket, c.Category, c.Count)
		}
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_rollup_categories (tenant_id, bucket, category, alerts)
			VALUES `+values(len(part), 4)+` ON CONFLICT (tenant_id, bucket, category) DO UPDATE SET alerts = alerts + excluded.alerts`,
			args...); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if c.Count < 0 {
			if _, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_rollup_categories
				WHERE tenant_id = ? AND bucket = ? AND category = ? AND alerts = 0`, tenantID[:], c.Bucket, c.Category); err != nil {
				return err
			}
		}
	}
	return nil
}

// LockDayTimes reads the days one by one: the single writer already keeps
// every other writer out.
func (w writeTx) LockDayTimes(ctx context.Context, tenantID uuid.UUID, days []int64) ([]store.DayTimes, error) {
	var out []store.DayTimes
	for _, day := range days {
		rows, err := w.tx.QueryContext(ctx, `SELECT day, acknowledge_times, resolve_times FROM alertanalytics_rollup_times
			WHERE tenant_id = ? AND day = ?`, tenantID[:], day)
		if err != nil {
			return nil, err
		}
		err = eachDayTimes(rows, func(dt *store.DayTimes) error {
			out = append(out, store.DayTimes{Day: dt.Day, AcknowledgeTimes: clone(dt.AcknowledgeTimes), ResolveTimes: clone(dt.ResolveTimes)})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

func (w writeTx) WriteDayTimes(ctx context.Context, tenantID uuid.UUID, put []store.DayTimes, drop []int64) error {
	for _, dt := range put {
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO alertanalytics_rollup_times (tenant_id, day, acknowledge_times, resolve_times)
			VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, day) DO UPDATE SET
			acknowledge_times = excluded.acknowledge_times, resolve_times = excluded.resolve_times`,
			tenantID[:], dt.Day, clone(dt.AcknowledgeTimes), clone(dt.ResolveTimes)); err != nil {
			return err
		}
	}
	for _, day := range drop {
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM alertanalytics_rollup_times WHERE tenant_id = ? AND day = ?`, tenantID[:], day); err != nil {
			return err
		}
	}
	return nil
}

func (w writeTx) TenantIDs(ctx context.Context) ([]uuid.UUID, error) { return tenantIDs(ctx, w.tx) }

func (w writeTx) AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	return alertFacts(ctx, w.tx, tenantID, 0, 1<<62, fn)
}

// RebuildRollups recomputes every tenant's rollups from its alerts in one
// transaction, replacing the kept ones. Migrate does it when it adds the
// rollups; call it after applying Migrations with a tool of your own to a
// database that already had alerts.
func (s *Store) RebuildRollups(ctx context.Context) error {
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return writeflow.RebuildRollups(ctx, writeTx{tx}) }); err != nil {
		return fmt.Errorf("sqlite: rebuild rollups: %w", err)
	}
	return nil
}
