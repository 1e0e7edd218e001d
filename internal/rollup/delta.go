package rollup

import (
	"cmp"
	"slices"

	"github.com/alertanalytics/alertanalytics/store"
)

// Delta is how one transaction changes a tenant's kept totals, by UTC
// day: counters and category counts to add per bucket, and packed times to
// insert and to remove.
type Delta struct {
	days map[int64]*dayDelta
}

type slotCategory struct {
	slot     int
	category string
}

// slotKind is a kind of alert in one bucket of a day.
type slotKind struct {
	slot               int
	alertType, service string
}

type dayDelta struct {
	counts                         map[int]*Counts
	categories                     map[slotCategory]int64
	kinds                          map[slotKind]KindCounts
	groups                         map[groupID]*groupDelta
	ackAdd, ackDel, resAdd, resDel []uint64
}

// newDayDelta returns an empty change of one day.
func newDayDelta() *dayDelta {
	return &dayDelta{counts: map[int]*Counts{}, categories: map[slotCategory]int64{}, kinds: map[slotKind]KindCounts{},
		groups: map[groupID]*groupDelta{}}
}

// Add adds (sign 1) or takes away (sign −1) one alert's contribution.
func (d *Delta) Add(c *Contribution, sign int64) {
	if d.days == nil {
		d.days = map[int64]*dayDelta{}
	}
	dayOf := DayOf(c.Bucket)
	day := entry(d.days, dayOf, newDayDelta)
	slot := int(c.Bucket - DayStart(dayOf))
	cs := entry(day.counts, slot, func() *Counts { return new(Counts) })
	for i, v := range c.Counts {
		cs[i] += sign * v
	}
	day.categories[slotCategory{slot, c.Category}] += sign
	k := slotKind{slot, c.AlertType, c.Service}
	day.kinds[k] = day.kinds[k].add(c.kindCounts(), sign)
	day.addGroups(c, slot, sign)
	if c.Counts[CountAcknowledged] == 1 {
		day.ackAdd, day.ackDel = addKey(day.ackAdd, day.ackDel, c.AcknowledgeKey, sign)
	}
	if c.Counts[CountResolvedAt] == 1 {
		day.resAdd, day.resDel = addKey(day.resAdd, day.resDel, c.ResolveKey, sign)
	}
}

// addKey records an insertion (sign 1) or a removal (−1) of k, cancelling
// the opposite one when there is one.
func addKey(add, del []uint64, k uint64, sign int64) ([]uint64, []uint64) {
	if sign < 0 {
		add, del = del, add
	}
	if i := slices.Index(del, k); i >= 0 {
		del = slices.Delete(del, i, i+1)
	} else {
		add = append(add, k)
	}
	if sign < 0 {
		add, del = del, add
	}
	return add, del
}

// Counts returns the non-zero counter changes by bucket ascending.
func (d *Delta) Counts() []BucketCounts {
	var out []BucketCounts
	for day, dd := range d.days {
		for slot, c := range dd.counts {
			if *c != (Counts{}) {
				out = append(out, BucketCounts{Bucket: DayStart(day) + int64(slot), Counts: *c})
			}
		}
	}
	slices.SortFunc(out, func(x, y BucketCounts) int { return cmp.Compare(x.Bucket, y.Bucket) })
	return out
}

// Categories returns the non-zero category changes by bucket, then
// category.
func (d *Delta) Categories() []BucketCategory {
	var out []BucketCategory
	for day, dd := range d.days {
		for k, n := range dd.categories {
			if n != 0 {
				out = append(out, BucketCategory{Bucket: DayStart(day) + int64(k.slot), Category: k.category, Count: n})
			}
		}
	}
	slices.SortFunc(out, func(x, y BucketCategory) int {
		return cmp.Or(cmp.Compare(x.Bucket, y.Bucket), cmp.Compare(x.Category, y.Category))
	})
	return out
}

