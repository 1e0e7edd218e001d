package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
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
// rollup.EachDayBytes does: a day kept as one row passes its bytes, which
// point into pgx's read buffer; the stripes of a day kept as several are
// merged first.
func (s *Store) eachDay(ctx context.Context, tenantID uuid.UUID, column rollup.Column) rollup.EachDayBytes {
	return func(from, to int64, fn func(int64, []byte) error) error {
		rows, err := s.db.Query(ctx, s.sql(`SELECT day, count(*) OVER (PARTITION BY day), `+string(column)+` FROM {schema}.rollup_days
			WHERE tenant_id = $1 AND day >= $2 AND day < $3 ORDER BY day, stripe`), tenantID, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		runs := rollup.Runs{Fn: func(d *rollup.Day) error { return fn(d.Day, *column.Field(d)) }}
		var (
			part rollup.Day
			n    int64
		)
		for rows.Next() {
			if err := rows.Scan(&part.Day, &n, nil); err != nil {
				return err
			}
			*column.Field(&part) = rows.RawValues()[2]
			if err := runs.Add(int(n), &part); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return runs.Flush()
	}
}

// SumCounts implements store.Store: one range scan over the days the
// ranges touch, summed as they are decoded.
func (s *Store) SumCounts(ctx context.Context, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	out, err := rollup.SumCounts(ranges, counters, s.eachDay(ctx, tenantID, rollup.ColumnCounts))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum counts: %w", err)
	}
	return out, nil
}

// EachCounts implements store.Store.
func (s *Store) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	if err := rollup.EachCounts(from, to, s.eachDay(ctx, tenantID, rollup.ColumnCounts), fn); err != nil {
		return fmt.Errorf("postgres: each counts: %w", err)
	}
	return nil
}

// SumCategories implements store.Store.
func (s *Store) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	out, err := rollup.SumCategories(from, to, s.eachDay(ctx, tenantID, rollup.ColumnCategories))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum categories: %w", err)
	}
	return out, nil
}

// SumKinds implements store.Store.
func (s *Store) SumKinds(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.KindCount, error) {
	out, err := rollup.SumKinds(from, to, s.eachDay(ctx, tenantID, rollup.ColumnKinds))
	if err != nil {
		return nil, fmt.Errorf("postgres: sum kinds: %w", err)
	}
	return out, nil
}

// EachDayGroups implements store.Store.
func (s *Store) EachDayGroups(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, []byte) error) error {
	if err := s.eachDay(ctx, tenantID, rollup.ColumnGroups)(from, to, fn); err != nil {
		return fmt.Errorf("postgres: day groups: %w", err)
	}
	return nil
}

