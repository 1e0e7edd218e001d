package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

// querier is what the reads need of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// DayRows implements store.Store. The single writer keeps one row a day,
// so every row passes with Stripes 1, its bytes pointing into the
// driver's buffers.
func (s *Store) DayRows(ctx context.Context, tenantID uuid.UUID, q store.DayQuery, days func(*store.DayRow) error, facts func(int, *store.Alert) error) error {
	if q.FromDay < q.ToDay {
		if err := s.dayRows(ctx, tenantID, q.FromDay, q.ToDay, q.Columns, days); err != nil {
			return err
		}
	}
	for i, r := range q.Facts {
		if err := alertFacts(ctx, s.reader, tenantID, ms(r.From), ms(r.To), func(a *store.Alert) error { return facts(i, a) }); err != nil {
			return fmt.Errorf("sqlite: day rows: facts: %w", err)
		}
	}
	return nil
}

func (s *Store) dayRows(ctx context.Context, tenantID uuid.UUID, from, to int64, cols store.DayColumns, fn func(*store.DayRow) error) error {
	list := cols.Columns()
	if len(list) == 0 {
		return nil
	}
	names, nonEmpty := sqlschema.DayColumnList(cols)
	rows, err := s.reader.QueryContext(ctx, `SELECT day, `+names+` FROM alertanalytics_rollup_days
		WHERE tenant_id = ? AND day >= ? AND day < ? AND (`+nonEmpty+`) ORDER BY day`, tenantID[:], from, to)
	if err != nil {
		return wrapErr("day rows", err)
	}
	defer rows.Close()
	var (
		row  = store.DayRow{Stripes: 1}
		raw  = make([]sql.RawBytes, len(list))
		dest = make([]any, 1+len(list))
	)
	dest[0] = &row.Day
	for i := range raw {
		dest[1+i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return wrapErr("day rows", err)
		}
		for i, c := range list {
			*row.Column(c) = raw[i]
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
	return wrapErr("day rows", rows.Err())
}

// AlertFacts implements store.Store.
func (s *Store) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	if err := alertFacts(ctx, s.reader, tenantID, ms(from), ms(to), fn); err != nil {
		return fmt.Errorf("sqlite: alert facts: %w", err)
	}
	return nil
}

func alertFacts(ctx context.Context, q querier, tenantID uuid.UUID, from, to int64, fn func(*store.Alert) error) error {
	rows, err := q.QueryContext(ctx, `SELECT `+sqlschema.FactColumns+` FROM alertanalytics_alerts
		WHERE tenant_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id`, tenantID[:], from, to)
	if err != nil {
		return err
	}
	return scanFacts(rows, tenantID, fn)
}

// scanFacts scans rows of sqlschema.FactColumns.
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
func (w writeTx) LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, _ bool) ([]store.DayRow, error) {
	var out []store.DayRow
	scan := func(st *sql.Stmt, args ...any) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d store.DayRow
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
// given are the ones LockDays returned, at most one a day, or a day's
// first row.
func (w writeTx) WriteDays(ctx context.Context, tenantID uuid.UUID, ch store.DayChanges) error {
	put := slices.Concat(ch.Update, ch.Insert)
	for _, d := range put {
		if _, err := w.exec(ctx, qWriteDay, tenantID[:], d.Day, nonNil(d.Counts), nonNil(d.Categories), nonNil(d.Kinds), nonNil(d.AcknowledgeTimes), nonNil(d.ResolveTimes), nonNil(d.Groups)); err != nil {
			return err
		}
	}
	for _, k := range ch.Drop {
		if slices.ContainsFunc(put, func(d store.DayRow) bool { return d.Day == k.Day }) {
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

func (w writeTx) AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error {
	return alertFacts(ctx, w.tx, tenantID, 0, 1<<62, fn)
}

// Interactions implements store.Store.
func (s *Store) Interactions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	rows, err := s.reader.QueryContext(ctx, sqlschema.InteractionsQuery("alertanalytics_alert_interactions", "?", "?", "?"),
		tenantID[:], ms(from), ms(to))
	if err != nil {
		return wrapErr("interactions", err)
	}
	defer rows.Close()
	in := store.Interaction{TenantID: tenantID}
	for rows.Next() {
		var (
			alertID, userID sql.RawBytes
			typ             string
			at              int64
		)
		if err := rows.Scan(&alertID, &userID, &typ, &at, &in.ResponseTimeSeconds); err != nil {
			return wrapErr("interactions", err)
		}
		copy(in.AlertID[:], alertID)
		copy(in.UserID[:], userID)
		in.Type, in.InteractedAt = store.InteractionType(typ), fromMS(at)
		if err := fn(&in); err != nil {
			return err
		}
	}
	return wrapErr("interactions", rows.Err())
}

// AcknowledgedAlerts implements store.Store.
func (s *Store) AcknowledgedAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(uuid.UUID) error) error {
	rows, err := s.reader.QueryContext(ctx, sqlschema.AcknowledgedAlertsQuery("alertanalytics_alerts", "?", "?", "?"),
		tenantID[:], ms(from), ms(to))
	if err != nil {
		return wrapErr("acknowledged alerts", err)
	}
	defer rows.Close()
	var raw sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return wrapErr("acknowledged alerts", err)
		}
		if err := fn(uuid.UUID(raw)); err != nil {
			return err
		}
	}
	return wrapErr("acknowledged alerts", rows.Err())
}

// ResolvedWithin implements store.Store.
func (s *Store) ResolvedWithin(ctx context.Context, tenantID uuid.UUID, from, to time.Time, within time.Duration, fn func(*store.Alert) error) error {
	rows, err := s.reader.QueryContext(ctx, sqlschema.ResolvedWithinQuery("alertanalytics_alerts", "?", "?", "?", "?"),
		tenantID[:], ms(from), ms(to), within.Milliseconds())
	if err != nil {
		return wrapErr("resolved within", err)
	}
	return wrapErr("resolved within", scanFacts(rows, tenantID, fn))
}
