package rollup

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// segment is how to read [from, to): whole buckets from the kept totals,
// plus the alerts of rows, minus the alerts of minus. Where from cuts a
// bucket, the part of it inside the range is read from rows; where to cuts
// one, the bucket is taken whole and the alerts created from to to the
// bucket's end are read from rows and taken away. At the running end of a
// window (to is now) those are the alerts stamped in the next minutes,
// usually none, so a tenant busy right now does not read its current
// bucket's rows.
type segment struct {
	buckets     BucketRange
	rows, minus [][2]time.Time
}

func split(from, to time.Time) segment { return splitEnd(from, to, false) }

// splitEnd is split; past says the range ends before now, where alerts
// lie on both sides of a cut end: the shorter side of the cut bucket is
// read from rows, so a dense tenant reads at most half a bucket's rows
// there. A range ending now keeps taking its last bucket whole (what
// follows now is usually empty), and the bucket its start cuts too, less
// the rows before the start: a range ending now usually starts minutes
// before it (a compliance target's tail), and an incident's alerts crowd
// the minutes after its start, not those before.
func splitEnd(from, to time.Time, past bool) segment {
	if !from.Before(to) {
		return segment{}
	}
	var seg segment
	lo, hi := BucketOf(from), BucketOf(to)
	if !aligned(from) && !past {
		// Toward now is where a tenant's alerts crowd (an incident under
		// way): take the cut bucket whole and read the older side from
		// rows, to take it away.
		seg.minus = append(seg.minus, [2]time.Time{BucketStart(lo), from})
	} else if !aligned(from) {
		end := BucketStart(lo + 1)
		if !end.Before(to) { // from and to in one bucket
			return segment{buckets: BucketRange{From: lo, To: lo}, rows: [][2]time.Time{{from, to}}}
		}
		seg.rows = append(seg.rows, [2]time.Time{from, end})
		lo++
	}
	switch {
	case aligned(to):
	case past && to.Sub(BucketStart(hi)) < BucketStart(hi+1).Sub(to):
		seg.rows = append(seg.rows, [2]time.Time{BucketStart(hi), to})
	default:
		seg.minus = append(seg.minus, [2]time.Time{to, BucketStart(hi + 1)})
		hi++
	}
	seg.buckets = BucketRange{From: lo, To: hi}
	return seg
}

// Period sums the alerts created in the days bounds delimits (day i holds
// created_at in [bounds[i], bounds[i+1])): per day the counters in
// perDay (none: days is nil), and over the whole period the counters in
// total. The database sums the whole buckets of each day; the buckets an
// unaligned bound cuts are corrected from rows (see segment).
func Period(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time, perDay, total []int) (days []Counts, sum Counts, err error) {
	return period(ctx, st, tenantID, bounds, perDay, total, false)
}

// PastPeriod is Period for days that end before now (a previous period),
// reading the shorter side of the bucket its end cuts (see splitEnd).
func PastPeriod(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time, perDay, total []int) (days []Counts, sum Counts, err error) {
	return period(ctx, st, tenantID, bounds, perDay, total, true)
}

