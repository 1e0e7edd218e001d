// Package rollup keeps and reads the totals the analytics sum, beside the
// rows, in one row per tenant and UTC day (see Day): the counters a day
// total needs (Counts) for each 15-minute UTC bucket of created_at,
// the alerts per category and bucket, and the alerts' times to acknowledge
// and to resolve, packed sorted, each tagged with its quarter hour of the
// day. Backends keep the four as opaque bytes; this package alone computes
// what a write changes, applies it to a day, and sums or folds what a read
// returns into local days.
//
// 15 minutes divides every UTC offset in use, so a local midnight or a
// local quarter hour never cuts a bucket; where an instant does (the
// running end of a window, the end of a previous period), the alerts of
// that bucket are read from rows instead, so every answer is exact. The
// quarter-hour tag lets a read take from a day's times exactly the buckets
// it needs.
//
// Per kind of alert (alert_type, service) and bucket: the alerts, those
// acted on (acknowledged or resolved) and those dismissed, the sums the
// noisy alerts rank. Per category, service and alert type (groups): the
// alerts, resolved and open per bucket and the group's own packed times,
// from which breakdowns select exact per-group percentiles.
//
// Packed times: sorted keys (seconds<<2 | priority)<<7 | quarter, as
// delta-coded unsigned varints. A read decodes the window's days and sorts
// the keys once, with a radix sort, to select exact nearest-rank
// percentiles.
package rollup

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/alertanalytics/alertanalytics/store"
)

// BucketWidth is the width of a bucket.
const BucketWidth = 15 * time.Minute

const (
	bucketMillis  = int64(BucketWidth / time.Millisecond)
	dayMillis     = 24 * 3600 * 1000
	bucketsPerDay = dayMillis / bucketMillis
)

// BucketOf returns the bucket holding instant t.
func BucketOf(t time.Time) int64 { return floorDiv(t.UnixMilli(), bucketMillis) }

// BucketStart returns the first instant of bucket b.
func BucketStart(b int64) time.Time { return time.UnixMilli(b * bucketMillis).UTC() }

// DayOf returns the UTC day of bucket b.
func DayOf(b int64) int64 { return floorDiv(b, bucketsPerDay) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// aligned reports whether t is a bucket boundary.
func aligned(t time.Time) bool { return t.UnixMilli()%bucketMillis == 0 }

// PriorityIndex returns the index of p in store.Priorities, or -1.
func PriorityIndex(p store.Priority) int { return slices.Index(store.Priorities(), p) }

// Key packs a response time, its alert's priority and the bucket its alert
// was created in into one value that sorts by the time first.
func Key(seconds int64, priority int, bucket int64) uint64 {
	return (uint64(seconds)<<2|uint64(priority&3))<<7 | uint64(bucket-DayOf(bucket)*bucketsPerDay)
}

// KeySeconds returns the response time a key carries.
func KeySeconds(k uint64) int64 { return int64(k >> 9) }

// KeyPriority returns the priority index a key carries.
func KeyPriority(k uint64) int { return int(k>>7) & 3 }

// keyBucket returns the bucket a key of day carries.
func keyBucket(k uint64, day int64) int64 { return day*bucketsPerDay + int64(k&127) }

// Contribution is what one alert adds to the kept totals.
type Contribution struct {
	Bucket   int64
	Counts   Counts
	Category string
	// AlertType and Service name the alert's kind, whose counters the
	// noisy alerts sum.
	AlertType, Service string
	// AcknowledgeKey and ResolveKey are the packed times, valid when the
	// matching counter (CountAcknowledged, CountResolvedAt) is 1.
	AcknowledgeKey, ResolveKey uint64
}

// Of returns what alert a contributes to the kept totals.
func Of(a *store.Alert) Contribution {
	c := Contribution{Bucket: BucketOf(a.CreatedAt), Category: a.Category, AlertType: a.AlertType, Service: a.Service}
	c.Counts[CountAlerts] = 1
	p := PriorityIndex(a.PriorityLevel)
	if p >= 0 {
		c.Counts[CountCritical+p] = 1
	}
	if i := slices.Index(store.TypeClasses(), a.TypeClass); i >= 0 {
		c.Counts[CountActionNeeded+i] = 1
	}
	switch {
	case a.Status == store.StatusResolved:
		c.Counts[CountResolved] = 1
	case a.Status == store.StatusDismissed:
		c.Counts[CountDismissed] = 1
	case a.Status.Open():
		c.Counts[CountOpen] = 1
	}
	if a.TypeClass == store.TypeClassPreventedIssue {
		c.Counts[CountPreventedSavingsCents] = a.EstimatedSavingsCents
	}
	if a.AcknowledgedAt != nil {
		s := store.ResponseTimeSeconds(a.CreatedAt, *a.AcknowledgedAt)
		c.Counts[CountAcknowledged], c.Counts[CountAcknowledgeSeconds] = 1, s
		c.AcknowledgeKey = Key(s, p, c.Bucket)
	}
	if a.ResolvedAt != nil {
		s := store.ResponseTimeSeconds(a.CreatedAt, *a.ResolvedAt)
		c.Counts[CountResolvedAt], c.Counts[CountResolveSeconds] = 1, s
		c.ResolveKey = Key(s, p, c.Bucket)
	}
	return c
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

type errCorrupt string

func (e errCorrupt) Error() string { return "rollup: corrupt " + string(e) + " encoding" }
