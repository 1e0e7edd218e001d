package rollup

import (
	"cmp"
	"slices"

	"github.com/alertanalytics/alertanalytics/store"
)

// Delta is how one transaction changes a tenant's kept totals: counters
// and category counts to add per bucket, and packed times to insert and to
// remove per day.
type Delta struct {
	counts     map[int64]*store.Counts
	categories map[bucketCategory]int64
	days       map[int64]*dayDelta
}

type bucketCategory struct {
	bucket   int64
	category string
}

type dayDelta struct{ ackAdd, ackDel, resAdd, resDel []uint64 }

// Add adds (sign 1) or takes away (sign −1) one alert's contribution.
func (d *Delta) Add(c *Contribution, sign int64) {
	if d.counts == nil {
		d.counts, d.categories, d.days = map[int64]*store.Counts{}, map[bucketCategory]int64{}, map[int64]*dayDelta{}
	}
	cs := d.counts[c.Bucket]
	if cs == nil {
		cs = new(store.Counts)
		d.counts[c.Bucket] = cs
	}
	for i, v := range c.Counts {
		cs[i] += sign * v
	}
	d.categories[bucketCategory{c.Bucket, c.Category}] += sign
	if c.Counts[store.CountAcknowledged] == 0 && c.Counts[store.CountResolvedAt] == 0 {
		return
	}
	day := d.days[DayOf(c.Bucket)]
	if day == nil {
		day = &dayDelta{}
		d.days[DayOf(c.Bucket)] = day
	}
	if c.Counts[store.CountAcknowledged] == 1 {
		day.ackAdd, day.ackDel = addKey(day.ackAdd, day.ackDel, c.AcknowledgeKey, sign)
	}
	if c.Counts[store.CountResolvedAt] == 1 {
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

// Counts returns the non-zero counter changes by bucket ascending: the
// order backends apply them in, so concurrent writers never wait on each
// other in a cycle.
func (d *Delta) Counts() []store.BucketCounts {
	out := make([]store.BucketCounts, 0, len(d.counts))
	for b, c := range d.counts {
		if *c != (store.Counts{}) {
			out = append(out, store.BucketCounts{Bucket: b, Counts: *c})
		}
	}
	slices.SortFunc(out, func(x, y store.BucketCounts) int { return cmp.Compare(x.Bucket, y.Bucket) })
	return out
}

// Categories returns the non-zero category changes by bucket, then
// category.
func (d *Delta) Categories() []store.BucketCategory {
	out := make([]store.BucketCategory, 0, len(d.categories))
	for k, n := range d.categories {
		if n != 0 {
			out = append(out, store.BucketCategory{Bucket: k.bucket, Category: k.category, Count: n})
		}
	}
	slices.SortFunc(out, func(x, y store.BucketCategory) int {
		return cmp.Or(cmp.Compare(x.Bucket, y.Bucket), cmp.Compare(x.Category, y.Category))
	})
	return out
}

// Days returns the days whose times change, ascending.
func (d *Delta) Days() []int64 {
	out := make([]int64, 0, len(d.days))
	for day, dd := range d.days {
		if len(dd.ackAdd)+len(dd.ackDel)+len(dd.resAdd)+len(dd.resDel) > 0 {
			out = append(out, day)
		}
	}
	slices.Sort(out)
	return out
}

// ApplyTimes applies the delta of dt's day to dt. It reports false when
// the day is left with no times, so the row can go.
func (d *Delta) ApplyTimes(dt *store.DayTimes) (keep bool, err error) {
	dd := d.days[dt.Day]
	if dd == nil {
		return len(dt.AcknowledgeTimes)+len(dt.ResolveTimes) > 0, nil
	}
	if dt.AcknowledgeTimes, err = applyKeys(dt.AcknowledgeTimes, dd.ackAdd, dd.ackDel); err != nil {
		return false, err
	}
	if dt.ResolveTimes, err = applyKeys(dt.ResolveTimes, dd.resAdd, dd.resDel); err != nil {
		return false, err
	}
	return len(dt.AcknowledgeTimes)+len(dt.ResolveTimes) > 0, nil
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

// Times returns the packed times of the alerts added, by day ascending.
func (b *Builder) Times() ([]store.DayTimes, error) {
	var out []store.DayTimes
	for _, day := range b.d.Days() {
		dt := store.DayTimes{Day: day}
		keep, err := b.d.ApplyTimes(&dt)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, dt)
		}
	}
	return out, nil
}
