package rollup

import (
	"testing"
	"time"

	"github.com/alertanalytics/alertanalytics/store"
)

// TestDayOfAgreesWithBuckets: the store's UTC day of an instant is the day
// of its 15-minute bucket, on both sides of midnight and of 1970.
func TestDayOfAgreesWithBuckets(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 86399999, 86400000, -86400000, -86400001, 1793232000000, 1793231999999} {
		at := time.UnixMilli(ms)
		if got, want := store.DayOf(at), DayOf(BucketOf(at)); got != want {
			t.Errorf("%d ms: store.DayOf %d, rollup %d", ms, got, want)
		}
	}
}