// Kinds returns the non-zero changes of the kinds' counters by bucket,
// then alert type, then service.
func (d *Delta) Kinds() []BucketKind {
	var out []BucketKind
	for day, dd := range d.days {
		for k, c := range dd.kinds {
			if c != (KindCounts{}) {
				out = append(out, BucketKind{Bucket: DayStart(day) + int64(k.slot), AlertType: k.alertType, Service: k.service, Counts: c})
			}
		}
	}
	slices.SortFunc(out, func(x, y BucketKind) int {
		return cmp.Or(cmp.Compare(x.Bucket, y.Bucket), cmp.Compare(x.AlertType, y.AlertType), cmp.Compare(x.Service, y.Service))
	})
	return out
}

// BucketKind is a change of one bucket's counters of a kind of alert.
type BucketKind struct {
	Bucket             int64
	AlertType, Service string
	Counts             KindCounts
}

// Days returns the days the delta changes, ascending: the order backends
// lock them in, so concurrent writers never wait on each other in a cycle.
func (d *Delta) Days() []int64 {
	out := make([]int64, 0, len(d.days))
	for day, dd := range d.days {
		if dd.changes() {
			out = append(out, day)
		}
	}
	slices.Sort(out)
	return out
}

func (dd *dayDelta) changes() bool {
	if len(dd.ackAdd)+len(dd.ackDel)+len(dd.resAdd)+len(dd.resDel) > 0 {
		return true
	}
	for _, c := range dd.counts {
		if *c != (Counts{}) {
			return true
		}
	}
	for _, n := range dd.categories {
		if n != 0 {
			return true
		}
	}
	for _, k := range dd.kinds {
		if k != (KindCounts{}) {
			return true
		}
	}
	for _, g := range dd.groups {
		if g.changes() {
			return true
		}
	}
	return false
}

func applyKeys(enc []byte, add, del []uint64) ([]byte, error) {
	if len(add) == 0 && len(del) == 0 {
		return enc, nil
	}
	keys, err := DecodeKeys(nil, enc)
	if err != nil {
		return nil, err
	}
	for _, k := range del {
		if i, found := slices.BinarySearch(keys, k); found {
			keys = slices.Delete(keys, i, i+1)
		}
	}
	keys = append(keys, add...)
	slices.Sort(keys)
	return AppendKeys(nil, keys), nil
}

// Builder computes the kept totals afresh from alert rows: what the kept
// ones must equal. Migrations build the totals of existing data with it,
// and checks compare against it.
type Builder struct{ d Delta }

// Add counts one alert.
func (b *Builder) Add(a *store.Alert) {
	c := Of(a)
	b.d.Add(&c, 1)
}

// Delta returns the totals of the alerts added, as a change from nothing.
func (b *Builder) Delta() *Delta { return &b.d }

// Days returns the days of the alerts added, ascending, as a backend
// keeps them.
func (b *Builder) Days() ([]Day, error) {
	var out []Day
	for _, day := range b.d.Days() {
		d := Day{Day: day}
		if err := b.d.ApplyDay(&d); err != nil {
			return nil, err
		}
		if !d.Empty() {
			out = append(out, d)
		}
	}
	return out, nil
}

// Times returns the packed times of the alerts added, by day ascending.
func (b *Builder) Times() ([]DayTimes, error) {
	days, err := b.Days()
	if err != nil {
		return nil, err
	}
	var out []DayTimes
	for _, d := range days {
		if len(d.AcknowledgeTimes)+len(d.ResolveTimes) > 0 {
			out = append(out, DayTimes{Day: d.Day, AcknowledgeTimes: d.AcknowledgeTimes, ResolveTimes: d.ResolveTimes})
		}
	}
	return out, nil
}

// Removes reports whether the delta takes packed times away (an alert
// leaving, or an earlier acknowledgement replacing a kept one). A time is
// removed from the row that holds it, so a writer whose delta removes
// folds every row of the day into one first (see Day.Merge); a delta that
// only adds may go to any row of the day.
func (d *Delta) Removes() bool {
	for _, dd := range d.days {
		if len(dd.ackDel)+len(dd.resDel) > 0 {
			return true
		}
		for _, g := range dd.groups {
			if len(g.ackDel)+len(g.resDel) > 0 {
				return true
			}
		}
	}
	return false
}
