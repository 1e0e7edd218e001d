package rollup

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// segment is how to read [from, to): the whole buckets from the kept
// totals, and the rest — the parts of the buckets from and to cut — from
// rows.
type segment struct {
	buckets store.BucketRange
	rows    [][2]time.Time
}

func split(from, to time.Time) segment {
	if !from.Before(to) {
		return segment{}
	}
	lo, hi := BucketOf(from), BucketOf(to)
	if !aligned(from) {
		lo++
	}
	if lo >= hi {
		return segment{buckets: store.BucketRange{From: lo, To: lo}, rows: [][2]time.Time{{from, to}}}
	}
	seg := segment{buckets: store.BucketRange{From: lo, To: hi}}
	if start := BucketStart(lo); start.After(from) {
		seg.rows = append(seg.rows, [2]time.Time{from, start})
	}
	if end := BucketStart(hi); end.Before(to) {
		seg.rows = append(seg.rows, [2]time.Time{end, to})
	}
	return seg
}

// eachRow calls fn for the alerts of the segments' row parts.
func eachRow(ctx context.Context, st store.Store, tenantID uuid.UUID, rows [][2]time.Time, fn func(*store.Alert) error) error {
	for _, r := range rows {
		if err := st.AlertFacts(ctx, tenantID, r[0], r[1], fn); err != nil {
			return err
		}
	}
	return nil
}

// Period sums the alerts created in the days bounds delimits (day i holds
// created_at in [bounds[i], bounds[i+1])): per day the counters in
// perDay (none: days is nil), and over the whole period the counters in
// total. The database sums the whole buckets of each day; the buckets an
// unaligned bound cuts are read from rows.
func Period(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time, perDay, total []int) (days []store.Counts, sum store.Counts, err error) {
	ranges := make([]store.BucketRange, len(bounds)-1)
	var rows [][2]time.Time
	for i := range ranges {
		seg := split(bounds[i], bounds[i+1])
		ranges[i] = seg.buckets
		rows = append(rows, seg.rows...)
	}
	if len(perDay) > 0 {
		if days, err = st.SumCounts(ctx, tenantID, ranges, perDay); err != nil {
			return nil, sum, err
		}
		if len(days) != len(ranges) {
			return nil, sum, fmt.Errorf("store summed %d ranges, want %d", len(days), len(ranges))
		}
	}
	if len(total) > 0 {
		sums, err := st.SumCounts(ctx, tenantID, merge(ranges), total)
		if err != nil {
			return nil, sum, err
		}
		for i := range sums {
			sum.Add(&sums[i])
		}
	}
	err = eachRow(ctx, st, tenantID, rows, func(a *store.Alert) error {
		c := Of(a)
		if days != nil {
			day := sort.Search(len(bounds), func(i int) bool { return bounds[i].After(a.CreatedAt) }) - 1
			for _, k := range perDay {
				days[day][k] += c.Counts[k]
			}
		}
		for _, k := range total {
			sum[k] += c.Counts[k]
		}
		return nil
	})
	return days, sum, err
}

// merge joins ranges that meet, dropping empty ones.
func merge(ranges []store.BucketRange) []store.BucketRange {
	var out []store.BucketRange
	for _, r := range ranges {
		switch {
		case r.From >= r.To:
		case len(out) > 0 && out[len(out)-1].To == r.From:
			out[len(out)-1].To = r.To
		default:
			out = append(out, r)
		}
	}
	return out
}

// DayTotals sums every counter of each of the days bounds delimits.
func DayTotals(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time) ([]store.DayTotals, error) {
	counts, _, err := Period(ctx, st, tenantID, bounds, store.AllCounters(), nil)
	if err != nil {
		return nil, err
	}
	out := make([]store.DayTotals, len(counts))
	for i := range counts {
		out[i] = dayTotals(&counts[i])
	}
	return out, nil
}

func dayTotals(c *store.Counts) store.DayTotals {
	t := store.NewDayTotals()
	t.Count = c[store.CountAlerts]
	for i, p := range store.Priorities() {
		t.ByPriority[p] = c[store.CountCritical+i]
	}
	for i, tc := range store.TypeClasses() {
		t.ByTypeClass[tc] = c[store.CountActionNeeded+i]
	}
	t.Resolved, t.Open = c[store.CountResolved], c[store.CountOpen]
	t.PreventedSavingsCents = c[store.CountPreventedSavingsCents]
	t.AcknowledgedCount, t.AcknowledgeSeconds = c[store.CountAcknowledged], c[store.CountAcknowledgeSeconds]
	return t
}

// TopCategories returns the limit categories with most alerts created in
// [from, to), by count descending then category ascending in byte order.
func TopCategories(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, limit int) ([]store.CategoryCount, error) {
	seg := split(from, to)
	counts := map[string]int64{}
	if seg.buckets.From < seg.buckets.To {
		kept, err := st.SumCategories(ctx, tenantID, seg.buckets.From, seg.buckets.To)
		if err != nil {
			return nil, err
		}
		for _, c := range kept {
			counts[c.Category] += c.Count
		}
	}
	if err := eachRow(ctx, st, tenantID, seg.rows, func(a *store.Alert) error { counts[a.Category]++; return nil }); err != nil {
		return nil, err
	}
	out := make([]store.CategoryCount, 0, len(counts))
	for name, n := range counts {
		if n > 0 {
			out = append(out, store.CategoryCount{Category: name, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b store.CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Category, b.Category))
	})
	return out[:min(limit, len(out))], nil
}

