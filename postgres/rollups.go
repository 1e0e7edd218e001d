package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// querier is what the reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// eachDay reads one column of the tenant's kept days, as
// rollup.EachDayBytes does; the bytes point into pgx's read buffer.
func (s *Store) eachDay(ctx context.Context, tenantID uuid.UUID, column string) rollup.EachDayBytes {
	return func(from, to int64, fn func(int64, []byte) error) error {
		rows, err := s.db.Query(ctx, s.sql(`SELECT day, `+column+` FROM {schema}.rollup_days
			WHERE tenant_id = $1 AND day >= $2 AND day < $3 ORDER BY day`), tenantID, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		var day int64
		for rows.Next() {
			if err := rows.Scan(&day, nil); err != nil {
				return err
			}
			if err := fn(day, rows.RawValues()[1]); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// SumCounts implements store.Store: one range scan over the days the
// ranges touch, summed as they are decoded.
func (s *Store) SumCounts(ctx context.Context, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	out, err := rollup.SumCounts(ranges, counters, s.eachDay(ctx, tenantID, "counts"))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum counts: %w", err)
	}
	return out, nil
}

// EachCounts implements store.Store.
func (s *Store) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	if err := rollup.EachCounts(from, to, s.eachDay(ctx, tenantID, "counts"), fn); err != nil {
		return fmt.Errorf("postgres: each counts: %w", err)
	}
	return nil
}

// SumCategories implements store.Store.
func (s *Store) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	out, err := rollup.SumCategories(from, to, s.eachDay(ctx, tenantID, "categories"))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum categories: %w", err)
	}
	return out, nil
}

// SumKinds implements store.Store.
func (s *Store) SumKinds(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.KindCount, error) {
	out, err := rollup.SumKinds(from, to, s.eachDay(ctx, tenantID, "kinds"))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum kinds: %w", err)
	}
	return out, nil
}

// EachDayGroups implements store.Store.
func (s *Store) EachDayGroups(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, []byte) error) error {
	if err := s.eachDay(ctx, tenantID, "groups")(from, to, fn); err != nil {
		return fmt.Errorf("postgres: day groups: %w", err)
	}
	return nil
}

// EachDayTimes implements store.Store. The bytes handed to fn point into
// pgx's read buffer.
func (s *Store) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	rows, err := s.db.Query(ctx, s.sql(`SELECT day, acknowledge_times, resolve_times FROM {schema}.rollup_days
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND (length(acknowledge_times) > 0 OR length(resolve_times) > 0)
		ORDER BY day`), tenantID, from, to)
	if err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	defer rows.Close()
	var dt store.DayTimes
	for rows.Next() {
		if err := rows.Scan(&dt.Day, nil, nil); err != nil {
			return fmt.Errorf("postgres: day times: %w", err)
		}
		raw := rows.RawValues()
		dt.AcknowledgeTimes, dt.ResolveTimes = raw[1], raw[2]
		if err := fn(&dt); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	return nil
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
	return scanFacts(rows, tenantID, fn)
}

