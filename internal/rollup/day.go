package rollup

import (
	"cmp"
	"encoding/binary"
	"maps"
	"math/bits"
	"slices"

	"github.com/alertanalytics/alertanalytics/store"
)

// Day is what a backend keeps of one tenant's UTC day, in one row (a
// store.DayRow): the counters of its 96 buckets, its alerts per category
// and per kind and bucket, its packed response times and its per-group
// totals. Backends store the columns as opaque bytes; this package alone
// encodes and decodes them.
//
// Counters: per bucket with any counter set, in bucket order, the bucket's
// slot in the day (one byte), a bit mask of the counters set (unsigned
// varint, bit i for counter i) and each of those counters as a signed
// varint. Categories: per category, in byte order, its length and bytes,
// the number of its buckets, then per bucket, in order, the slot (one
// byte) and the count (signed varint).
//
// One row per day, not per bucket, is what keeps writes cheap for a tenant
// whose alerts are sparse (a batch of 1,000 spread over nine days changes
// nine rows, not 900) and reads cheap for every tenant (a 30-day window
// reads about 31 rows). A day may be kept as several rows (stripes), which
// Merge folds into one.
type Day = store.DayRow

// KindCounts are the counters kept per kind of alert (alert_type,
// service) and bucket.
type KindCounts struct {
	// Alerts counts the alerts; Acted those with an acknowledged_at or a
	// resolved_at; Dismissed those in status dismissed.
	Alerts, Acted, Dismissed int64
}

func (k KindCounts) add(o KindCounts, sign int64) KindCounts {
	return KindCounts{k.Alerts + sign*o.Alerts, k.Acted + sign*o.Acted, k.Dismissed + sign*o.Dismissed}
}

// kindCounts returns what the contribution adds to its kind's counters.
func (c *Contribution) kindCounts() KindCounts {
	k := KindCounts{Alerts: c.Counts[CountAlerts], Dismissed: c.Counts[CountDismissed]}
	if c.Counts[CountAcknowledged] != 0 || c.Counts[CountResolvedAt] != 0 {
		k.Acted = 1
	}
	return k
}

// DayStart returns the first bucket of day.
func DayStart(day int64) int64 { return day * bucketsPerDay }

// DayAfter returns the day after the one holding bucket b-1: with
// DayOf(from), the days a bucket range [from, to) touches.
func DayAfter(to int64) int64 { return floorDiv(to-1, bucketsPerDay) + 1 }

// DecodeCounts calls fn with each bucket's counters encoded in b, in
// bucket order. c is valid during the call only.
func DecodeCounts(day int64, b []byte, fn func(bucket int64, c *Counts)) error {
	var c Counts
	for len(b) > 0 {
		slot := int64(b[0])
		mask, n := binary.Uvarint(b[1:])
		if n <= 0 || slot >= bucketsPerDay || mask == 0 || mask >= 1<<NumCounts {
			return errCorrupt("counters")
		}
		b = b[1+n:]
		c = Counts{}
		for mask != 0 {
			i := bits.TrailingZeros64(mask)
			mask &= mask - 1
			v, n := binary.Varint(b)
			if n <= 0 {
				return errCorrupt("counters")
			}
			c[i] = v
			b = b[n:]
		}
		fn(day*bucketsPerDay+slot, &c)
	}
	return nil
}

// appendCounts encodes the non-zero buckets of slots.
func appendCounts(dst []byte, slots *[bucketsPerDay]Counts) []byte {
	for slot := range slots {
		c := &slots[slot]
		var mask uint64
		for i, v := range c {
			if v != 0 {
				mask |= 1 << i
			}
		}
		if mask == 0 {
			continue
		}
		dst = append(dst, byte(slot))
		dst = binary.AppendUvarint(dst, mask)
		for _, v := range c {
			if v != 0 {
				dst = binary.AppendVarint(dst, v)
			}
		}
	}
	return dst
}

