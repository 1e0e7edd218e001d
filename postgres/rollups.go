package postgres

import (
	"context"
	"fmt"
	"strings"
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

func countDest(c *store.Counts) []any {
	dest := make([]any, len(c))
	for i := range c {
		dest[i] = &c[i]
	}
	return dest
}

// SumCounts implements store.Store: one statement, each range an index
// range scan summed by PostgreSQL.
func (s *Store) SumCounts(ctx context.Context, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	out := make([]store.Counts, len(ranges))
	from, to := make([]int64, len(ranges)), make([]int64, len(ranges))
	for i, r := range ranges {
		from[i], to[i] = r.From, r.To
	}
	// LATERAL keeps each range an index range scan, whatever the planner
	// guesses of the array's size.
	rows, err := s.db.Query(ctx, s.sql(`SELECT r.i, s.* FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(lo, hi, i)
		CROSS JOIN LATERAL (SELECT `+schema.SumList("coalesce(sum(x.%s), 0)::bigint", counters)+`
			FROM {schema}.rollups x WHERE x.tenant_id = $1 AND x.bucket >= r.lo AND x.bucket < r.hi) AS s`), tenantID, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: sum counts: %w", err)
	}
	defer rows.Close()
	var (
		i int64
		c store.Counts
	)
	dest := append([]any{&i}, schema.CountDest(&c, counters)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("postgres: sum counts: %w", err)
		}
		if i < 1 || int(i) > len(out) {
			return nil, fmt.Errorf("postgres: sum counts: range %d of %d", i, len(out))
		}
		out[i-1] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: sum counts: %w", err)
	}
	return out, nil
}

// EachCounts implements store.Store.
func (s *Store) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	rows, err := s.db.Query(ctx, s.sql(`SELECT bucket, `+schema.CountList("%s")+` FROM {schema}.rollups
		WHERE tenant_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`), tenantID, from, to)
	if err != nil {
		return fmt.Errorf("postgres: each counts: %w", err)
	}
	defer rows.Close()
	var (
		bucket int64
		c      store.Counts
	)
	dest := append([]any{&bucket}, countDest(&c)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("postgres: each counts: %w", err)
		}
		if err := fn(bucket, &c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SumCategories implements store.Store.
func (s *Store) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	rows, err := s.db.Query(ctx, s.sql(`SELECT category, sum(alerts)::bigint FROM {schema}.rollup_categories
		WHERE tenant_id = $1 AND bucket >= $2 AND bucket < $3 GROUP BY category HAVING sum(alerts) <> 0`), tenantID, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: sum categories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.CategoryCount, error) {
		var c store.CategoryCount
		err := row.Scan(&c.Category, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: sum categories: %w", err)
	}
	return out, nil
}

// EachDayTimes implements store.Store. The bytes handed to fn point into
// pgx's read buffer.
func (s *Store) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	rows, err := s.db.Query(ctx, s.sql(`SELECT day, acknowledge_times, resolve_times FROM {schema}.rollup_times
		WHERE tenant_id = $1 AND day >= $2 AND day < $3 ORDER BY day`), tenantID, from, to)
	if err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	if err := eachDayTimes(rows, fn); err != nil {
		return fmt.Errorf("postgres: day times: %w", err)
	}
	return nil
}

// eachDayTimes reads rows of (day, acknowledge_times, resolve_times), the
// bytes without copying.
func eachDayTimes(rows pgx.Rows, fn func(*store.DayTimes) error) error {
	defer rows.Close()
	var dt store.DayTimes
	for rows.Next() {
		if err := rows.Scan(&dt.Day, nil, nil); err != nil {
			return err
		}
		raw := rows.RawValues()
		dt.AcknowledgeTimes, dt.ResolveTimes = raw[1], raw[2]
		if err := fn(&dt); err != nil {
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
			[]any{tenantID, string(t.TypeClass), t.Alerts, t.FinancialImpactCents}})
	}
	return out
}

