package rollup

import (
	"github.com/alertanalytics/alertanalytics/store"
)

// sumCounts returns, for each range, the sums of the tenant's kept
// counters of the buckets in it: the counters named by their indexes in
// counters, the others left 0 (as are ranges with no buckets kept).
func sumCounts(w *windowRead, ranges []BucketRange, counters []int) ([]Counts, error) {
	return SumCounts(ranges, counters, w.days(store.DayCounts))
}

// eachCounts calls fn, in bucket order, with the tenant's kept counters of
// every bucket in [from, to) that has alerts.
func eachCounts(w *windowRead, from, to int64, fn func(bucket int64, c *Counts) error) error {
	return EachCounts(from, to, w.days(store.DayCounts), fn)
}

// sumCategories returns the tenant's kept alert counts per category over
// the buckets in [from, to), categories without alerts left out, in no
// particular order.
func sumCategories(w *windowRead, from, to int64) ([]CategoryCount, error) {
	return SumCategories(from, to, w.days(store.DayCategories))
}

// sumKinds returns the tenant's kept counters per kind of alert over the
// buckets in [from, to), kinds without alerts left out.
func sumKinds(w *windowRead, from, to int64) ([]KindCount, error) {
	return SumKinds(from, to, w.days(store.DayKinds))
}

// eachDayGroups calls fn, in day order, with the tenant's kept groups of
// every UTC day in [from, to) that has any; the bytes are valid during the
// call only.
func eachDayGroups(w *windowRead, from, to int64, fn func(day int64, groups []byte) error) error {
	return w.days(store.DayGroups)(from, to, fn)
}

// eachRow calls fn with each correction alert of the read and its sign.
func (w *windowRead) eachRow(fn func(a *store.Alert, sign int64) error) error {
	return w.rows(func(_ int, a *store.Alert, sign int64) error { return fn(a, sign) })
}
