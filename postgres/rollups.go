package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// querier is what the reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// DayRows implements store.Store: one range scan, with each day's number
// of stripes counted by a window over the day, and a scan of each facts
// range, sent together in one request. The bytes handed to days point into
// pgx's read buffer.
func (s *Store) DayRows(ctx context.Context, tenantID uuid.UUID, q store.DayQuery, days func(*store.DayRow) error, facts func(int, *store.Alert) error) error {
	list := q.Columns.Columns()
	b := &pgx.Batch{}
	readDays := q.FromDay < q.ToDay && len(list) > 0
	if readDays {
		names, nonEmpty := sqlschema.DayColumnList(q.Columns)
		b.Queue(s.sql(`SELECT day, stripe, count(*) OVER (PARTITION BY day), `+names+` FROM {schema}.rollup_days
			WHERE tenant_id = $1 AND day >= $2 AND day < $3 AND (`+nonEmpty+`) ORDER BY day, stripe`), [16]byte(tenantID), q.FromDay, q.ToDay)
	}
	for _, r := range q.Facts {
		b.Queue(s.sql(alertFactsSQL), [16]byte(tenantID), ms(r.From), ms(r.To))
	}
	if b.Len() == 0 {
		return nil
	}
	res := s.db.SendBatch(ctx, b)
	defer res.Close()
	if readDays {
		rows, err := res.Query()
		if err != nil {
			return wrapErr("day rows", err)
		}
		if err := scanDayRows(rows, list, days); err != nil {
			return err
		}
	}
	for i := range q.Facts {
		rows, err := res.Query()
		if err != nil {
			return wrapErr("day rows: facts", err)
		}
		if err := scanFacts(rows, tenantID, func(a *store.Alert) error { return facts(i, a) }); err != nil {
			return wrapErr("day rows: facts", err)
		}
	}
	return wrapErr("day rows", res.Close())
}

// scanDayRows hands the rows of DayRows' day query to fn.
func scanDayRows(rows pgx.Rows, list []store.DayColumns, fn func(*store.DayRow) error) error {
	defer rows.Close()
	var (
		row  store.DayRow
		n    int64
		dest = make([]any, 3+len(list))
	)
	dest[0], dest[1], dest[2] = &row.Day, &row.Stripe, &n
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return wrapErr("day rows", err)
		}
		raw := rows.RawValues()
		for i, c := range list {
			*row.Column(c) = raw[3+i]
		}
		row.Stripes = int(n)
		if err := fn(&row); err != nil {
			return err
		}
	}
	return wrapErr("day rows", rows.Err())
}

// AlertFacts implements store.Store.
func (s *Store) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if err := s.alertFacts(ctx, s.db, tenantID, ms(from), ms(to), fn); err != nil {
		return fmt.Errorf("postgres: alert facts: %w", err)
	}
	return nil
}

func (s *Store) alertFacts(ctx context.Context, q querier, tenantID uuid.UUID, from, to int64, fn func(*store.Alert) error) error {
	rows, err := q.Query(ctx, s.sql(alertFactsSQL), tenantID, from, to)
	if err != nil {
		return err
	}
	return scanFacts(rows, tenantID, fn)
}

// alertFactsSQL reads the facts of a tenant's alerts created in [$2, $3).
const alertFactsSQL = `SELECT ` + sqlschema.FactColumns + ` FROM {schema}.alerts
	WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at, id`

// scanFacts scans rows of sqlschema.FactColumns.
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

