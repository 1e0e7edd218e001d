package rollup

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics/store"
)

// TestMergeStripes: alerts written to a day as several stripes (each its
// own row, built from a share of the alerts, some of whose later moves land
// in another stripe as signed changes) merge, row by row and column by
// column, into exactly the row one writer would have kept.
func TestMergeStripes(t *testing.T) {
	t.Parallel()
	dayStart := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "alerts")
		stripes := rapid.IntRange(1, 5).Draw(t, "stripes")
		var whole Delta
		parts := make([]Delta, stripes)
		for range n {
			created := dayStart.Add(time.Duration(rapid.IntRange(0, 86399).Draw(t, "created")) * time.Second)
			a := store.Alert{ID: uuid.New(), CreatedAt: created, Status: store.StatusActive,
				PriorityLevel: rapid.SampledFrom(store.Priorities()).Draw(t, "priority"),
				TypeClass:     store.TypeClassActionNeeded,
				Category:      rapid.SampledFrom([]string{"stock", "oven", ""}).Draw(t, "category"),
				AlertType:     rapid.SampledFrom([]string{"low", "high"}).Draw(t, "type"),
				Service:       rapid.SampledFrom([]string{"", "erp"}).Draw(t, "service")}
			before := Of(&a)
			parts[rapid.IntRange(0, stripes-1).Draw(t, "stripe of ingest")].Add(&before, 1)
			if rapid.Bool().Draw(t, "moved") {
				ack := created.Add(time.Duration(rapid.IntRange(0, 7200).Draw(t, "tta")) * time.Second)
				b := a
				b.Status, b.AcknowledgedAt = store.StatusResolved, &ack
				b.ResolvedAt = &ack
				after := Of(&b)
				p := &parts[rapid.IntRange(0, stripes-1).Draw(t, "stripe of move")]
				p.Add(&before, -1)
				p.Add(&after, 1)
				whole.Add(&after, 1)
			} else {
				whole.Add(&before, 1)
			}
		}
		day := DayOf(BucketOf(dayStart))
		want := Day{Day: day}
		require.NoError(t, whole.ApplyDay(&want))
		rows := make([]Day, stripes)
		for i := range parts {
			rows[i] = Day{Day: day, Stripe: int64(i)}
			require.NoError(t, parts[i].ApplyDay(&rows[i]))
		}
		got := rows[0]
		for i := range rows[1:] {
			require.NoError(t, Merge(&got, &rows[1+i]))
		}
		got.Stripe = 0
		require.Equal(t, want, got)
		// Column by column, as reads merge them (Runs).
		for _, c := range store.AllDayColumns.Columns() {
			var out []byte
			calls := 0
			r := Runs{Fn: func(d *Day) error {
				require.Equal(t, day, d.Day)
				calls++
				out = append([]byte(nil), *d.Column(c)...)
				return nil
			}}
			for i := range rows {
				part := Day{Day: day}
				*part.Column(c) = *rows[i].Column(c)
				require.NoError(t, r.Add(len(rows), &part))
			}
			require.NoError(t, r.Flush())
			require.Equal(t, 1, calls, "column %s handed on once", c.Name())
			require.Equal(t, string(*want.Column(c)), string(out), "column %s", c.Name())
		}
	})
}

// TestRemovesNeedsEveryStripe: a delta that takes a packed time away says
// so, and one that only adds does not.
func TestRemovesNeedsEveryStripe(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC)
	late, early := created.Add(10*time.Minute), created.Add(time.Minute)
	a := store.Alert{ID: uuid.New(), CreatedAt: created, Status: store.StatusActive, PriorityLevel: store.PriorityCritical,
		TypeClass: store.TypeClassActionNeeded, AlertType: "low"}
	b := a
	b.Status, b.AcknowledgedAt = store.StatusAcknowledged, &late
	c := b
	c.AcknowledgedAt = &early // an offline sync with an earlier acknowledgement
	var first, second Delta
	ca, cb, cc := Of(&a), Of(&b), Of(&c)
	first.Add(&ca, -1)
	first.Add(&cb, 1)
	require.False(t, first.Removes(), "a first acknowledgement only adds a time")
	second.Add(&cb, -1)
	second.Add(&cc, 1)
	require.True(t, second.Removes(), "an earlier acknowledgement replaces the kept time")
}
