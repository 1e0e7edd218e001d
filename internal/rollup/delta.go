package rollup

import (
	"slices"
	"strings"

	"github.com/alertanalytics/alertanalytics/store"
)

// Delta is how one transaction changes a tenant's rollups: per bucket, the
// counters to add, the category counts to add, and the packed times to
// insert and to remove.
type Delta struct {
	buckets map[int64]*bucketDelta
}

type bucketDelta struct {
	counts                         Counts
	categories                     map[string]int64
	ackAdd, ackDel, resAdd, resDel []uint64
}

// Add adds (sign 1) or takes away (sign −1) one alert's contribution.
func (d *Delta) Add(c *Contribution, sign int64) {
	if d.buckets == nil {
		d.buckets = map[int64]*bucketDelta{}
	}
	b := d.buckets[c.Bucket]
	if b == nil {
		b = &bucketDelta{categories: map[string]int64{}}
		d.buckets[c.Bucket] = b
	}
	for i, v := range c.Counts {
		b.counts[i] += sign * v
	}
	b.categories[c.Category] += sign
	if c.Counts[Acknowledged] == 1 {
		b.ackAdd, b.ackDel = addKey(b.ackAdd, b.ackDel, c.AcknowledgeKey, sign)
	}
	if c.Counts[ResolvedAt] == 1 {
		b.resAdd, b.resDel = addKey(b.resAdd, b.resDel, c.ResolveKey, sign)
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

// empty reports whether the bucket's delta changes nothing.
func (b *bucketDelta) empty() bool {
	if !b.counts.Zero() || len(b.ackAdd)+len(b.ackDel)+len(b.resAdd)+len(b.resDel) > 0 {
		return false
	}
	for _, n := range b.categories {
		if n != 0 {
			return false
		}
	}
	return true
}

// Buckets returns the buckets the delta changes, ascending: the order
// backends lock them in, so concurrent writers never wait on each other in
// a cycle.
func (d *Delta) Buckets() []int64 {
	out := make([]int64, 0, len(d.buckets))
	for b, bd := range d.buckets {
		if !bd.empty() {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

// Apply applies the delta of r's bucket to r, re-encoding its parts. It
// reports false when the bucket is left with no alerts, so the row can go.
func (d *Delta) Apply(r *store.Rollup) (keep bool, err error) {
	b := d.buckets[r.Bucket]
	if b == nil {
		return true, nil
	}
	var c Counts
	if err := DecodeCounts(r.Counts, &c); err != nil {
		return false, err
	}
	c.Add(&b.counts)
	if c[Alerts] == 0 {
		return false, nil
	}
	r.Counts = AppendCounts(r.Counts[:0], &c)
	if r.Categories, err = applyCategories(r.Categories, b.categories); err != nil {
		return false, err
	}
	if r.AcknowledgeTimes, err = applyKeys(r.AcknowledgeTimes, b.ackAdd, b.ackDel); err != nil {
		return false, err
	}
	if r.ResolveTimes, err = applyKeys(r.ResolveTimes, b.resAdd, b.resDel); err != nil {
		return false, err
	}
	return true, nil
}

func applyCategories(enc []byte, delta map[string]int64) ([]byte, error) {
	merged := map[string]int64{}
	err := EachCategory(enc, func(name []byte, n int64) { merged[string(name)] += n })
	if err != nil {
		return nil, err
	}
	for name, n := range delta {
		merged[name] += n
	}
	out := make([]CategoryCount, 0, len(merged))
	for name, n := range merged {
		if n != 0 {
			out = append(out, CategoryCount{name, n})
		}
	}
	slices.SortFunc(out, func(a, b CategoryCount) int { return strings.Compare(a.Category, b.Category) })
	return AppendCategories(nil, out), nil
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

// Builder computes rollups afresh from alert rows: what the kept rollups
// must equal. Migrations build the rollups of existing data with it, and
// checks compare against it.
type Builder struct{ d Delta }

// Add counts one alert.
func (b *Builder) Add(a *store.Alert) {
	c := Of(a)
	b.d.Add(&c, 1)
}

// Rollups returns the rollups of the alerts added, by bucket ascending.
func (b *Builder) Rollups() ([]store.Rollup, error) {
	out := make([]store.Rollup, 0, len(b.d.buckets))
	for _, bucket := range b.d.Buckets() {
		r := store.Rollup{Bucket: bucket}
		keep, err := b.d.Apply(&r)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, r)
		}
	}
	return out, nil
}