// Buffers holds the scratch space of a response-time read, so that
// repeated reads allocate nothing once warm. The zero value is ready.
type Buffers struct{ ack, res, tmp []uint64 }

// Kind says which response time a key is: to acknowledge or to resolve.
type Kind int

// The kinds of response time.
const (
	Acknowledge Kind = iota
	Resolve
)

// EachTime calls fn with every packed time of the alerts created in
// [from, to), and the bucket of the alert, in no particular order: from the
// kept days for the whole buckets of the range, and from rows for the
// buckets from and to cut.
func EachTime(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, fn func(kind Kind, key uint64, bucket int64)) error {
	seg := split(from, to)
	if seg.buckets.From < seg.buckets.To {
		lo, hi := seg.buckets.From, seg.buckets.To
		var keys []uint64
		err := st.EachDayTimes(ctx, tenantID, DayOf(lo), DayOf(hi-1)+1, func(dt *store.DayTimes) error {
			for kind, enc := range [][]byte{dt.AcknowledgeTimes, dt.ResolveTimes} {
				var err error
				if keys, err = DecodeKeys(keys[:0], enc); err != nil {
					return err
				}
				for _, k := range keys {
					if b := keyBucket(k, dt.Day); b >= lo && b < hi {
						fn(Kind(kind), k, b)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return eachRow(ctx, st, tenantID, seg.rows, func(a *store.Alert) error {
		c := Of(a)
		if c.Counts[store.CountAcknowledged] == 1 {
			fn(Acknowledge, c.AcknowledgeKey, c.Bucket)
		}
		if c.Counts[store.CountResolvedAt] == 1 {
			fn(Resolve, c.ResolveKey, c.Bucket)
		}
		return nil
	})
}

// EachBucket calls onBucket with the alerts of every whole bucket of
// [from, to) that has any, and onAlert with each alert of the buckets from
// and to cut.
func EachBucket(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time,
	onBucket func(bucket int64, c *store.Counts), onAlert func(a *store.Alert)) error {
	seg := split(from, to)
	if seg.buckets.From < seg.buckets.To {
		err := st.EachCounts(ctx, tenantID, seg.buckets.From, seg.buckets.To, func(b int64, c *store.Counts) error {
			onBucket(b, c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return eachRow(ctx, st, tenantID, seg.rows, func(a *store.Alert) error { onAlert(a); return nil })
}

// TimeKeys collects the packed times to acknowledge and to resolve of the
// alerts created in [from, to), sorted ascending, into bufs: from the kept
// days, taking only the whole buckets of the range, and from rows for the
// buckets from and to cut.
func TimeKeys(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, bufs *Buffers) (ack, res []uint64, err error) {
	bufs.ack, bufs.res = bufs.ack[:0], bufs.res[:0]
	seg := split(from, to)
	if seg.buckets.From < seg.buckets.To {
		lo, hi := seg.buckets.From, seg.buckets.To
		err = st.EachDayTimes(ctx, tenantID, DayOf(lo), DayOf(hi-1)+1, func(dt *store.DayTimes) error {
			whole := DayOf(lo) < dt.Day && dt.Day < DayOf(hi-1)
			var err error
			if bufs.ack, err = appendKeys(bufs.ack, dt.AcknowledgeTimes, dt.Day, lo, hi, whole); err != nil {
				return err
			}
			bufs.res, err = appendKeys(bufs.res, dt.ResolveTimes, dt.Day, lo, hi, whole)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	err = eachRow(ctx, st, tenantID, seg.rows, func(a *store.Alert) error {
		c := Of(a)
		if c.Counts[store.CountAcknowledged] == 1 {
			bufs.ack = append(bufs.ack, c.AcknowledgeKey)
		}
		if c.Counts[store.CountResolvedAt] == 1 {
			bufs.res = append(bufs.res, c.ResolveKey)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	bufs.ack, bufs.tmp = SortKeys(bufs.ack, bufs.tmp)
	bufs.res, bufs.tmp = SortKeys(bufs.res, bufs.tmp)
	return bufs.ack, bufs.res, nil
}

// appendKeys decodes a day's keys into dst, keeping those of buckets in
// [lo, hi) unless the whole day is inside.
func appendKeys(dst []uint64, enc []byte, day, lo, hi int64, whole bool) ([]uint64, error) {
	if whole {
		return DecodeKeys(dst, enc)
	}
	n := len(dst)
	dst, err := DecodeKeys(dst, enc)
	if err != nil {
		return dst, err
	}
	kept := dst[:n]
	for _, k := range dst[n:] {
		if b := keyBucket(k, day); b >= lo && b < hi {
			kept = append(kept, k)
		}
	}
	return kept, nil
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