// prefixed takes a length-prefixed part (its length as an unsigned varint,
// then its bytes) off the front of *b; false when *b is too short.
func prefixed(b *[]byte) ([]byte, bool) {
	l, n := binary.Uvarint(*b)
	if n <= 0 || uint64(len(*b)-n) < l {
		return nil, false
	}
	part := (*b)[n : n+int(l)]
	*b = (*b)[n+int(l):]
	return part, true
}

// appendPrefixed appends p with its length in front, as prefixed reads it.
func appendPrefixed[P string | []byte](dst []byte, p P) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}

// DecodeCategories calls fn with each category count encoded in b: by
// category in byte order, then bucket. name is valid during the call only.
func DecodeCategories(day int64, b []byte, fn func(name []byte, bucket, n int64)) error {
	for len(b) > 0 {
		name, ok := prefixed(&b)
		if !ok {
			return errCorrupt("categories")
		}
		entries, n := binary.Uvarint(b)
		if n <= 0 || entries == 0 || entries > uint64(bucketsPerDay) {
			return errCorrupt("categories")
		}
		b = b[n:]
		for range entries {
			if len(b) < 2 || int64(b[0]) >= bucketsPerDay {
				return errCorrupt("categories")
			}
			slot := int64(b[0])
			v, n := binary.Varint(b[1:])
			if n <= 0 {
				return errCorrupt("categories")
			}
			b = b[1+n:]
			fn(name, day*bucketsPerDay+slot, v)
		}
	}
	return nil
}

// categorySlots is one category's counts per slot of a day.
type categorySlots struct {
	name   string
	counts slots[int64]
}

func appendCategories(dst []byte, cats []*categorySlots) []byte {
	slices.SortFunc(cats, func(a, b *categorySlots) int { return cmp.Compare(a.name, b.name) })
	for _, c := range cats {
		entries := c.counts.nonZero()
		if entries == 0 {
			continue
		}
		dst = appendPrefixed(dst, c.name)
		dst = binary.AppendUvarint(dst, uint64(entries))
		for _, e := range c.counts {
			if e.v != 0 {
				dst = append(dst, byte(e.slot))
				dst = binary.AppendVarint(dst, e.v)
			}
		}
	}
	return dst
}

// DecodeKinds calls fn with each kind's counters encoded in b: by alert
// type, then service, in byte order, then bucket. The names are valid
// during the call only. The encoding: per kind, the alert type's and the
// service's length and bytes, the number of its buckets, then per bucket
// the slot (one byte) and the three counters (signed varints).
func DecodeKinds(day int64, b []byte, fn func(alertType, service []byte, bucket int64, c KindCounts)) error {
	for len(b) > 0 {
		alertType, ok1 := prefixed(&b)
		service, ok2 := prefixed(&b)
		if !ok1 || !ok2 {
			return errCorrupt("kinds")
		}
		entries, n := binary.Uvarint(b)
		if n <= 0 || entries == 0 || entries > uint64(bucketsPerDay) {
			return errCorrupt("kinds")
		}
		b = b[n:]
		for range entries {
			if len(b) < 4 || int64(b[0]) >= bucketsPerDay {
				return errCorrupt("kinds")
			}
			slot := int64(b[0])
			b = b[1:]
			var v [3]int64
			for i := range v {
				x, n := binary.Varint(b)
				if n <= 0 {
					return errCorrupt("kinds")
				}
				v[i] = x
				b = b[n:]
			}
			fn(alertType, service, day*bucketsPerDay+slot, KindCounts{v[0], v[1], v[2]})
		}
	}
	return nil
}

// kindSlots is one kind's counters per slot of a day.
type kindSlots struct {
	alertType, service string
	counts             slots[KindCounts]
}