// EachDayTimes implements store.Store. The bytes handed to fn point into
// pgx's read buffer where the day is kept as one row.
func (s *Store) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	rows, err := s.db.Query(ctx, s.sql(`SELECT day, count(*) OVER (PARTITION BY day), acknowledge_times, resolve_times FROM {schema}.rollup_days
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND (length(acknowledge_times) > 0 OR length(resolve_times) > 0)
		ORDER BY day, stripe`), tenantID, from, to)
	if err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	defer rows.Close()
	var dt store.DayTimes
	runs := rollup.Runs{Fn: func(d *rollup.Day) error {
		dt = store.DayTimes{Day: d.Day, AcknowledgeTimes: d.AcknowledgeTimes, ResolveTimes: d.ResolveTimes}
		return fn(&dt)
	}}
	var (
		part rollup.Day
		n    int64
	)
	for rows.Next() {
		if err := rows.Scan(&part.Day, &n, nil, nil); err != nil {
			return fmt.Errorf("postgres: day times: %w", err)
		}
		raw := rows.RawValues()
		part.AcknowledgeTimes, part.ResolveTimes = raw[2], raw[3]
		if err := runs.Add(int(n), &part); err != nil {
			return fmt.Errorf("postgres: day times: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	if err := runs.Flush(); err != nil {
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
// order). Each adds to one row of its type class that no other transaction
// holds (SKIP LOCKED), or inserts a new stripe when every row is held, so
// a tenant's writers never wait for one another here.
func (w writeTx) openTotalsStatements(tenantID uuid.UUID, changes []store.OpenTotal) []statement {
	var out []statement
	for _, t := range changes {
		out = append(out, statement{w.s.sql(`WITH free AS (
				SELECT stripe FROM {schema}.open_totals WHERE tenant_id = $1 AND type_class = $2
				ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED),
			added AS (
				UPDATE {schema}.open_totals o SET alerts = o.alerts + $3,
					financial_impact_cents = o.financial_impact_cents + $4
				FROM free WHERE o.tenant_id = $1 AND o.type_class = $2 AND o.stripe = free.stripe
				RETURNING 1)
			INSERT INTO {schema}.open_totals (tenant_id, type_class, stripe, alerts, financial_impact_cents)
			SELECT $1, $2, $5, $3, $4 WHERE NOT EXISTS (SELECT FROM added)`),
			[]any{[16]byte(tenantID), string(t.TypeClass), t.Alerts, t.FinancialImpactCents, rand.Int64()}})
	}
	return out
}

func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	return w.exec(ctx, w.openTotalsStatements(tenantID, changes))
}

// lockDaysSQL locks the committed rows of the days, in day and stripe
// order, waiting for concurrent writers; lockFreeDaysSQL locks, per day,
// the first row no other transaction holds, without waiting (see
// writeflow's applyTotals).
const (
	dayColumns  = `day, stripe, counts, categories, kinds, acknowledge_times, resolve_times, groups`
	lockDaysSQL = `SELECT ` + dayColumns + ` FROM {schema}.rollup_days
		WHERE tenant_id = $1 AND day = ANY($2::bigint[]) ORDER BY day, stripe FOR UPDATE`
	lockFreeDaysSQL = `SELECT r.* FROM unnest($2::bigint[]) AS d(day) CROSS JOIN LATERAL (
		SELECT ` + dayColumns + ` FROM {schema}.rollup_days
		WHERE tenant_id = $1 AND day = d.day ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED) AS r`
)

func (s *Store) lockDaysQuery(wait bool) string {
	if wait {
		return s.sql(lockDaysSQL)
	}
	return s.sql(lockFreeDaysSQL)
}

// lockedDays collects the locked rows, remembering their keys in p for
// WriteDays.
func (p *pipeTx) lockedDays(rows pgx.Rows) ([]rollup.Day, error) {
	defer rows.Close()
	var out []rollup.Day
	for rows.Next() {
		var d rollup.Day
		if err := rows.Scan(&d.Day, &d.Stripe, &d.Counts, &d.Categories, &d.Kinds, &d.AcknowledgeTimes, &d.ResolveTimes, &d.Groups); err != nil {
			return nil, err
		}
		out = append(out, d)
		if p.locked == nil {
			p.locked = map[rollup.DayKey]bool{}
		}
		p.locked[d.Key()] = true
	}
	return out, rows.Err()
}

func (w writeTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, wait bool) ([]rollup.Day, error) {
	rows, err := w.tx.Query(ctx, w.s.lockDaysQuery(wait), tenantID, days)
	if err != nil {
		return nil, err
	}
	return w.tx.lockedDays(rows)
}

// AddOpenTotalsLockDays sends the statements queued, the changes of the
// open totals and the lock of the days in one batch: one round trip where
// a write would otherwise take one per statement.
func (w writeTx) AddOpenTotalsLockDays(ctx context.Context, tenantID uuid.UUID, open []store.OpenTotal, days []int64, wait bool) ([]rollup.Day, error) {
	stmts := append(w.tx.take(), w.openTotalsStatements(tenantID, open)...)
	b := batchOf(stmts)
	if len(days) > 0 {
		b.Queue(w.s.lockDaysQuery(wait), [16]byte(tenantID), days)
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
		if locked, err = w.tx.lockedDays(rows); err != nil {
			res.Close()
			return nil, err
		}
	}
	return locked, res.Close()
}

// WriteDays updates the rows this transaction locked and inserts the
// others: a new stripe is a plain INSERT, so a stripe id that happened to
// match a row another writer holds fails the transaction on the primary
// key instead of overwriting that row.
func (w writeTx) WriteDays(ctx context.Context, tenantID uuid.UUID, put []rollup.Day, drop []rollup.DayKey) error {
	var update, insert []rollup.Day
	for _, d := range put {
		if w.tx.locked[d.Key()] {
			update = append(update, d)
		} else {
			insert = append(insert, d)
		}
	}
	if len(update) > 0 {
		w.tx.queue(w.s.sql(`UPDATE {schema}.rollup_days AS t SET counts = u.counts, categories = u.categories, kinds = u.kinds,
			acknowledge_times = u.acknowledge_times, resolve_times = u.resolve_times, groups = u.groups
			FROM unnest($2::bigint[], $3::bigint[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[], $8::bytea[], $9::bytea[])
				AS u(day, stripe, counts, categories, kinds, acknowledge_times, resolve_times, groups)
			WHERE t.tenant_id = $1 AND t.day = u.day AND t.stripe = u.stripe`), dayArgs(tenantID, update)...)
	}
	if len(insert) > 0 {
		w.tx.queue(w.s.sql(`INSERT INTO {schema}.rollup_days (tenant_id, day, stripe, counts, categories, kinds, acknowledge_times, resolve_times, groups)
			SELECT $1, u.* FROM unnest($2::bigint[], $3::bigint[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[], $8::bytea[], $9::bytea[]) AS u`),
			dayArgs(tenantID, insert)...)
	}
	if len(drop) > 0 {
		days, stripes := make([]int64, len(drop)), make([]int64, len(drop))
		for i, k := range drop {
			days[i], stripes[i] = k.Day, k.Stripe
		}
		w.tx.queue(w.s.sql(`DELETE FROM {schema}.rollup_days WHERE tenant_id = $1
			AND (day, stripe) IN (SELECT * FROM unnest($2::bigint[], $3::bigint[]))`), tenantID, days, stripes)
	}
	return nil
}

// dayArgs lays the rows out as the parallel arrays of WriteDays'
// statements, after the tenant: days, stripes and the six columns.
func dayArgs(tenantID uuid.UUID, rows []rollup.Day) []any {
	days, stripes := make([]int64, len(rows)), make([]int64, len(rows))
	cols := [6][][]byte{}
	for i := range cols {
		cols[i] = make([][]byte, len(rows))
	}
	for i, d := range rows {
		days[i], stripes[i] = d.Day, d.Stripe
		for j, b := range [][]byte{d.Counts, d.Categories, d.Kinds, d.AcknowledgeTimes, d.ResolveTimes, d.Groups} {
			if b == nil {
				b = []byte{}
			}
			cols[j][i] = b
		}
	}
	return []any{[16]byte(tenantID), days, stripes, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]}
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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		w := writeTx{s, &pipeTx{Tx: tx}}
		if err := writeflow.RebuildRollups(ctx, w); err != nil {
			return err
		}
		return w.tx.flush(ctx)
	})
	if err != nil {
		return fmt.Errorf("postgres: rebuild rollups: %w", err)
	}
	return nil
}
