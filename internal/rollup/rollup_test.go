package rollup

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics/store"
)

func TestBuckets(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 29, 1, 14, 59, 999e6, time.UTC)
	require.Equal(t, at.Truncate(15*time.Minute), BucketStart(BucketOf(at)))
	require.Equal(t, BucketOf(at)+1, BucketOf(at.Add(time.Millisecond)))
	before := time.UnixMilli(-1).UTC() // floor division below zero
	require.Equal(t, int64(-1), BucketOf(before))
	// Kolkata's midnight (+05:30) and Kathmandu's (+05:45) are bucket edges.
	for _, zone := range []string{"Asia/Kolkata", "Asia/Kathmandu", "Australia/Eucla", "Pacific/Chatham"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		require.True(t, aligned(time.Date(2026, 11, 2, 0, 0, 0, 0, loc)), zone)
	}
}

func TestSortKeysMatchesSort(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		keys := rapid.SliceOf(rapid.Uint64Range(0, 1<<44)).Draw(t, "keys")
		want := slices.Clone(keys)
		slices.Sort(want)
		got, _ := SortKeys(slices.Clone(keys), nil)
		require.Equal(t, want, got)
		enc := AppendKeys(nil, want)
		dec, err := DecodeKeys(nil, enc)
		require.NoError(t, err)
		require.True(t, slices.Equal(want, dec), "decoded %v, want %v", dec, want)
	})
}

func TestDistributions(t *testing.T) {
	t.Parallel()
	crit, std := PriorityIndex(store.PriorityCritical), PriorityIndex(store.PriorityStandard)
	bucket := int64(1_000_000)
	// Ten values 10…100 s; the critical ones are 10, 40, 70 and 100.
	var keys []uint64
	for i := int64(1); i <= 10; i++ {
		p := std
		if i%3 == 1 {
			p = crit
		}
		keys = append(keys, Key(10*i, p, bucket+i%3))
	}
	slices.Sort(keys)
	overall, by := Distributions(keys)
	// Nearest rank of 10 values: p50 → 5th (50), p75 → 8th (80), p90 → 9th
	// (90), p95 and p99 → 10th (100). Interpolation would say 55 and 77.5.
	require.Equal(t, Distribution{Count: 10, SumSeconds: 550, P50: 50, P75: 80, P90: 90, P95: 100, P99: 100}, overall)
	// Critical 10, 40, 70, 100: p50 → 2nd (40), p75 → 3rd (70), p90+ → 4th.
	require.Equal(t, Distribution{Count: 4, SumSeconds: 220, P50: 40, P75: 70, P90: 100, P95: 100, P99: 100}, by[store.PriorityCritical])
	// Standard 20, 30, 50, 60, 80, 90: p50 → 3rd (50), p75 → 5th (80), p90+ → 6th.
	require.Equal(t, Distribution{Count: 6, SumSeconds: 330, P50: 50, P75: 80, P90: 90, P95: 90, P99: 90}, by[store.PriorityStandard])
	require.Equal(t, Distribution{}, by[store.PriorityInfo])
}

func TestDeltaMovesTimes(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	late, early := created.Add(time.Hour), created.Add(time.Minute)
	a := store.Alert{CreatedAt: created, Category: "stock", PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassActionNeeded,
		Status: store.StatusActive}
	acked := a
	acked.Status, acked.AcknowledgedAt = store.StatusAcknowledged, &late
	// A late offline sync moves acknowledged_at earlier.
	earlier := acked
	earlier.AcknowledgedAt = &early

	var d Delta
	for _, move := range [][2]*store.Alert{{nil, &a}, {&a, &acked}, {&acked, &earlier}} {
		if move[0] != nil {
			c := Of(move[0])
			d.Add(&c, -1)
		}
		c := Of(move[1])
		d.Add(&c, 1)
	}
	var b Builder
	b.Add(&earlier)
	want, err := b.Days()
	require.NoError(t, err)
	dt := Day{Day: DayOf(BucketOf(created))}
	require.NoError(t, d.ApplyDay(&dt))
	require.Equal(t, want, []Day{dt})
	require.Equal(t, b.Delta().Counts(), d.Counts())
	require.Equal(t, b.Delta().Categories(), d.Categories())
	require.Equal(t, b.Delta().Kinds(), d.Kinds())
	// Acknowledged: the kind's one alert is acted on.
	require.Equal(t, []BucketKind{{Bucket: BucketOf(created), Counts: KindCounts{Alerts: 1, Acted: 1}}}, d.Kinds())
	keys, err := DecodeKeys(nil, dt.AcknowledgeTimes)
	require.NoError(t, err)
	require.Equal(t, []uint64{Key(60, PriorityIndex(store.PriorityInfo), BucketOf(created))}, keys)
	require.Equal(t, int64(60), KeySeconds(keys[0]))
	require.Equal(t, BucketOf(created), keyBucket(keys[0], dt.Day))
}