// countsStatements add the changes in one upsert from parallel arrays, in
// bucket order, then delete the buckets left without alerts.
func (w writeTx) countsStatements(tenantID uuid.UUID, changes []store.BucketCounts) []statement {
	buckets := make([]int64, len(changes))
	columns := make([][]int64, store.NumCounts)
	var emptied []int64
	for i, c := range changes {
		buckets[i] = c.Bucket
		for j, v := range c.Counts {
			columns[j] = append(columns[j], v)
		}
		if c.Counts[store.CountAlerts] < 0 {
			emptied = append(emptied, c.Bucket)
		}
	}
	args := []any{tenantID, buckets}
	arrays := make([]string, len(columns))
	for j := range columns {
		args = append(args, columns[j])
		arrays[j] = fmt.Sprintf("$%d::bigint[]", j+3)
	}
	out := []statement{{w.s.sql(`INSERT INTO {schema}.rollups (tenant_id, bucket, ` + schema.CountList("%s") + `)
		SELECT $1, u.* FROM unnest($2::bigint[], ` + strings.Join(arrays, ", ") + `) AS u
		ON CONFLICT (tenant_id, bucket) DO UPDATE SET ` + schema.CountList("%s = rollups.%s + excluded.%s")), args}}
	if len(emptied) > 0 {
		out = append(out, statement{w.s.sql(`DELETE FROM {schema}.rollups WHERE tenant_id = $1 AND bucket = ANY($2) AND alerts = 0`),
			[]any{tenantID, emptied}})
	}
	return out
}

// categoriesStatements add the changes in one upsert, then delete the
// counts left at zero.
func (w writeTx) categoriesStatements(tenantID uuid.UUID, changes []store.BucketCategory) []statement {
	buckets, cats, counts := make([]int64, len(changes)), make([]string, len(changes)), make([]int64, len(changes))
	var emptiedBuckets []int64
	var emptiedCats []string
	for i, c := range changes {
		buckets[i], cats[i], counts[i] = c.Bucket, c.Category, c.Count
		if c.Count < 0 {
			emptiedBuckets, emptiedCats = append(emptiedBuckets, c.Bucket), append(emptiedCats, c.Category)
		}
	}
	out := []statement{{w.s.sql(`INSERT INTO {schema}.rollup_categories (tenant_id, bucket, category, alerts)
		SELECT $1, u.* FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS u
		ON CONFLICT (tenant_id, bucket, category) DO UPDATE SET alerts = rollup_categories.alerts + excluded.alerts`),
		[]any{tenantID, buckets, cats, counts}}}
	if len(emptiedBuckets) > 0 {
		out = append(out, statement{w.s.sql(`DELETE FROM {schema}.rollup_categories c USING unnest($2::bigint[], $3::text[]) AS u(b, g)
			WHERE c.tenant_id = $1 AND c.bucket = u.b AND c.category = u.g AND c.alerts = 0`), []any{tenantID, emptiedBuckets, emptiedCats}})
	}
	return out
}

func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	return w.exec(ctx, w.openTotalsStatements(tenantID, changes))
}

func (w writeTx) AddCounts(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCounts) error {
	return w.exec(ctx, w.countsStatements(tenantID, changes))
}

func (w writeTx) AddCategories(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCategory) error {
	return w.exec(ctx, w.categoriesStatements(tenantID, changes))
}

// lockDayTimesSQL locks the days' rows in one statement: an upsert that
// inserts an empty row for a day that has none and otherwise "updates" the
// row to itself, which locks it (waiting for a concurrent writer to commit)
// and returns its latest committed times. Two transactions creating the
// same day's times thus never both start from nothing. An empty row left
// is filled or dropped by WriteDayTimes in the same transaction.
const lockDayTimesSQL = `INSERT INTO {schema}.rollup_times AS t (tenant_id, day, acknowledge_times, resolve_times)
	SELECT $1, d, '', '' FROM unnest($2::bigint[]) AS d ORDER BY d
	ON CONFLICT (tenant_id, day) DO UPDATE SET day = t.day
	RETURNING day, acknowledge_times, resolve_times`