func appendKinds(dst []byte, kinds []*kindSlots) []byte {
	slices.SortFunc(kinds, func(a, b *kindSlots) int {
		return cmp.Or(cmp.Compare(a.alertType, b.alertType), cmp.Compare(a.service, b.service))
	})
	for _, k := range kinds {
		entries := k.counts.nonZero()
		if entries == 0 {
			continue
		}
		dst = appendPrefixed(dst, k.alertType)
		dst = appendPrefixed(dst, k.service)
		dst = binary.AppendUvarint(dst, uint64(entries))
		for _, e := range k.counts {
			if c := e.v; c != (KindCounts{}) {
				dst = append(dst, byte(e.slot))
				dst = binary.AppendVarint(dst, c.Alerts)
				dst = binary.AppendVarint(dst, c.Acted)
				dst = binary.AppendVarint(dst, c.Dismissed)
			}
		}
	}
	return dst
}

// entry returns m's value for k, made by mk and stored first when there is
// none.
func entry[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v := m[k]
	if v == nil {
		v = mk()
		m[k] = v
	}
	return v
}

// ApplyDay applies the delta of d's day to d: counters, category counts
// and packed times. A day the delta does not touch is left as it is.
func (dl *Delta) ApplyDay(d *Day) error {
	dd := dl.days[d.Day]
	if dd == nil {
		return nil
	}
	for _, apply := range []func(*dayDelta, *Day) error{applyCounts, applyCategories, applyKinds} {
		if err := apply(dd, d); err != nil {
			return err
		}
	}
	var err error
	if len(dd.groups) > 0 {
		if d.Groups, err = applyGroups(d.Day, d.Groups, dd.groups); err != nil {
			return err
		}
	}
	if d.AcknowledgeTimes, err = applyKeys(d.AcknowledgeTimes, dd.ackAdd, dd.ackDel); err != nil {
		return err
	}
	if d.ResolveTimes, err = applyKeys(d.ResolveTimes, dd.resAdd, dd.resDel); err != nil {
		return err
	}
	return nil
}

// applyCounts adds dd's counters to d's.
func applyCounts(dd *dayDelta, d *Day) error {
	if len(dd.counts) == 0 {
		return nil
	}
	var slots [bucketsPerDay]Counts
	err := DecodeCounts(d.Day, d.Counts, func(bucket int64, c *Counts) { slots[bucket-DayStart(d.Day)] = *c })
	if err != nil {
		return err
	}
	for slot, c := range dd.counts {
		slots[slot].Add(c)
	}
	d.Counts = appendCounts(nil, &slots)
	return nil
}

// applyCategories adds dd's category counts to d's.
func applyCategories(dd *dayDelta, d *Day) error {
	if len(dd.categories) == 0 {
		return nil
	}
	cats := map[string]*categorySlots{}
	get := func(name string) *categorySlots {
		return entry(cats, name, func() *categorySlots { return &categorySlots{name: name} })
	}
	err := DecodeCategories(d.Day, d.Categories, func(name []byte, bucket, n int64) {
		*get(string(name)).counts.at(int(bucket - DayStart(d.Day))) += n
	})
	if err != nil {
		return err
	}
	for k, n := range dd.categories {
		*get(k.category).counts.at(int(k.slot)) += n
	}
	d.Categories = appendCategories(nil, slices.Collect(maps.Values(cats)))
	return nil
}

// applyKinds adds dd's counts per kind of alert to d's.
func applyKinds(dd *dayDelta, d *Day) error {
	if len(dd.kinds) == 0 {
		return nil
	}
	type name struct{ alertType, service string }
	kinds := map[name]*kindSlots{}
	get := func(alertType, service string) *kindSlots {
		return entry(kinds, name{alertType, service}, func() *kindSlots { return &kindSlots{alertType: alertType, service: service} })
	}
	err := DecodeKinds(d.Day, d.Kinds, func(alertType, service []byte, bucket int64, c KindCounts) {
		k := get(string(alertType), string(service))
		p := k.counts.at(int(bucket - DayStart(d.Day)))
		*p = p.add(c, 1)
	})
	if err != nil {
		return err
	}
	for sk, c := range dd.kinds {
		k := get(sk.alertType, sk.service)
		p := k.counts.at(int(sk.slot))
		*p = p.add(c, 1)
	}
	d.Kinds = appendKinds(nil, slices.Collect(maps.Values(kinds)))
	return nil
}