func period(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time, perDay, total []int, past bool) (days []Counts, sum Counts, err error) {
	segs := make([]segment, len(bounds)-1)
	ranges := make([]BucketRange, len(segs))
	for i := range segs {
		segs[i] = splitEnd(bounds[i], bounds[i+1], past && i == len(segs)-1)
		ranges[i] = segs[i].buckets
	}
	// One read for both: the days' ranges and the merged ones, with the
	// counters either needs.
	var (
		asked  []BucketRange
		merged []BucketRange
	)
	if len(perDay) > 0 {
		asked = ranges
	}
	if len(total) > 0 {
		merged = merge(ranges)
		asked = append(slices.Clip(asked), merged...)
	}
	w := newWindowRead(ctx, st, tenantID, segs...)
	if len(asked) > 0 {
		sums, err := sumCounts(w, asked, union(perDay, total))
		if err != nil {
			return nil, sum, err
		}
		if len(sums) != len(asked) {
			return nil, sum, fmt.Errorf("store summed %d ranges, want %d", len(sums), len(asked))
		}
		if len(perDay) > 0 {
			days = sums[:len(ranges):len(ranges)]
			sums = sums[len(ranges):]
			keepOnly(days, perDay)
		}
		for i := range sums {
			for _, k := range total {
				sum[k] += sums[i][k]
			}
		}
	}
	err = w.rows(func(day int, a *store.Alert, sign int64) error {
		c := Of(a)
		if days != nil {
			for _, k := range perDay {
				days[day][k] += sign * c.Counts[k]
			}
		}
		for _, k := range total {
			sum[k] += sign * c.Counts[k]
		}
		return nil
	})
	if err != nil {
		return nil, sum, err
	}
	return days, sum, nil
}

// keepOnly zeroes every counter of counts but those in keep.
func keepOnly(counts []Counts, keep []int) {
	var on [NumCounts]bool
	for _, k := range keep {
		on[k] = true
	}
	for i := range counts {
		for k := range counts[i] {
			if !on[k] {
				counts[i][k] = 0
			}
		}
	}
}

