package rollup

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Verify recomputes the tenant's kept totals — bucket counters, category
// counts, packed times and open totals — from its alert rows and reports
// the first difference, or nil when they are equal, to the unit. It reads
// every alert of the tenant.
func Verify(ctx context.Context, st store.Store, tenantID uuid.UUID) error {
	var (
		b    Builder
		open = map[store.TypeClass]store.OpenTotal{}
	)
	err := st.AlertFacts(ctx, tenantID, time.UnixMilli(0), time.UnixMilli(math.MaxInt64/2), func(a *store.Alert) error {
		b.Add(a)
		if a.Status.Open() {
			t := open[a.TypeClass]
			t.TypeClass = a.TypeClass
			t.Alerts++
			t.FinancialImpactCents += a.FinancialImpactCents
			open[a.TypeClass] = t
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := verifyCounts(ctx, st, tenantID, b.Delta().Counts()); err != nil {
		return err
	}
	if err := verifyCategories(ctx, st, tenantID, b.Delta().Categories()); err != nil {
		return err
	}
	if err := verifyKinds(ctx, st, tenantID, b.Delta().Kinds()); err != nil {
		return err
	}
	if err := verifyGroups(ctx, st, tenantID, &b); err != nil {
		return err
	}
	wantTimes, err := b.Times()
	if err != nil {
		return err
	}
	if err := verifyTimes(ctx, st, tenantID, wantTimes); err != nil {
		return err
	}
	return verifyOpen(ctx, st, tenantID, open)
}

func verifyCounts(ctx context.Context, st store.Store, tenantID uuid.UUID, want []BucketCounts) error {
	var got []BucketCounts
	err := eachCounts(newWindowRead(ctx, st, tenantID), math.MinInt64/2, math.MaxInt64/2, func(bucket int64, c *Counts) error {
		got = append(got, BucketCounts{Bucket: bucket, Counts: *c})
		return nil
	})
	if err != nil {
		return err
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("bucket %s: no counters kept, rows say %v", BucketStart(want[i].Bucket), want[i].Counts)
		case i >= len(want):
			return fmt.Errorf("bucket %s: counters %v kept, no rows", BucketStart(got[i].Bucket), got[i].Counts)
		case want[i] != got[i]:
			return fmt.Errorf("bucket %s: kept %v (bucket %s), rows say %v", BucketStart(want[i].Bucket), got[i].Counts,
				BucketStart(got[i].Bucket), want[i].Counts)
		}
	}
	return nil
}

// verifyCategories compares the category counts of every UTC day with
// alerts, and of all time.
func verifyCategories(ctx context.Context, st store.Store, tenantID uuid.UUID, want []BucketCategory) error {
	return verifySums(want,
		func(c BucketCategory) (int64, string, int64) { return c.Bucket, c.Category, c.Count },
		func(from, to int64) (map[string]int64, error) {
			got, err := sumCategories(newWindowRead(ctx, st, tenantID), from, to)
			out := map[string]int64{}
			for _, c := range got {
				out[c.Category] += c.Count
			}
			return out, err
		},
		func(a, b int64) int64 { return a + b }, "categories")
}

// verifyKinds compares the kinds' counters of every UTC day with alerts,
// and of all time.
func verifyKinds(ctx context.Context, st store.Store, tenantID uuid.UUID, want []BucketKind) error {
	type name struct{ alertType, service string }
	return verifySums(want,
		func(k BucketKind) (int64, name, KindCounts) { return k.Bucket, name{k.AlertType, k.Service}, k.Counts },
		func(from, to int64) (map[name]KindCounts, error) {
			got, err := sumKinds(newWindowRead(ctx, st, tenantID), from, to)
			out := map[name]KindCounts{}
			for _, k := range got {
				n := name{k.AlertType, k.Service}
				out[n] = out[n].add(KindCounts{k.Alerts, k.Acted, k.Dismissed}, 1)
			}
			return out, err
		},
		func(a, b KindCounts) KindCounts { return a.add(b, 1) }, "kinds")
}

// verifySums compares sums kept per key over buckets with the sums of the
// changes want, per UTC day with changes and over all time; read returns
// the kept sums of a bucket range, where a key summing to zero must be left
// out (as it is from want).
func verifySums[C any, K comparable, V comparable](want []C, split func(C) (int64, K, V),
	read func(from, to int64) (map[K]V, error), add func(V, V) V, what string) error {
	byDay := map[int64]map[K]V{}
	all := map[K]V{}
	for _, c := range want {
		bucket, k, v := split(c)
		day := DayOf(bucket)
		if byDay[day] == nil {
			byDay[day] = map[K]V{}
		}
		byDay[day][k] = add(byDay[day][k], v)
		all[k] = add(all[k], v)
	}
	check := func(from, to int64, want map[K]V) error {
		got, err := read(from, to)
		if err != nil {
			return err
		}
		var zero V
		maps.DeleteFunc(want, func(_ K, v V) bool { return v == zero })
		if !maps.Equal(got, want) {
			return fmt.Errorf("%s of %s–%s: kept %v, rows say %v", what, BucketStart(from), BucketStart(to), got, want)
		}
		return nil
	}
	if err := check(math.MinInt64/2, math.MaxInt64/2, all); err != nil {
		return err
	}
	for day, sums := range byDay {
		if err := check(day*bucketsPerDay, (day+1)*bucketsPerDay, sums); err != nil {
			return err
		}
	}
	return nil
}

// verifyGroups compares each day's groups, byte for byte: the encoding is
// canonical (groups by field and key, buckets and times in order).
func verifyGroups(ctx context.Context, st store.Store, tenantID uuid.UUID, b *Builder) error {
	days, err := b.Days()
	if err != nil {
		return err
	}
	want := map[int64][]byte{}
	for _, d := range days {
		if len(d.Groups) > 0 {
			want[d.Day] = d.Groups
		}
	}
	got := map[int64][]byte{}
	err = eachDayGroups(newWindowRead(ctx, st, tenantID), math.MinInt64/2, math.MaxInt64/2, func(day int64, g []byte) error {
		if len(g) > 0 {
			got[day] = bytes.Clone(g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for day, w := range want {
		if !bytes.Equal(w, got[day]) {
			return fmt.Errorf("day %d: kept groups differ from the rows'", day)
		}
	}
	for day := range got {
		if _, ok := want[day]; !ok {
			return fmt.Errorf("day %d: groups kept, rows have none", day)
		}
	}
	return nil
}

func verifyTimes(ctx context.Context, st store.Store, tenantID uuid.UUID, want []DayTimes) error {
	var got []DayTimes
	err := newWindowRead(ctx, st, tenantID).times(math.MinInt64/2, math.MaxInt64/2, func(dt *DayTimes) error {
		got = append(got, DayTimes{Day: dt.Day, AcknowledgeTimes: bytes.Clone(dt.AcknowledgeTimes), ResolveTimes: bytes.Clone(dt.ResolveTimes)})
		return nil
	})
	if err != nil {
		return err
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("day %d: no times kept, rows have some", want[i].Day)
		case i >= len(want):
			return fmt.Errorf("day %d: times kept, rows have none", got[i].Day)
		case want[i].Day != got[i].Day || !bytes.Equal(want[i].AcknowledgeTimes, got[i].AcknowledgeTimes) ||
			!bytes.Equal(want[i].ResolveTimes, got[i].ResolveTimes):
			return fmt.Errorf("day %d: kept times differ from the rows'", want[i].Day)
		}
	}
	return nil
}

func verifyOpen(ctx context.Context, st store.Store, tenantID uuid.UUID, open map[store.TypeClass]store.OpenTotal) error {
	kept, err := st.OpenTotals(ctx, tenantID)
	if err != nil {
		return err
	}
	var want []store.OpenTotal
	for _, tc := range store.TypeClasses() {
		if t, ok := open[tc]; ok {
			want = append(want, t)
		}
	}
	order := func(a, b store.OpenTotal) int {
		return cmp.Compare(slices.Index(store.TypeClasses(), a.TypeClass), slices.Index(store.TypeClasses(), b.TypeClass))
	}
	slices.SortFunc(kept, order)
	if !slices.Equal(want, kept) {
		var b strings.Builder
		fmt.Fprintf(&b, "open totals: kept %v, rows say %v", kept, want)
		return fmt.Errorf("%s", b.String())
	}
	return nil
}
