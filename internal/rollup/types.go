package rollup

import "github.com/alertanalytics/alertanalytics/store"

// The metric vocabulary the kept totals are made of and read into: per
// bucket counters, category and kind counts, packed times, and the
// distributions and day totals the reads return. The store knows none of
// it: it keeps the day rows as opaque bytes.

// DayTotals aggregates the alerts created in one day of a window.
type DayTotals struct {
	// Count is the number of alerts; ByPriority splits it by priority level
	// and ByTypeClass by type class, every level and class present.
	Count       int64
	ByPriority  map[store.Priority]int64
	ByTypeClass map[store.TypeClass]int64
	// Resolved and Open count the alerts in status resolved and in an open
	// status.
	Resolved, Open int64
	// PreventedSavingsCents sums EstimatedSavingsCents over prevented_issue alerts.
	PreventedSavingsCents int64
	// AcknowledgedCount counts alerts with an acknowledged_at;
	// AcknowledgeSeconds sums their time to acknowledge: acknowledged_at −
	// created_at in whole seconds, clamped at 0.
	AcknowledgedCount, AcknowledgeSeconds int64
}

// NewDayTotals returns empty totals with every priority level and type
// class present.
func NewDayTotals() DayTotals {
	t := DayTotals{ByPriority: make(map[store.Priority]int64, 4), ByTypeClass: make(map[store.TypeClass]int64, 5)}
	for _, p := range store.Priorities() {
		t.ByPriority[p] = 0
	}
	for _, c := range store.TypeClasses() {
		t.ByTypeClass[c] = 0
	}
	return t
}

// Distribution summarises a list of durations in whole seconds. P50…P99 are
// nearest-rank percentiles: the value at position ceil(p × Count / 100) of the
// ascending list. All fields are 0 when Count is 0.
type Distribution struct {
	Count, SumSeconds       int64
	P50, P75, P90, P95, P99 int64
}

// NearestRank returns the 1-based position of the p-th percentile (0 < p ≤
// 100) in an ascending list of n values: ceil(p × n / 100), in integers.
func NearestRank(p, n int64) int64 { return (p*n + 99) / 100 }

// Percentiles returns the percentiles every Distribution reports, in the
// order of its fields P50…P99.
func Percentiles() []int64 { return []int64{50, 75, 90, 95, 99} }

// SetPercentile sets the i-th percentile of Percentiles (P50 for 0, …, P99
// for 4) to v.
func (d *Distribution) SetPercentile(i int, v int64) {
	*[]*int64{&d.P50, &d.P75, &d.P90, &d.P95, &d.P99}[i] = v
}

// ResponseTimes holds the time-to-acknowledge and time-to-resolve
// distributions of a window's alerts, overall and per priority level. Every
// priority level is present in the maps.
type ResponseTimes struct {
	Acknowledge, Resolve                     Distribution
	AcknowledgeByPriority, ResolveByPriority map[store.Priority]Distribution
}

// Counts are the counters a backend keeps per tenant and 15-minute bucket
// of created_at (bucket = created_at in Unix milliseconds ÷ 900,000), by
// the indexes below: the sums the analytics fold into days and hours.
type Counts [NumCounts]int64

// The counters of Counts, by index.
const (
	CountAlerts                = iota // alerts
	CountCritical                     // alerts per priority level, in store.Priorities order
	CountImportant                    //
	CountStandard                     //
	CountInfo                         //
	CountActionNeeded                 // alerts per type class, in store.TypeClasses order
	CountPreventedIssue               //
	CountTrendWarning                 //
	CountEscalation                   //
	CountInformation                  //
	CountResolved                     // alerts in status resolved
	CountOpen                         // alerts in an open status
	CountDismissed                    // alerts in status dismissed
	CountPreventedSavingsCents        // estimated savings of prevented_issue alerts, cents
	CountAcknowledged                 // alerts with an acknowledged_at
	CountAcknowledgeSeconds           // the sum of their times to acknowledge
	CountResolvedAt                   // alerts with a resolved_at
	CountResolveSeconds               // the sum of their times to resolve
	NumCounts
)

// DayCounters are the counters a trend needs per day: the alerts and
// their split by priority level.
func DayCounters() []int {
	return []int{CountAlerts, CountCritical, CountImportant, CountStandard, CountInfo}
}

// AllCounters lists every counter index.
func AllCounters() []int {
	out := make([]int, NumCounts)
	for i := range out {
		out[i] = i
	}
	return out
}

// Add adds o to c.
func (c *Counts) Add(o *Counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// BucketRange is the buckets [From, To).
type BucketRange struct{ From, To int64 }

// BucketCounts is a change of one bucket's counters.
type BucketCounts struct {
	Bucket int64
	Counts Counts
}

// CategoryCount is the number of alerts of one category.
type CategoryCount struct {
	Category string
	Count    int64
}

// KindCount is what a backend keeps of one kind of alert (alert_type,
// service), summed over buckets: the alerts, those acted on (with an
// acknowledged_at or a resolved_at) and those in status dismissed.
type KindCount struct {
	AlertType, Service       string
	Alerts, Acted, Dismissed int64
}

// BucketCategory is a change of one bucket's count of a category.
type BucketCategory struct {
	Bucket   int64
	Category string
	Count    int64
}

// DayTimes is what a backend keeps of one tenant's UTC day (day = created_at
// in Unix milliseconds ÷ 86,400,000): the times to acknowledge and to
// resolve of the alerts created that day, packed and sorted by the root
// package's write flows. Backends store and return the bytes as given.
type DayTimes struct {
	Day                            int64
	AcknowledgeTimes, ResolveTimes []byte
}
