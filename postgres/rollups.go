package postgres

import (
	"context"
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
	rows, err := s.db.Query(ctx, s.sql(`SELECT r.i, `+schema.SumList("sum(x.%s)::bigint", counters)+`
		FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(lo, hi, i)
		JOIN {schema}.rollups x ON x.tenant_id = $1 AND x.bucket >= r.lo AND x.bucket < r.hi
		GROUP BY r.i`), tenantID, from, to)
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

// AddCounts adds the changes in one upsert from parallel arrays, in bucket
// order, then deletes the buckets left without alerts.
func (w writeTx) AddCounts(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCounts) error {
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
	if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollups (tenant_id, bucket, `+schema.CountList("%s")+`)
		SELECT $1, u.* FROM unnest($2::bigint[], `+joinComma(arrays)+`) AS u
		ON CONFLICT (tenant_id, bucket) DO UPDATE SET `+schema.CountList("%s = rollups.%s + excluded.%s")), args...); err != nil {
		return err
	}
	if len(emptied) > 0 {
		if _, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.rollups WHERE tenant_id = $1 AND bucket = ANY($2) AND alerts = 0`),
			tenantID, emptied); err != nil {
			return err
		}
	}
	return nil
}

func joinComma(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

// AddCategories adds the changes in one upsert, then deletes the counts
// left at zero.
func (w writeTx) AddCategories(ctx context.Context, tenantID uuid.UUID, changes []store.BucketCategory) error {
	buckets, cats, counts := make([]int64, len(changes)), make([]string, len(changes)), make([]int64, len(changes))
	for i, c := range changes {
		buckets[i], cats[i], counts[i] = c.Bucket, c.Category, c.Count
	}
	if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollup_categories (tenant_id, bucket, category, alerts)
		SELECT $1, u.* FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS u
		ON CONFLICT (tenant_id, bucket, category) DO UPDATE SET alerts = rollup_categories.alerts + excluded.alerts`),
		tenantID, buckets, cats, counts); err != nil {
		return err
	}
	_, err := w.tx.Exec(ctx, w.s.sql(`DELETE FROM {schema}.rollup_categories c USING unnest($2::bigint[], $3::text[]) AS u(b, g)
		WHERE c.tenant_id = $1 AND c.bucket = u.b AND c.category = u.g AND c.alerts = 0`), tenantID, buckets, cats)
	return err
}

// LockDayTimes first reserves a row for every day that has none, so that
// two transactions creating the same day's times do not both start from
// nothing (the second waits for the first), then locks the rows in day
// order. Reserved rows hold no times until WriteDayTimes fills or drops
// them in the same transaction.
func (w writeTx) LockDayTimes(ctx context.Context, tenantID uuid.UUID, days []int64) ([]store.DayTimes, error) {
	if _, err := w.tx.Exec(ctx, w.s.sql(`INSERT INTO {schema}.rollup_times (tenant_id, day, acknowledge_times, resolve_times)
		SELECT $1, d, '', '' FROM unnest($2::bigint[]) AS d ORDER BY d
		ON CONFLICT (tenant_id, day) DO NOTHING`), tenantID, days); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.sql(`SELECT day, acknowledge_times, resolve_times FROM {schema}.rollup_times
		WHERE tenant_id = $1 AND day = ANY($2) ORDER BY day FOR UPDATE`), tenantID, days)
	if err != nil {
		return nil, err
	}
	var out []store.DayTimes
	err = eachDayTimes(rows, func(dt *store.DayTimes) error {
		out = append(out, store.DayTimes{Day: dt.Day, AcknowledgeTimes: clone(dt.AcknowledgeTimes), ResolveTimes: clone(dt.ResolveTimes)})
		return nil
	})
	return out, err
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
