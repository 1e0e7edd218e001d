package rollup

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Visitor receives the pieces of a period: whole buckets from the kept
// rollups, and single alerts read from rows where an instant cuts a bucket.
// Either function may be nil.
type Visitor struct {
	Rollup func(r *store.Rollup) error
	Alert  func(a *store.Alert) error
}

// Each visits [from, to) of the tenant's alerts by created_at. Every alert
// in it is seen exactly once: in its bucket's rollup, or as a row when its
// bucket is cut by from, to or one of cuts (an instant that must not fall
// inside a rollup, such as a day start off the quarter hour).
func Each(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, cuts []time.Time, parts store.RollupParts, v Visitor) error {
	if !from.Before(to) {
		return nil
	}
	first, last := BucketOf(from), BucketOf(to.Add(-time.Millisecond))
	var rows []int64 // the buckets read from rows
	for _, x := range append([]time.Time{from, to}, cuts...) {
		if !aligned(x) && !x.Before(from) && x.Before(to.Add(time.Millisecond)) {
			if b := BucketOf(x); b >= first && b <= last {
				rows = append(rows, b)
			}
		}
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	if v.Rollup != nil {
		err := st.Rollups(ctx, tenantID, first, last+1, parts, func(r *store.Rollup) error {
			if _, cut := slices.BinarySearch(rows, r.Bucket); cut {
				return nil
			}
			return v.Rollup(r)
		})
		if err != nil {
			return err
		}
	}
	if v.Alert == nil {
		return nil
	}
	for _, b := range rows {
		lo, hi := BucketStart(b), BucketStart(b+1)
		if lo.Before(from) {
			lo = from
		}
		if hi.After(to) {
			hi = to
		}
		if err := st.AlertFacts(ctx, tenantID, lo, hi, v.Alert); err != nil {
			return err
		}
	}
	return nil
}

// DayTotals sums the alerts created in each of the days bounds delimits:
// day i holds created_at in [bounds[i], bounds[i+1]).
func DayTotals(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time) ([]store.DayTotals, error) {
	counts := make([]Counts, len(bounds)-1)
	dayOf := func(t time.Time) int {
		return sort.Search(len(bounds), func(i int) bool { return bounds[i].After(t) }) - 1
	}
	var c Counts
	err := Each(ctx, st, tenantID, bounds[0], bounds[len(bounds)-1], bounds[1:len(bounds)-1], 0, Visitor{
		Rollup: func(r *store.Rollup) error {
			if err := DecodeCounts(r.Counts, &c); err != nil {
				return err
			}
			counts[dayOf(BucketStart(r.Bucket))].Add(&c)
			return nil
		},
		Alert: func(a *store.Alert) error {
			contrib := Of(a)
			counts[dayOf(a.CreatedAt)].Add(&contrib.Counts)
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.DayTotals, len(counts))
	for i := range counts {
		out[i] = dayTotals(&counts[i])
	}
	return out, nil
}

func dayTotals(c *Counts) store.DayTotals {
	t := store.NewDayTotals()
	t.Count = c[Alerts]
	for i, p := range store.Priorities() {
		t.ByPriority[p] = c.ByPriority(i)
	}
	for i, tc := range store.TypeClasses() {
		t.ByTypeClass[tc] = c.ByTypeClass(i)
	}
	t.Resolved, t.Open = c[Resolved], c[Open]
	t.PreventedSavingsCents = c[PreventedSavingsCents]
	t.AcknowledgedCount, t.AcknowledgeSeconds = c[Acknowledged], c[AcknowledgeSeconds]
	return t
}

// TopCategories returns the limit categories with most alerts created in
// [from, to), by count descending then category ascending in byte order.
func TopCategories(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, limit int) ([]store.CategoryCount, error) {
	counts := map[string]int64{}
	err := Each(ctx, st, tenantID, from, to, nil, store.RollupCategories, Visitor{
		Rollup: func(r *store.Rollup) error {
			return EachCategory(r.Categories, func(name []byte, n int64) { counts[string(name)] += n })
		},
		Alert: func(a *store.Alert) error { counts[a.Category]++; return nil },
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.CategoryCount, 0, len(counts))
	for name, n := range counts {
		if n > 0 {
			out = append(out, store.CategoryCount{Category: name, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b store.CategoryCount) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		if a.Category < b.Category {
			return -1
		}
		return 1
	})
	return out[:min(limit, len(out))], nil
}

// Buffers holds the scratch space of a response-time read, so that
// repeated reads allocate nothing once warm. The zero value is ready.
type Buffers struct{ ack, res, tmp []uint64 }

// TimeKeys collects the packed times to acknowledge and to resolve of the
// alerts created in [from, to), sorted ascending, into bufs.
func TimeKeys(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, bufs *Buffers) (ack, res []uint64, err error) {
	bufs.ack, bufs.res = bufs.ack[:0], bufs.res[:0]
	err = Each(ctx, st, tenantID, from, to, nil, store.RollupTimes, Visitor{
		Rollup: func(r *store.Rollup) (err error) {
			if bufs.ack, err = DecodeKeys(bufs.ack, r.AcknowledgeTimes); err != nil {
				return err
			}
			bufs.res, err = DecodeKeys(bufs.res, r.ResolveTimes)
			return err
		},
		Alert: func(a *store.Alert) error {
			c := Of(a)
			if c.Counts[Acknowledged] == 1 {
				bufs.ack = append(bufs.ack, c.AcknowledgeKey)
			}
			if c.Counts[ResolvedAt] == 1 {
				bufs.res = append(bufs.res, c.ResolveKey)
			}
			return nil
		},
	})
	if err != nil {
		return nil, nil, err
	}
	bufs.ack, bufs.tmp = SortKeys(bufs.ack, bufs.tmp)
	bufs.res, bufs.tmp = SortKeys(bufs.res, bufs.tmp)
	return bufs.ack, bufs.res, nil
}

// ResponseTimes returns the time-to-acknowledge and time-to-resolve
// distributions of the alerts created in [from, to), overall and per
// priority, with exact nearest-rank percentiles.
func ResponseTimes(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, bufs *Buffers) (store.ResponseTimes, error) {
	ack, res, err := TimeKeys(ctx, st, tenantID, from, to, bufs)
	if err != nil {
		return store.ResponseTimes{}, err
	}
	rt := store.ResponseTimes{}
	rt.Acknowledge, rt.AcknowledgeByPriority = Distributions(ack)
	rt.Resolve, rt.ResolveByPriority = Distributions(res)
	return rt, nil
}

// Distributions summarises sorted keys: overall and per priority, every
// priority present, with nearest-rank percentiles.
func Distributions(keys []uint64) (store.Distribution, map[store.Priority]store.Distribution) {
	var per [4]store.Distribution
	for _, k := range keys {
		d := &per[KeyPriority(k)]
		d.Count++
		d.SumSeconds += KeySeconds(k)
	}
	overall := store.Distribution{Count: int64(len(keys))}
	for i := range per {
		overall.SumSeconds += per[i].SumSeconds
	}
	pcts := store.Percentiles()
	if overall.Count > 0 {
		for j, p := range pcts {
			overall.SetPercentile(j, KeySeconds(keys[store.NearestRank(p, overall.Count)-1]))
		}
	}
	// Per priority, the values come in ascending order within each
	// priority too; the rank-th of a priority is picked on the way.
	var ranks [4][]int64
	for i := range per {
		for _, p := range pcts {
			ranks[i] = append(ranks[i], store.NearestRank(p, per[i].Count))
		}
	}
	var seen [4]int64
	for _, k := range keys {
		p := KeyPriority(k)
		seen[p]++
		for j, r := range ranks[p] {
			if r == seen[p] {
				per[p].SetPercentile(j, KeySeconds(k))
			}
		}
	}
	byPriority := make(map[store.Priority]store.Distribution, 4)
	for i, p := range store.Priorities() {
		byPriority[p] = per[i]
	}
	return overall, byPriority
}

// SortKeys sorts keys ascending with a least-significant-digit radix sort
// (8 bits a pass, only as many passes as the largest key needs), using tmp
// as scratch. It returns the sorted slice and the scratch, either of which
// may be the other's former backing array.
func SortKeys(keys, tmp []uint64) (sorted, scratch []uint64) {
	if len(keys) < 64 {
		slices.Sort(keys)
		return keys, tmp
	}
	var max uint64
	for _, k := range keys {
		if k > max {
			max = k
		}
	}
	if cap(tmp) < len(keys) {
		tmp = make([]uint64, len(keys))
	}
	tmp = tmp[:len(keys)]
	src, dst := keys, tmp
	for shift := uint(0); shift < 64 && max>>shift != 0; shift += 8 {
		var count [257]int
		for _, k := range src {
			count[(k>>shift)&0xff+1]++
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, k := range src {
			d := (k >> shift) & 0xff
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	return src, dst
}
