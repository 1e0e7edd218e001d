package store

import "time"

// DayOf returns the UTC day of t, as DayRow.Day counts days: Unix
// milliseconds divided by 86,400,000, rounded down.
func DayOf(t time.Time) int64 {
	ms := t.UnixMilli()
	if ms < 0 {
		return (ms+1)/86400000 - 1
	}
	return ms / 86400000
}

// DayRow is one row of a tenant's kept totals for one UTC day (day =
// created_at in Unix milliseconds ÷ 86,400,000). Its columns are opaque
// bytes the root package encodes and decodes; a backend stores and returns
// them exactly as given, an empty column as empty (never NULL where the
// difference shows).
//
// A backend may keep a day as several rows, told apart by Stripe:
// concurrent writers of one tenant then each add to a row no other writer
// holds instead of waiting, and readers fold a day's rows into one. A
// backend that serialises its writes keeps one row a day and may leave
// Stripe 0.
type DayRow struct {
	Day, Stripe int64
	// Stripes is set by Store.DayRows only: the number of rows of this day
	// the read passes on (1 for a day kept as one row).
	Stripes int
	// The columns: the day's counters per 15-minute bucket, its alerts per
	// category and per kind (alert_type, service), its packed times to
	// acknowledge and to resolve, and its per-group totals.
	Counts, Categories, Kinds      []byte
	AcknowledgeTimes, ResolveTimes []byte
	Groups                         []byte
}

// Key returns the day and stripe that name r.
func (r *DayRow) Key() DayKey { return DayKey{Day: r.Day, Stripe: r.Stripe} }

// Empty reports whether every column of r is empty, so its row can go.
func (r *DayRow) Empty() bool {
	return len(r.Counts)+len(r.Categories)+len(r.Kinds)+len(r.AcknowledgeTimes)+len(r.ResolveTimes)+len(r.Groups) == 0
}

// Column returns a pointer to the column c of r, for one column c of
// AllDayColumns, or nil for any other value.
func (r *DayRow) Column(c DayColumns) *[]byte {
	switch c {
	case DayCounts:
		return &r.Counts
	case DayCategories:
		return &r.Categories
	case DayKinds:
		return &r.Kinds
	case DayAcknowledgeTimes:
		return &r.AcknowledgeTimes
	case DayResolveTimes:
		return &r.ResolveTimes
	case DayGroups:
		return &r.Groups
	}
	return nil
}

// DayKey names one day row.
type DayKey struct{ Day, Stripe int64 }

// DayChanges is what one transaction writes to a tenant's day rows (see
// Tx.WriteDays).
type DayChanges struct {
	// Update holds rows LockDays returned, changed.
	Update []DayRow
	// Insert holds new rows: new days, or new stripes of locked ones.
	Insert []DayRow
	// Drop names rows LockDays returned that are to go.
	Drop []DayKey
}

// DayColumns is a set of the columns of a DayRow.
type DayColumns uint8

// The columns of a DayRow, one bit each, in the order of its fields.
const (
	DayCounts DayColumns = 1 << iota
	DayCategories
	DayKinds
	DayAcknowledgeTimes
	DayResolveTimes
	DayGroups

	// AllDayColumns is every column.
	AllDayColumns = DayCounts | DayCategories | DayKinds | DayAcknowledgeTimes | DayResolveTimes | DayGroups
)

// Columns returns the columns of the set one by one, in field order.
func (c DayColumns) Columns() []DayColumns {
	var out []DayColumns
	for b := DayCounts; b <= DayGroups; b <<= 1 {
		if c&b != 0 {
			out = append(out, b)
		}
	}
	return out
}

// Name returns the column's name in the SQL schema of this module's
// backends ("counts", "categories", "kinds", "acknowledge_times",
// "resolve_times", "groups"), for one column c, or "" for any other value.
func (c DayColumns) Name() string {
	switch c {
	case DayCounts:
		return "counts"
	case DayCategories:
		return "categories"
	case DayKinds:
		return "kinds"
	case DayAcknowledgeTimes:
		return "acknowledge_times"
	case DayResolveTimes:
		return "resolve_times"
	case DayGroups:
		return "groups"
	}
	return ""
}