// TestDayEncoding: what a day row holds decodes to what was added, and
// taking everything away leaves an empty day.
func TestDayEncoding(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		day := rapid.Int64Range(-3, 30000).Draw(t, "day")
		type change struct {
			slot     int
			counter  int
			category string
			n        int64
		}
		changes := rapid.SliceOf(rapid.Custom(func(t *rapid.T) change {
			return change{rapid.IntRange(0, int(bucketsPerDay)-1).Draw(t, "slot"), rapid.IntRange(0, NumCounts-1).Draw(t, "counter"),
				rapid.SampledFrom([]string{"", "stock", "stöck", "a\x00b"}).Draw(t, "category"), rapid.Int64Range(-1<<40, 1<<40).Draw(t, "n")}
		})).Draw(t, "changes")
		wantCounts := map[int64]Counts{}
		wantCats := map[[2]any]int64{}
		wantKinds := map[[3]any]KindCounts{}
		var d Delta
		d.days = map[int64]*dayDelta{}
		dd := &dayDelta{counts: map[int]*Counts{}, categories: map[slotCategory]int64{}, kinds: map[slotKind]KindCounts{}}
		d.days[day] = dd
		for _, c := range changes {
			if dd.counts[c.slot] == nil {
				dd.counts[c.slot] = new(Counts)
			}
			dd.counts[c.slot][c.counter] += c.n
			dd.categories[slotCategory{c.slot, c.category}] += c.n
			b := DayStart(day) + int64(c.slot)
			w := wantCounts[b]
			w[c.counter] += c.n
			wantCounts[b] = w
			wantCats[[2]any{b, c.category}] += c.n
			k := slotKind{c.slot, c.category, "svc-" + c.category}
			dd.kinds[k] = dd.kinds[k].add(KindCounts{c.n, c.n / 2, int64(c.counter)}, 1)
			wantKinds[[3]any{b, k.alertType, k.service}] = wantKinds[[3]any{b, k.alertType, k.service}].add(KindCounts{c.n, c.n / 2, int64(c.counter)}, 1)
		}
		row := Day{Day: day}
		require.NoError(t, d.ApplyDay(&row))
		gotCounts := map[int64]Counts{}
		prev := int64(-1 << 62)
		require.NoError(t, DecodeCounts(day, row.Counts, func(b int64, c *Counts) {
			require.Greater(t, b, prev, "bucket order")
			prev = b
			gotCounts[b] = *c
		}))
		for b, c := range wantCounts {
			if c == (Counts{}) {
				delete(wantCounts, b)
			}
		}
		require.Equal(t, wantCounts, gotCounts)
		gotCats := map[[2]any]int64{}
		require.NoError(t, DecodeCategories(day, row.Categories, func(name []byte, b, n int64) { gotCats[[2]any{b, string(name)}] += n }))
		for k, n := range wantCats {
			if n == 0 {
				delete(wantCats, k)
			}
		}
		require.Equal(t, wantCats, gotCats)
		gotKinds := map[[3]any]KindCounts{}
		require.NoError(t, DecodeKinds(day, row.Kinds, func(alertType, service []byte, b int64, c KindCounts) {
			gotKinds[[3]any{b, string(alertType), string(service)}] = c
		}))
		for k, c := range wantKinds {
			if c == (KindCounts{}) {
				delete(wantKinds, k)
			}
		}
		require.Equal(t, wantKinds, gotKinds)
		// Applying the opposite change empties the day.
		for _, c := range dd.counts {
			for i := range c {
				c[i] = -c[i]
			}
		}
		for k := range dd.categories {
			dd.categories[k] = -dd.categories[k]
		}
		for k, c := range dd.kinds {
			dd.kinds[k] = KindCounts{}.add(c, -1)
		}
		require.NoError(t, d.ApplyDay(&row))
		require.True(t, row.Empty(), "%x %x %x", row.Counts, row.Categories, row.Kinds)
	})
}
