// Package rollup keeps and reads the per-bucket totals the analytics sum:
// for every tenant and every 15-minute UTC bucket of created_at, the
// counters a day total needs, the alerts per category, and the alerts'
// times to acknowledge and to resolve, packed sorted. Backends store the
// encoded parts as opaque bytes (store.Rollup); this package alone encodes
// and decodes them, for the write flows that keep them and the reads that
// fold them into local days and hours.
//
// 15 minutes divides every UTC offset in use, so a local midnight or a
// local quarter hour never cuts a bucket; where an instant does (the
// running end of a window, the end of a previous period), the alerts of
// that bucket are read from rows instead, so every answer is exact.
//
// Times are packed as sorted keys seconds<<2 | priority index, delta-coded
// as unsigned varints: the bench's 1M-alert tenant keeps about 1.3 bytes per
// value (measured in the README), and a read decodes and sorts the window's
// values once, with a radix sort, to select exact nearest-rank percentiles.
package rollup

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/alertanalytics/alertanalytics/store"
)

// BucketWidth is the width of a bucket.
const BucketWidth = 15 * time.Minute

const bucketMillis = int64(BucketWidth / time.Millisecond)

// BucketOf returns the bucket holding instant t.
func BucketOf(t time.Time) int64 { return floorDiv(t.UnixMilli(), bucketMillis) }

// BucketStart returns the first instant of bucket b.
func BucketStart(b int64) time.Time { return time.UnixMilli(b * bucketMillis).UTC() }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// aligned reports whether t is a bucket boundary.
func aligned(t time.Time) bool { return t.UnixMilli()%bucketMillis == 0 }

// The counters of a bucket, by index into Counts: the alerts, then per
// priority level and per type class (in the store's order), then the rest.
const (
	Alerts         = 0
	firstPriority  = 1
	firstTypeClass = firstPriority + 4
)

// The counters after the per-class ones.
const (
	Resolved              = firstTypeClass + 5 + iota // alerts in status resolved
	Open                                              // alerts in an open status
	Dismissed                                         // alerts in status dismissed
	PreventedSavingsCents                             // estimated savings of prevented_issue alerts
	Acknowledged                                      // alerts with an acknowledged_at
	AcknowledgeSeconds                                // the sum of their times to acknowledge
	ResolvedAt                                        // alerts with a resolved_at
	ResolveSeconds                                    // the sum of their times to resolve
	numCounts
)

// Counts are the counters of one bucket.
type Counts [numCounts]int64

// PriorityIndex returns the index of p in store.Priorities, or -1.
func PriorityIndex(p store.Priority) int { return slices.Index(store.Priorities(), p) }

// ByPriority returns the counter of priority index i.
func (c *Counts) ByPriority(i int) int64 { return c[firstPriority+i] }

// ByTypeClass returns the counter of type class index i of store.TypeClasses.
func (c *Counts) ByTypeClass(i int) int64 { return c[firstTypeClass+i] }

// Add adds o to c.
func (c *Counts) Add(o *Counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// Zero reports whether every counter is 0.
func (c *Counts) Zero() bool { return *c == Counts{} }

// Key packs a response time and its alert's priority into one sortable
// value: seconds<<2 | priority index.
func Key(seconds int64, priority int) uint64 { return uint64(seconds)<<2 | uint64(priority&3) }

// KeySeconds and KeyPriority unpack a key.
func KeySeconds(k uint64) int64 { return int64(k >> 2) }

// KeyPriority returns the priority index a key carries.
func KeyPriority(k uint64) int { return int(k & 3) }

// Contribution is what one alert adds to the totals of its bucket.
type Contribution struct {
	Bucket   int64
	Counts   Counts
	Category string
	// AcknowledgeKey and ResolveKey are the packed times, valid when the
	// matching counter (Acknowledged, ResolvedAt) is 1.
	AcknowledgeKey, ResolveKey uint64
}

// Of returns what alert a contributes to the kept totals.
func Of(a *store.Alert) Contribution {
	c := Contribution{Bucket: BucketOf(a.CreatedAt), Category: a.Category}
	c.Counts[Alerts] = 1
	p := PriorityIndex(a.PriorityLevel)
	if p >= 0 {
		c.Counts[firstPriority+p] = 1
	}
	if i := slices.Index(store.TypeClasses(), a.TypeClass); i >= 0 {
		c.Counts[firstTypeClass+i] = 1
	}
	switch {
	case a.Status == store.StatusResolved:
		c.Counts[Resolved] = 1
	case a.Status == store.StatusDismissed:
		c.Counts[Dismissed] = 1
	case a.Status.Open():
		c.Counts[Open] = 1
	}
	if a.TypeClass == store.TypeClassPreventedIssue {
		c.Counts[PreventedSavingsCents] = a.EstimatedSavingsCents
	}
	if a.AcknowledgedAt != nil {
		s := store.ResponseTimeSeconds(a.CreatedAt, *a.AcknowledgedAt)
		c.Counts[Acknowledged], c.Counts[AcknowledgeSeconds] = 1, s
		c.AcknowledgeKey = Key(s, p)
	}
	if a.ResolvedAt != nil {
		s := store.ResponseTimeSeconds(a.CreatedAt, *a.ResolvedAt)
		c.Counts[ResolvedAt], c.Counts[ResolveSeconds] = 1, s
		c.ResolveKey = Key(s, p)
	}
	return c
}

// AppendCounts encodes c, as zig-zag varints so that a delta may go below
// zero on its way.
func AppendCounts(dst []byte, c *Counts) []byte {
	for _, v := range c {
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

// DecodeCounts decodes counts; counters missing at the end are 0, so
// counters added later read from old rows.
func DecodeCounts(b []byte, c *Counts) error {
	*c = Counts{}
	for i := 0; len(b) > 0 && i < len(c); i++ {
		v, n := binary.Varint(b)
		if n <= 0 {
			return errCorrupt("counts")
		}
		c[i], b = v, b[n:]
	}
	return nil
}

// AppendKeys encodes sorted keys as delta varints.
func AppendKeys(dst []byte, keys []uint64) []byte {
	var prev uint64
	for _, k := range keys {
		dst = binary.AppendUvarint(dst, k-prev)
		prev = k
	}
	return dst
}

// DecodeKeys appends the keys encoded in b to dst, ascending.
func DecodeKeys(dst []uint64, b []byte) ([]uint64, error) {
	var prev uint64
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return dst, errCorrupt("times")
		}
		prev += d
		dst = append(dst, prev)
		b = b[n:]
	}
	return dst, nil
}

// CategoryCount is one category's alerts in a bucket.
type CategoryCount struct {
	Category string
	Alerts   int64
}

// AppendCategories encodes category counts, sorted by category.
func AppendCategories(dst []byte, cs []CategoryCount) []byte {
	for _, c := range cs {
		dst = binary.AppendUvarint(dst, uint64(len(c.Category)))
		dst = append(dst, c.Category...)
		dst = binary.AppendVarint(dst, c.Alerts)
	}
	return dst
}

// EachCategory calls fn for each category count encoded in b. The string
// fn receives is only valid during the call.
func EachCategory(b []byte, fn func(category []byte, alerts int64)) error {
	for len(b) > 0 {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return errCorrupt("categories")
		}
		name := b[n : n+int(l)]
		b = b[n+int(l):]
		v, m := binary.Varint(b)
		if m <= 0 {
			return errCorrupt("categories")
		}
		b = b[m:]
		fn(name, v)
	}
	return nil
}

type errCorrupt string

func (e errCorrupt) Error() string { return "rollup: corrupt " + string(e) + " encoding" }
