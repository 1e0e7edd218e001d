package rollup

import (
	"context"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// eachDay reads one column of the tenant's kept days through the store's
// DayRows, as EachDayBytes does: a day kept as one row passes its bytes
// uncopied; the stripes of a day kept as several are merged first (Runs).
func eachDay(ctx context.Context, st store.Store, tenantID uuid.UUID, col store.DayColumns) EachDayBytes {
	return func(from, to int64, fn func(int64, []byte) error) error {
		runs := Runs{Fn: func(d *Day) error { return fn(d.Day, *d.Column(col)) }}
		if err := st.DayRows(ctx, tenantID, from, to, col, func(r *store.DayRow) error { return runs.Add(r.Stripes, r) }); err != nil {
			return err
		}
		return runs.Flush()
	}
}

// sumCounts returns, for each range, the sums of the tenant's kept
// counters of the buckets in it: the counters named by their indexes in
// counters, the others left 0 (as are ranges with no buckets kept).
func sumCounts(ctx context.Context, st store.Store, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	return SumCounts(ranges, counters, eachDay(ctx, st, tenantID, store.DayCounts))
}

// eachCounts calls fn, in bucket order, with the tenant's kept counters of
// every bucket in [from, to) that has alerts.
func eachCounts(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to int64, fn func(bucket int64, c *store.Counts) error) error {
	return EachCounts(from, to, eachDay(ctx, st, tenantID, store.DayCounts), fn)
}

// sumCategories returns the tenant's kept alert counts per category over
// the buckets in [from, to), categories without alerts left out, in no
// particular order.
func sumCategories(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	return SumCategories(from, to, eachDay(ctx, st, tenantID, store.DayCategories))
}

// sumKinds returns the tenant's kept counters per kind of alert over the
// buckets in [from, to), kinds without alerts left out.
func sumKinds(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to int64) ([]store.KindCount, error) {
	return SumKinds(from, to, eachDay(ctx, st, tenantID, store.DayKinds))
}

// eachDayGroups calls fn, in day order, with the tenant's kept groups of
// every UTC day in [from, to) that has any; the bytes are valid during the
// call only.
func eachDayGroups(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to int64, fn func(day int64, groups []byte) error) error {
	return eachDay(ctx, st, tenantID, store.DayGroups)(from, to, fn)
}

// eachDayTimes calls fn, in day order, with the tenant's kept response
// times of every UTC day in [from, to) that has any; the bytes are valid
// during the call only.
func eachDayTimes(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	var dt store.DayTimes
	runs := Runs{Fn: func(d *Day) error {
		dt = store.DayTimes{Day: d.Day, AcknowledgeTimes: d.AcknowledgeTimes, ResolveTimes: d.ResolveTimes}
		return fn(&dt)
	}}
	err := st.DayRows(ctx, tenantID, from, to, store.DayAcknowledgeTimes|store.DayResolveTimes, func(r *store.DayRow) error {
		return runs.Add(r.Stripes, r)
	})
	if err != nil {
		return err
	}
	return runs.Flush()
}