// EachDayBytes calls fn, in day order, with one column of each of a
// tenant's kept days in [fromDay, toDay) that has a row; the bytes are
// valid during the call only. Backends supply it to the reads below.
type EachDayBytes func(fromDay, toDay int64, fn func(day int64, b []byte) error) error

// SumCounts sums the counters of the buckets of each range, as
// store.Store's SumCounts promises, from the days' counters: one pass
// over the days the ranges touch.
func SumCounts(ranges []BucketRange, counters []int, each EachDayBytes) ([]Counts, error) {
	out := make([]Counts, len(ranges))
	lo, hi := int64(0), int64(0)
	for _, r := range ranges {
		if r.From >= r.To {
			continue
		}
		if lo == hi {
			lo, hi = DayOf(r.From), DayAfter(r.To)
		}
		lo, hi = min(lo, DayOf(r.From)), max(hi, DayAfter(r.To))
	}
	if lo == hi {
		return out, nil
	}
	var on []int // the ranges that overlap the day being read
	err := each(lo, hi, func(day int64, b []byte) error {
		first, end := DayStart(day), DayStart(day+1)
		on = on[:0]
		for i, r := range ranges {
			if r.From < end && r.To > first && r.From < r.To {
				on = append(on, i)
			}
		}
		if len(on) == 0 {
			return nil
		}
		return DecodeCounts(day, b, func(bucket int64, c *Counts) {
			for _, i := range on {
				if r := ranges[i]; bucket >= r.From && bucket < r.To {
					out[i].Add(c)
				}
			}
		})
	})
	if err != nil {
		return nil, err
	}
	keepOnly(out, counters)
	return out, nil
}

// EachCounts calls fn, in bucket order, with the counters of every bucket
// in [from, to) that has any, as store.Store's EachCounts promises.
func EachCounts(from, to int64, each EachDayBytes, fn func(bucket int64, c *Counts) error) error {
	if from >= to {
		return nil
	}
	return each(DayOf(from), DayAfter(to), func(day int64, b []byte) error {
		var ferr error
		err := DecodeCounts(day, b, func(bucket int64, c *Counts) {
			if ferr == nil && bucket >= from && bucket < to {
				ferr = fn(bucket, c)
			}
		})
		return cmp.Or(err, ferr)
	})
}

// SumCategories sums the category counts of the buckets in [from, to), as
// store.Store's SumCategories promises.
func SumCategories(from, to int64, each EachDayBytes) ([]CategoryCount, error) {
	if from >= to {
		return nil, nil
	}
	sums := map[string]int64{}
	err := each(DayOf(from), DayAfter(to), func(day int64, b []byte) error {
		return DecodeCategories(day, b, func(name []byte, bucket, n int64) {
			if bucket >= from && bucket < to {
				sums[string(name)] += n
			}
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]CategoryCount, 0, len(sums))
	for name, n := range sums {
		if n != 0 {
			out = append(out, CategoryCount{Category: name, Count: n})
		}
	}
	return out, nil
}

// SumKinds sums the kinds' counters of the buckets in [from, to); kinds
// left at zero are left out, the others come in no particular order.
func SumKinds(from, to int64, each EachDayBytes) ([]KindCount, error) {
	if from >= to {
		return nil, nil
	}
	type name struct{ alertType, service string }
	sums := map[name]KindCounts{}
	var last name // the kinds of a day repeat: intern their names
	err := each(DayOf(from), DayAfter(to), func(day int64, b []byte) error {
		return DecodeKinds(day, b, func(alertType, service []byte, bucket int64, c KindCounts) {
			if bucket < from || bucket >= to {
				return
			}
			if string(alertType) != last.alertType || string(service) != last.service {
				last = name{string(alertType), string(service)}
			}
			sums[last] = sums[last].add(c, 1)
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]KindCount, 0, len(sums))
	for k, c := range sums {
		if c != (KindCounts{}) {
			out = append(out, KindCount{AlertType: k.alertType, Service: k.service, Alerts: c.Alerts, Acted: c.Acted, Dismissed: c.Dismissed})
		}
	}
	return out, nil
}