// scanFacts scans rows of schema.FactColumns.
func scanFacts(rows pgx.Rows, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	defer rows.Close()
	a := store.Alert{TenantID: tenantID}
	for rows.Next() {
		var (
			priority, typeClass, status string
			created                     int64
			acked, resolved             *int64
		)
		if err := rows.Scan(&a.ID, &a.Category, &priority, &typeClass, &status, &created, &acked, &resolved,
			&a.FinancialImpactCents, &a.EstimatedSavingsCents, &a.AlertType, &a.Service); err != nil {
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

// statement is one SQL statement and its arguments, sent alone or queued
// in a batch.
type statement struct {
	sql  string
	args []any
}

func (w writeTx) exec(ctx context.Context, stmts []statement) error {
	for _, st := range stmts {
		if _, err := w.tx.Exec(ctx, st.sql, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// openTotalsStatements applies the changes in the order given (type-class
// order), so concurrent writers lock the rows in the same order.
func (w writeTx) openTotalsStatements(tenantID uuid.UUID, changes []store.OpenTotal) []statement {
	var out []statement
	for _, t := range changes {
		out = append(out, statement{w.s.sql(`INSERT INTO {schema}.open_totals (tenant_id, type_class, alerts, financial_impact_cents)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, type_class) DO UPDATE SET
			alerts = open_totals.alerts + excluded.alerts,
			financial_impact_cents = open_totals.financial_impact_cents + excluded.financial_impact_cents`),
			[]any{[16]byte(tenantID), string(t.TypeClass), t.Alerts, t.FinancialImpactCents}})
	}
	return out
}

func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	return w.exec(ctx, w.openTotalsStatements(tenantID, changes))
}

// lockDaysSQL locks the days' rows in one statement: an upsert that
// inserts an empty row for a day that has none and otherwise "updates" the
// row to itself, which locks it (waiting for a concurrent writer to commit)
// and returns its latest committed columns. Two transactions creating the
// same day thus never both start from nothing. An empty row left is
// filled or dropped by WriteDays in the same transaction.
const lockDaysSQL = `INSERT INTO {schema}.rollup_days AS t (tenant_id, day, counts, categories, kinds, acknowledge_times, resolve_times, groups)
	SELECT $1, d, '', '', '', '', '', '' FROM unnest($2::bigint[]) AS d ORDER BY d
	ON CONFLICT (tenant_id, day) DO UPDATE SET day = t.day
	RETURNING day, counts, categories, kinds, acknowledge_times, resolve_times, groups`

// lockedDays collects the locked days that hold anything.
func lockedDays(rows pgx.Rows) ([]rollup.Day, error) {
	defer rows.Close()
	var out []rollup.Day
	for rows.Next() {
		var d rollup.Day
		if err := rows.Scan(&d.Day, &d.Counts, &d.Categories, &d.Kinds, &d.AcknowledgeTimes, &d.ResolveTimes, &d.Groups); err != nil {
			return nil, err
		}
		if !d.Empty() {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

func (w writeTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64) ([]rollup.Day, error) {
	rows, err := w.tx.Query(ctx, w.s.sql(lockDaysSQL), tenantID, days)
	if err != nil {
		return nil, err
	}
	return lockedDays(rows)
}

// AddOpenTotalsLockDays sends the statements queued, the changes of the
// open totals and the lock of the days in one batch: one round trip where
// a write would otherwise take one per statement.
func (w writeTx) AddOpenTotalsLockDays(ctx context.Context, tenantID uuid.UUID, open []store.OpenTotal, days []int64) ([]rollup.Day, error) {
	stmts := append(w.tx.take(), w.openTotalsStatements(tenantID, open)...)
	b := batchOf(stmts)
	if len(days) > 0 {
		b.Queue(w.s.sql(lockDaysSQL), [16]byte(tenantID), days)
	}
	if b.Len() == 0 {
		return nil, nil
	}
	res := w.tx.Tx.SendBatch(ctx, b)
	for range stmts {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return nil, err
		}
	}
	var locked []rollup.Day
	if len(days) > 0 {
		rows, err := res.Query()
		if err != nil {
			res.Close()
			return nil, err
		}
		if locked, err = lockedDays(rows); err != nil {
			res.Close()
			return nil, err
		}
	}
	return locked, res.Close()
}

func (w writeTx) WriteDays(ctx context.Context, tenantID uuid.UUID, put []rollup.Day, drop []int64) error {
	if len(put) > 0 {
		days := make([]int64, len(put))
		cols := [6][][]byte{}
		for i := range cols {
			cols[i] = make([][]byte, len(put))
		}
		for i, d := range put {
			days[i] = d.Day
			for j, b := range [][]byte{d.Counts, d.Categories, d.Kinds, d.AcknowledgeTimes, d.ResolveTimes, d.Groups} {
				if b == nil {
					b = []byte{}
				}
				cols[j][i] = b
			}
		}
		if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollup_days (tenant_id, day, counts, categories, kinds, acknowledge_times, resolve_times, groups)
			SELECT $1, u.* FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[], $8::bytea[]) AS u
			ON CONFLICT (tenant_id, day) DO UPDATE SET counts = excluded.counts, categories = excluded.categories,
			kinds = excluded.kinds, acknowledge_times = excluded.acknowledge_times, resolve_times = excluded.resolve_times,
			groups = excluded.groups`),
			tenantID, days, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]); err != nil {
			return err
		}
	}
	if len(drop) > 0 {
		if _, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.rollup_days WHERE tenant_id = $1 AND day = ANY($2)`), tenantID, drop); err != nil {
			return err
		}
	}
	return nil
}

func (w writeTx) TenantIDs(ctx context.Context) ([]uuid.UUID, error) { return w.s.tenantIDs(ctx, w.tx) }

// tenantIDs lists the tenants that have alerts.
func (s *Store) tenantIDs(ctx context.Context, q querier) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, s.sql(`SELECT DISTINCT tenant_id FROM {schema}.alerts ORDER BY tenant_id`))
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
	err := s.inTx(ctx, func(tx pgx.Tx) error { return writeflow.RebuildRollups(ctx, writeTx{s, &pipeTx{Tx: tx}}) })
	if err != nil {
		return fmt.Errorf("postgres: rebuild rollups: %w", err)
	}
	return nil
}
