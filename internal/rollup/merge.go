package rollup

import (
	"fmt"

	"github.com/alertanalytics/alertanalytics/store"
)

// Merge adds o, a row kept for the same day, to d: counters and category,
// kind and group counts add up, packed times are united. Backends may keep
// a day as several rows (stripes written by concurrent transactions);
// reads and writes fold them with Merge, so one row or many give the same
// answers.
func (d *Day) Merge(o *Day) error {
	if o.Day != d.Day {
		return fmt.Errorf("rollup: merge day %d into day %d", o.Day, d.Day)
	}
	dd := &dayDelta{counts: map[int]*store.Counts{}, categories: map[slotCategory]int64{}, kinds: map[slotKind]KindCounts{},
		groups: map[groupID]*groupDelta{}}
	start := DayStart(d.Day)
	err := DecodeCounts(o.Day, o.Counts, func(bucket int64, c *store.Counts) {
		entry(dd.counts, int(bucket-start), func() *store.Counts { return new(store.Counts) }).Add(c)
	})
	if err != nil {
		return err
	}
	if err := DecodeCategories(o.Day, o.Categories, func(name []byte, bucket, n int64) {
		dd.categories[slotCategory{int(bucket - start), string(name)}] += n
	}); err != nil {
		return err
	}
	if err := DecodeKinds(o.Day, o.Kinds, func(alertType, service []byte, bucket int64, c KindCounts) {
		k := slotKind{int(bucket - start), string(alertType), string(service)}
		dd.kinds[k] = dd.kinds[k].add(c, 1)
	}); err != nil {
		return err
	}
	err = DecodeGroups(o.Groups, func(g *Group) error {
		gd := entry(dd.groups, groupID{g.Field, string(g.Key)}, func() *groupDelta { return &groupDelta{counts: map[int]GroupCounts{}} })
		if err := g.EachCount(o.Day, func(bucket int64, c GroupCounts) {
			slot := int(bucket - start)
			gd.counts[slot] = gd.counts[slot].add(c, 1)
		}); err != nil {
			return err
		}
		var err error
		if gd.ackAdd, err = DecodeKeys(gd.ackAdd, g.AcknowledgeTimes); err != nil {
			return err
		}
		gd.resAdd, err = DecodeKeys(gd.resAdd, g.ResolveTimes)
		return err
	})
	if err != nil {
		return err
	}
	if dd.ackAdd, err = DecodeKeys(nil, o.AcknowledgeTimes); err != nil {
		return err
	}
	if dd.resAdd, err = DecodeKeys(nil, o.ResolveTimes); err != nil {
		return err
	}
	dl := Delta{days: map[int64]*dayDelta{d.Day: dd}}
	return dl.ApplyDay(d)
}

// Column names one encoded column of a kept day, as backends name them in
// their tables.
type Column string

// The columns of a kept day.
const (
	ColumnCounts           Column = "counts"
	ColumnCategories       Column = "categories"
	ColumnKinds            Column = "kinds"
	ColumnAcknowledgeTimes Column = "acknowledge_times"
	ColumnResolveTimes     Column = "resolve_times"
	ColumnGroups           Column = "groups"
)

// field returns the column's field of d.
func (c Column) field(d *Day) *[]byte {
	switch c {
	case ColumnCounts:
		return &d.Counts
	case ColumnCategories:
		return &d.Categories
	case ColumnKinds:
		return &d.Kinds
	case ColumnAcknowledgeTimes:
		return &d.AcknowledgeTimes
	case ColumnResolveTimes:
		return &d.ResolveTimes
	case ColumnGroups:
		return &d.Groups
	}
	return nil
}

// MergeColumn returns one column of a day kept as two rows, a and b,
// merged as Day.Merge merges whole rows. The result is newly allocated.
func MergeColumn(c Column, day int64, a, b []byte) ([]byte, error) {
	into, from := Day{Day: day}, Day{Day: day}
	f := c.field(&into)
	if f == nil {
		return nil, fmt.Errorf("rollup: unknown column %q", c)
	}
	*f = append([]byte(nil), a...)
	*c.field(&from) = b
	if err := into.Merge(&from); err != nil {
		return nil, err
	}
	return *f, nil
}

// Runs hands fn one column per day when a day may be kept as several
// rows: a backend calls Add with each row in day order and the number of
// rows its day has (one SQL window count), then Flush. A day of one row
// passes straight through, its bytes uncopied; the rows of a day of
// several are merged first.
type Runs struct {
	Column Column
	Fn     func(day int64, b []byte) error

	day  int64
	left int
	buf  []byte
}

// Add takes one row of day, whose day has n rows in all.
func (r *Runs) Add(day int64, n int, b []byte) error {
	if r.left > 0 && day == r.day {
		merged, err := MergeColumn(r.Column, day, r.buf, b)
		if err != nil {
			return err
		}
		r.buf = merged
		if r.left--; r.left == 0 {
			return r.Fn(day, r.buf)
		}
		return nil
	}
	if r.left > 0 {
		return fmt.Errorf("rollup: day %d ended after fewer rows than counted", r.day)
	}
	if n <= 1 {
		return r.Fn(day, b)
	}
	r.day, r.left, r.buf = day, n-1, append(r.buf[:0], b...)
	return nil
}

// Flush reports a day whose rows ended early.
func (r *Runs) Flush() error {
	if r.left > 0 {
		return fmt.Errorf("rollup: day %d ended after fewer rows than counted", r.day)
	}
	return nil
}