// union returns the counters in a or b, each once.
func union(a, b []int) []int {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// merge joins ranges that meet, dropping empty ones.
func merge(ranges []BucketRange) []BucketRange {
	var out []BucketRange
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

// ReadDayTotals sums every counter of each of the days bounds delimits.
func ReadDayTotals(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time) ([]DayTotals, error) {
	counts, _, err := Period(ctx, st, tenantID, bounds, AllCounters(), nil)
	if err != nil {
		return nil, err
	}
	out := make([]DayTotals, len(counts))
	for i := range counts {
		out[i] = dayTotals(&counts[i])
	}
	return out, nil
}

func dayTotals(c *Counts) DayTotals {
	t := NewDayTotals()
	t.Count = c[CountAlerts]
	for i, p := range store.Priorities() {
		t.ByPriority[p] = c[CountCritical+i]
	}
	for i, tc := range store.TypeClasses() {
		t.ByTypeClass[tc] = c[CountActionNeeded+i]
	}
	t.Resolved, t.Open = c[CountResolved], c[CountOpen]
	t.PreventedSavingsCents = c[CountPreventedSavingsCents]
	t.AcknowledgedCount, t.AcknowledgeSeconds = c[CountAcknowledged], c[CountAcknowledgeSeconds]
	return t
}

// TopCategories returns the limit categories with most alerts created in
// [from, to), by count descending then category ascending in byte order.
func TopCategories(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, limit int) ([]CategoryCount, error) {
	seg := split(from, to)
	w := newWindowRead(ctx, st, tenantID, seg)
	counts := map[string]int64{}
	if seg.buckets.From < seg.buckets.To {
		kept, err := sumCategories(w, seg.buckets.From, seg.buckets.To)
		if err != nil {
			return nil, err
		}
		for _, c := range kept {
			counts[c.Category] += c.Count
		}
	}
	if err := w.eachRow(func(a *store.Alert, sign int64) error { counts[a.Category] += sign; return nil }); err != nil {
		return nil, err
	}
	out := make([]CategoryCount, 0, len(counts))
	for name, n := range counts {
		if n > 0 {
			out = append(out, CategoryCount{Category: name, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Category, b.Category))
	})
	return out[:min(limit, len(out))], nil
}

// Kinds sums the counters of each kind of alert (alert_type, service)
// created in [from, to), in no particular order; kinds without alerts are
// left out.
func Kinds(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time) ([]KindCount, error) {
	seg := split(from, to)
	w := newWindowRead(ctx, st, tenantID, seg)
	type name struct{ alertType, service string }
	sums := map[name]KindCounts{}
	if seg.buckets.From < seg.buckets.To {
		kept, err := sumKinds(w, seg.buckets.From, seg.buckets.To)
		if err != nil {
			return nil, err
		}
		for _, k := range kept {
			n := name{k.AlertType, k.Service}
			sums[n] = sums[n].add(KindCounts{k.Alerts, k.Acted, k.Dismissed}, 1)
		}
	}
	err := w.eachRow(func(a *store.Alert, sign int64) error {
		c := Of(a)
		n := name{a.AlertType, a.Service}
		sums[n] = sums[n].add(c.kindCounts(), sign)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]KindCount, 0, len(sums))
	for n, c := range sums {
		if c.Alerts > 0 {
			out = append(out, KindCount{AlertType: n.alertType, Service: n.service, Alerts: c.Alerts, Acted: c.Acted, Dismissed: c.Dismissed})
		}
	}
	return out, nil
}

// Buffers holds the scratch space of a response-time read, so that
// repeated reads allocate nothing once warm. The zero value is ready.
type Buffers struct{ ack, res, tmp, minus []uint64 }

// Kind says which response time a key is: to acknowledge or to resolve.
type Kind int

// The kinds of response time.
const (
	Acknowledge Kind = iota
	Resolve
)

// EachTime calls fn with every packed time of the alerts created in
// [from, to), and the bucket of the alert, in no particular order: from the
// kept days for the whole buckets of the range, corrected from rows where
// from or to cuts a bucket — with sign 1 for a time in the range and −1 for
// one to take away again (see segment).
func EachTime(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, fn func(kind Kind, key uint64, bucket, sign int64)) error {
	return SegmentTimes(ctx, st, tenantID, []time.Time{from, to}, func(_ int, kind Kind, key uint64, bucket, sign int64) {
		fn(kind, key, bucket, sign)
	})
}

// SegmentTimes is EachTime over each of the ranges bounds delimits (range
// i from bounds[i] to bounds[i+1]), read in one request: fn gets the index
// of the range each time counts in.
func SegmentTimes(ctx context.Context, st store.Store, tenantID uuid.UUID, bounds []time.Time, fn func(seg int, kind Kind, key uint64, bucket, sign int64)) error {
	segs := make([]segment, len(bounds)-1)
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range segs {
		segs[i] = split(bounds[i], bounds[i+1])
		if b := segs[i].buckets; b.From < b.To {
			lo, hi = min(lo, b.From), max(hi, b.To)
		}
	}
	w := newWindowRead(ctx, st, tenantID, segs...)
	if lo < hi {
		var keys []uint64
		err := w.times(DayOf(lo), DayOf(hi-1)+1, func(dt *DayTimes) error {
			for kind, enc := range [][]byte{dt.AcknowledgeTimes, dt.ResolveTimes} {
				var err error
				if keys, err = DecodeKeys(keys[:0], enc); err != nil {
					return err
				}
				for _, k := range keys {
					b := keyBucket(k, dt.Day)
					for i := range segs {
						if b >= segs[i].buckets.From && b < segs[i].buckets.To {
							fn(i, Kind(kind), k, b, 1)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return w.rows(func(i int, a *store.Alert, sign int64) error {
		c := Of(a)
		if c.Counts[CountAcknowledged] == 1 {
			fn(i, Acknowledge, c.AcknowledgeKey, c.Bucket, sign)
		}
		if c.Counts[CountResolvedAt] == 1 {
			fn(i, Resolve, c.ResolveKey, c.Bucket, sign)
		}
		return nil
	})
}

// EachBucket calls onBucket with the counters of every whole bucket of the
// range that has alerts, and onAlert with each alert that corrects them
// where from or to cuts a bucket, with its sign (see segment).
func EachBucket(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time,
	onBucket func(bucket int64, c *Counts), onAlert func(a *store.Alert, sign int64)) error {
	seg := split(from, to)
	w := newWindowRead(ctx, st, tenantID, seg)
	if seg.buckets.From < seg.buckets.To {
		err := eachCounts(w, seg.buckets.From, seg.buckets.To, func(b int64, c *Counts) error {
			onBucket(b, c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return w.eachRow(func(a *store.Alert, sign int64) error { onAlert(a, sign); return nil })
}

// TimeKeys collects the packed times to acknowledge and to resolve of the
// alerts created in [from, to), sorted ascending, into bufs.
func TimeKeys(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, bufs *Buffers) (ack, res []uint64, err error) {
	bufs.ack, bufs.res, bufs.minus = bufs.ack[:0], bufs.res[:0], bufs.minus[:0]
	seg := split(from, to)
	w := newWindowRead(ctx, st, tenantID, seg)
	if seg.buckets.From < seg.buckets.To {
		lo, hi := seg.buckets.From, seg.buckets.To
		err = w.times(DayOf(lo), DayOf(hi-1)+1, func(dt *DayTimes) error {
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
	var minusAck, minusRes []uint64
	err = w.eachRow(func(a *store.Alert, sign int64) error {
		c := Of(a)
		for _, t := range []struct {
			on       bool
			key      uint64
			add, sub *[]uint64
		}{
			{c.Counts[CountAcknowledged] == 1, c.AcknowledgeKey, &bufs.ack, &minusAck},
			{c.Counts[CountResolvedAt] == 1, c.ResolveKey, &bufs.res, &minusRes},
		} {
			switch {
			case !t.on:
			case sign > 0:
				*t.add = append(*t.add, t.key)
			default:
				*t.sub = append(*t.sub, t.key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	bufs.ack, bufs.tmp = SortKeys(bufs.ack, bufs.tmp)
	bufs.res, bufs.tmp = SortKeys(bufs.res, bufs.tmp)
	return without(bufs.ack, minusAck), without(bufs.res, minusRes), nil
}

// without removes one occurrence of each of minus from the sorted keys, in
// place.
func without(keys, minus []uint64) []uint64 {
	if len(minus) == 0 {
		return keys
	}
	slices.Sort(minus)
	out, j := keys[:0], 0
	for _, k := range keys {
		for j < len(minus) && minus[j] < k {
			j++
		}
		if j < len(minus) && minus[j] == k {
			j++
			continue
		}
		out = append(out, k)
	}
	return out
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

// ReadResponseTimes returns the time-to-acknowledge and time-to-resolve
// distributions of the alerts created in [from, to), overall and per
// priority, with exact nearest-rank percentiles.
func ReadResponseTimes(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, bufs *Buffers) (ResponseTimes, error) {
	ack, res, err := TimeKeys(ctx, st, tenantID, from, to, bufs)
	if err != nil {
		return ResponseTimes{}, err
	}
	rt := ResponseTimes{}
	rt.Acknowledge, rt.AcknowledgeByPriority = Distributions(ack)
	rt.Resolve, rt.ResolveByPriority = Distributions(res)
	return rt, nil
}

// Distributions summarises sorted keys: overall and per priority, every
// priority present, with nearest-rank percentiles.
func Distributions(keys []uint64) (Distribution, map[store.Priority]Distribution) {
	var per [4]Distribution
	for _, k := range keys {
		d := &per[KeyPriority(k)]
		d.Count++
		d.SumSeconds += KeySeconds(k)
	}
	overall := Distribution{Count: int64(len(keys))}
	for i := range per {
		overall.SumSeconds += per[i].SumSeconds
	}
	pcts := Percentiles()
	if overall.Count > 0 {
		for j, p := range pcts {
			overall.SetPercentile(j, KeySeconds(keys[NearestRank(p, overall.Count)-1]))
		}
	}
	// Per priority, the values come in ascending order within each
	// priority too; the rank-th of a priority is picked on the way.
	var ranks [4][]int64
	for i := range per {
		for _, p := range pcts {
			ranks[i] = append(ranks[i], NearestRank(p, per[i].Count))
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
	byPriority := make(map[store.Priority]Distribution, 4)
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
