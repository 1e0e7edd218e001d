package rollup

import (
	"bytes"
	"fmt"

	"github.com/alertanalytics/alertanalytics/store"
)

// Merge adds o, a row kept for the same day, to d: counters and category,
// kind and group counts add up, packed times are united. Backends may keep
// a day as several rows (stripes written by concurrent transactions);
// reads and writes fold them with Merge, so one row or many give the same
// answers.
func Merge(d, o *Day) error {
	if o.Day != d.Day {
		return fmt.Errorf("rollup: merge day %d into day %d", o.Day, d.Day)
	}
	dd := newDayDelta()
	start := DayStart(d.Day)
	err := DecodeCounts(o.Day, o.Counts, func(bucket int64, c *Counts) {
		entry(dd.counts, int(bucket-start), func() *Counts { return new(Counts) }).Add(c)
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

// Runs hands Fn one row per day when a day may be kept as several rows
// (stripes): Add takes each row store.Store's DayRows passes, in day
// order, with the columns it read and the number of rows its day has
// (DayRow.Stripes), then Flush. A day of one row passes straight through,
// its bytes uncopied; the rows of a day of several are merged (Merge)
// first.
type Runs struct {
	Fn func(d *Day) error

	left   int
	merged Day
}

// Add takes one row of a day that has n rows in all.
func (r *Runs) Add(n int, part *Day) error {
	if r.left > 0 {
		if part.Day != r.merged.Day {
			return fmt.Errorf("rollup: day %d ended after fewer rows than counted", r.merged.Day)
		}
		if err := Merge(&r.merged, part); err != nil {
			return err
		}
		if r.left--; r.left == 0 {
			return r.Fn(&r.merged)
		}
		return nil
	}
	if n <= 1 {
		return r.Fn(part)
	}
	// The part's bytes may be valid during the call only: keep a copy.
	r.merged, r.left = Day{Day: part.Day, Stripe: part.Stripe}, n-1
	for _, c := range store.AllDayColumns.Columns() {
		*r.merged.Column(c) = bytes.Clone(*part.Column(c))
	}
	return nil
}

// Flush reports a day whose rows ended early.
func (r *Runs) Flush() error {
	if r.left > 0 {
		return fmt.Errorf("rollup: day %d ended after fewer rows than counted", r.merged.Day)
	}
	return nil
}