// AddOpenTotals queues the changes: they travel with the next statement.
// None waits for a lock, so their place among the transaction's locks
// does not matter.
func (w writeTx) AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error {
	w.tx.pending = append(w.tx.pending, w.openTotalsStatements(tenantID, changes)...)
	return nil
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

// lockedDays collects the locked rows.
func lockedDays(rows pgx.Rows) ([]store.DayRow, error) {
	defer rows.Close()
	var out []store.DayRow
	for rows.Next() {
		var d store.DayRow
		if err := rows.Scan(&d.Day, &d.Stripe, &d.Counts, &d.Categories, &d.Kinds, &d.AcknowledgeTimes, &d.ResolveTimes, &d.Groups); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LockDays locks the rows of the days. One that waits first gives back
// the rows LockAlert read ahead without waiting (rolling back to the
// savepoint before them), so it never waits while holding a day's row.
//
// A waiting lock folds the day's rows into one, so it first takes, in day
// order, an advisory lock per day that only such writers take, and locks
// the rows in a statement of its own after it: two folds of a day never
// overlap. Without it a fold could move a day's rows into a row its
// neighbour's snapshot predates (a stripe inserted meanwhile): that
// statement, waiting on the rows being folded, would find them deleted
// and miss the one they went to, and with it a time it had to remove.
func (w writeTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, wait bool) ([]store.DayRow, error) {
	if wait {
		if w.tx.savepoint {
			w.tx.pending = append([]statement{{sql: `ROLLBACK TO SAVEPOINT read_ahead`}}, w.tx.pending...)
		}
		for _, day := range days {
			w.tx.queue(`SELECT pg_advisory_xact_lock($1)`, w.s.foldLockKey(tenantID, day))
		}
	}
	rows, err := w.tx.Query(ctx, w.s.lockDaysQuery(wait), tenantID, days)
	if err != nil {
		return nil, err
	}
	return lockedDays(rows)
}

// foldLockKey is the key of the advisory lock a writer that folds the
// tenant's rows of the day holds.
func (s *Store) foldLockKey(tenantID uuid.UUID, day int64) int64 {
	return s.advisoryKey("alertanalytics fold ", tenantID, strconv.FormatInt(day, 10))
}

// WriteDays updates the rows the transaction locked and inserts the new
// ones: a new stripe is a plain INSERT, so a stripe id that happened to
// match a row another writer holds fails the transaction on the primary
// key instead of overwriting that row.
func (w writeTx) WriteDays(ctx context.Context, tenantID uuid.UUID, ch store.DayChanges) error {
	update, insert, drop := ch.Update, ch.Insert, ch.Drop
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
func dayArgs(tenantID uuid.UUID, rows []store.DayRow) []any {
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

// Interactions implements store.Store.
func (s *Store) Interactions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	rows, err := s.db.Query(ctx, s.sql(sqlschema.InteractionsQuery("{schema}.alert_interactions", "$1", "$2", "$3")),
		tenantID, ms(from), ms(to))
	if err != nil {
		return wrapErr("interactions", err)
	}
	defer rows.Close()
	in := store.Interaction{TenantID: tenantID}
	var (
		typ string
		at  int64
	)
	dest := []any{&in.AlertID, &in.UserID, &typ, &at, &in.ResponseTimeSeconds}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return wrapErr("interactions", err)
		}
		in.Type, in.InteractedAt = store.InteractionType(typ), fromMS(at)
		if err := fn(&in); err != nil {
			return err
		}
	}
	return wrapErr("interactions", rows.Err())
}

// AcknowledgedAlerts implements store.Store.
func (s *Store) AcknowledgedAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(uuid.UUID) error) error {
	rows, err := s.db.Query(ctx, s.sql(sqlschema.AcknowledgedAlertsQuery("{schema}.alerts", "$1", "$2", "$3")),
		tenantID, ms(from), ms(to))
	if err != nil {
		return wrapErr("acknowledged alerts", err)
	}
	var id uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error { return fn(id) })
	return wrapErr("acknowledged alerts", err)
}

// ResolvedWithin implements store.Store.
func (s *Store) ResolvedWithin(ctx context.Context, tenantID uuid.UUID, from, to time.Time, within time.Duration, fn func(*store.Alert) error) error {
	rows, err := s.db.Query(ctx, s.sql(sqlschema.ResolvedWithinQuery("{schema}.alerts", "$1", "$2", "$3", "$4")),
		tenantID, ms(from), ms(to), within.Milliseconds())
	if err != nil {
		return wrapErr("resolved within", err)
	}
	return wrapErr("resolved within", scanFacts(rows, tenantID, fn))
}