// lockedTimes collects the locked days that hold times.
func lockedTimes(rows pgx.Rows) ([]store.DayTimes, error) {
	var out []store.DayTimes
	err := eachDayTimes(rows, func(dt *store.DayTimes) error {
		if len(dt.AcknowledgeTimes)+len(dt.ResolveTimes) > 0 {
			out = append(out, store.DayTimes{Day: dt.Day, AcknowledgeTimes: clone(dt.AcknowledgeTimes), ResolveTimes: clone(dt.ResolveTimes)})
		}
		return nil
	})
	return out, err
}

func (w writeTx) LockDayTimes(ctx context.Context, tenantID uuid.UUID, days []int64) ([]store.DayTimes, error) {
	rows, err := w.tx.Query(ctx, w.s.sql(lockDayTimesSQL), tenantID, days)
	if err != nil {
		return nil, err
	}
	return lockedTimes(rows)
}

// AddTotalsLockTimes sends the changes of the kept totals and the lock of
// the days' times in one batch: one round trip where a write would
// otherwise take one per statement.
func (w writeTx) AddTotalsLockTimes(ctx context.Context, tenantID uuid.UUID, open []store.OpenTotal,
	counts []store.BucketCounts, cats []store.BucketCategory, days []int64) ([]store.DayTimes, error) {
	var stmts []statement
	if len(open) > 0 {
		stmts = append(stmts, w.openTotalsStatements(tenantID, open)...)
	}
	if len(counts) > 0 {
		stmts = append(stmts, w.countsStatements(tenantID, counts)...)
	}
	if len(cats) > 0 {
		stmts = append(stmts, w.categoriesStatements(tenantID, cats)...)
	}
	b := &pgx.Batch{}
	for _, st := range stmts {
		b.Queue(st.sql, st.args...)
	}
	if len(days) > 0 {
		b.Queue(w.s.sql(lockDayTimesSQL), tenantID, days)
	}
	if b.Len() == 0 {
		return nil, nil
	}
	res := w.tx.SendBatch(ctx, b)
	for range stmts {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return nil, err
		}
	}
	var locked []store.DayTimes
	if len(days) > 0 {
		rows, err := res.Query()
		if err != nil {
			res.Close()
			return nil, err
		}
		if locked, err = lockedTimes(rows); err != nil {
			res.Close()
			return nil, err
		}
	}
	return locked, res.Close()
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

func (w writeTx) WriteDayTimes(ctx context.Context, tenantID uuid.UUID, put []store.DayTimes, drop []int64) error {
	if len(put) > 0 {
		days, acks, ress := make([]int64, len(put)), make([][]byte, len(put)), make([][]byte, len(put))
		for i, dt := range put {
			days[i], acks[i], ress[i] = dt.Day, clone(dt.AcknowledgeTimes), clone(dt.ResolveTimes)
		}
		if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollup_times (tenant_id, day, acknowledge_times, resolve_times)
			SELECT $1, u.* FROM unnest($2::bigint[], $3::bytea[], $4::bytea[]) AS u
			ON CONFLICT (tenant_id, day) DO UPDATE SET acknowledge_times = excluded.acknowledge_times,
			resolve_times = excluded.resolve_times`), tenantID, days, acks, ress); err != nil {
			return err
		}
	}
	if len(drop) > 0 {
		if _, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.rollup_times WHERE tenant_id = $1 AND day = ANY($2)`), tenantID, drop); err != nil {
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
	err := s.inTx(ctx, func(tx pgx.Tx) error { return writeflow.RebuildRollups(ctx, writeTx{s, tx}) })
	if err != nil {
		return fmt.Errorf("postgres: rebuild rollups: %w", err)
	}
	return nil
}
