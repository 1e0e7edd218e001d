package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/internal/schema"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// querier is what the reads need of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachDay reads one column of the tenant's kept days, as
// rollup.EachDayBytes does; the bytes point into the driver's buffers.
func (s *Store) eachDay(ctx context.Context, tenantID uuid.UUID, column string) rollup.EachDayBytes {
	return func(from, to int64, fn func(int64, []byte) error) error {
		rows, err := s.reader.QueryContext(ctx, `SELECT day, `+column+` FROM alertanalytics_rollup_days
			WHERE tenant_id = ? AND day >= ? AND day < ? ORDER BY day`, tenantID[:], from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			day int64
			b   sql.RawBytes
		)
		for rows.Next() {
			if err := rows.Scan(&day, &b); err != nil {
				return err
			}
			if err := fn(day, b); err != nil {
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
		return nil, fmt.Errorf("sqlite: sum counts: %w", err)
	}
	return out, nil
}

// EachCounts implements store.Store.
func (s *Store) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	if err := rollup.EachCounts(from, to, s.eachDay(ctx, tenantID, "counts"), fn); err != nil {
		return fmt.Errorf("sqlite: each counts: %w", err)
	}
	return nil
}

// SumCategories implements store.Store.
func (s *Store) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	out, err := rollup.SumCategories(from, to, s.eachDay(ctx, tenantID, "categories"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum categories: %w", err)
	}
	return out, nil
}

// SumKinds implements store.Store.
func (s *Store) SumKinds(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.KindCount, error) {
	out, err := rollup.SumKinds(from, to, s.eachDay(ctx, tenantID, "kinds"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: sum kinds: %w", err)
	}
	return out, nil
}

// EachDayGroups implements store.Store.
func (s *Store) EachDayGroups(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, []byte) error) error {
	if err := s.eachDay(ctx, tenantID, "groups")(from, to, fn); err != nil {
		return fmt.Errorf("sqlite: day groups: %w", err)
	}
	return nil
}

// EachDayTimes implements store.Store. The bytes handed to fn point into
// the driver's buffers.
func (s *Store) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT day, acknowledge_times, resolve_times FROM alertanalytics_rollup_days
		WHERE tenant_id = ? AND day >= ? AND day < ? AND (length(acknowledge_times) > 0 OR length(resolve_times) > 0)
		ORDER BY day`, tenantID[:], from, to)
	if err != nil {
		return fmt.Errorf("sqlite: day times: %w", err)
	}
	defer rows.Close()
	var (
		dt       store.DayTimes
		ack, res sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&dt.Day, &ack, &res); err != nil {
			return fmt.Errorf("sqlite: day times: %w", err)
		}
		dt.AcknowledgeTimes, dt.ResolveTimes = ack, res
		if err := fn(&dt); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: day times: %w", err)
	}
	return nil
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
		if _, err := w.exec(ctx, qAddOpenTotal, tenantID[:], string(t.TypeClass), t.Alerts, t.FinancialImpactCents); err != nil {
			return err
		}
	}
	return nil
}

// LockDays reads the days: the single writer already keeps every other
// writer out, so it never waits here and keeps one row a day, whose stripe
// it leaves 0 (writeflow's Tx allows that). Days close together (a batch's usually are) come from one
// range scan, days far apart one by one, so a batch touching two distant
// days does not read every day between.
func (w writeTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, _ bool) ([]rollup.Day, error) {
	var out []rollup.Day
	scan := func(st *sql.Stmt, args ...any) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d rollup.Day
			if err := rows.Scan(&d.Day, &d.Counts, &d.Categories, &d.Kinds, &d.AcknowledgeTimes, &d.ResolveTimes, &d.Groups); err != nil {
				return err
			}
			if _, found := slices.BinarySearch(days, d.Day); found {
				out = append(out, d)
			}
		}
		return rows.Err()
	}
	if first, last := days[0], days[len(days)-1]; last-first < 2*int64(len(days)) {
		st, err := w.stmt(ctx, qLockDayRange)
		if err != nil {
			return nil, err
		}
		return out, scan(st, tenantID[:], first, last)
	}
	st, err := w.stmt(ctx, qLockDay)
	if err != nil {
		return nil, err
	}
	for _, day := range days {
		if err := scan(st, tenantID[:], day); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WriteDays keeps a row per day: stripes are ignored, since the rows it is
// given are the ones LockDays returned, at most one a day.
func (w writeTx) WriteDays(ctx context.Context, tenantID uuid.UUID, put []rollup.Day, drop []rollup.DayKey) error {
	for _, d := range put {
		if _, err := w.exec(ctx, qWriteDay, tenantID[:], d.Day, nonNil(d.Counts), nonNil(d.Categories), nonNil(d.Kinds), nonNil(d.AcknowledgeTimes), nonNil(d.ResolveTimes), nonNil(d.Groups)); err != nil {
			return err
		}
	}
	for _, k := range drop {
		if slices.ContainsFunc(put, func(d rollup.Day) bool { return d.Day == k.Day }) {
			continue
		}
		if _, err := w.exec(ctx, qDropDay, tenantID[:], k.Day); err != nil {
			return err
		}
	}
	return nil
}

// nonNil keeps an empty column an empty blob, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
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
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return writeflow.RebuildRollups(ctx, writeTx{tx: tx}) }); err != nil {
		return fmt.Errorf("sqlite: rebuild rollups: %w", err)
	}
	return nil
}
