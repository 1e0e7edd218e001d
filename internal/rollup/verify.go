package rollup

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Verify recomputes the tenant's kept totals — rollups and open totals —
// from its alert rows and reports the first difference, or nil when they
// are equal, to the unit. It reads every alert of the tenant.
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
	want, err := b.Rollups()
	if err != nil {
		return err
	}
	var got []store.Rollup
	err = st.Rollups(ctx, tenantID, math.MinInt64/2, math.MaxInt64/2, store.RollupCategories|store.RollupTimes, func(r *store.Rollup) error {
		got = append(got, store.Rollup{Bucket: r.Bucket, Counts: bytes.Clone(r.Counts), Categories: bytes.Clone(r.Categories),
			AcknowledgeTimes: bytes.Clone(r.AcknowledgeTimes), ResolveTimes: bytes.Clone(r.ResolveTimes)})
		return nil
	})
	if err != nil {
		return err
	}
	if err := compareRollups(want, got); err != nil {
		return err
	}
	kept, err := st.OpenTotals(ctx, tenantID)
	if err != nil {
		return err
	}
	var wantOpen []store.OpenTotal
	for _, tc := range store.TypeClasses() {
		if t, ok := open[tc]; ok {
			wantOpen = append(wantOpen, t)
		}
	}
	slices.SortFunc(kept, func(a, b store.OpenTotal) int {
		return slices.Index(store.TypeClasses(), a.TypeClass) - slices.Index(store.TypeClasses(), b.TypeClass)
	})
	if !slices.Equal(wantOpen, kept) {
		return fmt.Errorf("open totals: kept %v, rows say %v", kept, wantOpen)
	}
	return nil
}

func compareRollups(want, got []store.Rollup) error {
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("bucket %d (%s): no rollup kept, rows say %s", want[i].Bucket, BucketStart(want[i].Bucket), describe(&want[i]))
		case i >= len(want):
			return fmt.Errorf("bucket %d (%s): rollup kept (%s), no rows", got[i].Bucket, BucketStart(got[i].Bucket), describe(&got[i]))
		case want[i].Bucket != got[i].Bucket:
			return fmt.Errorf("bucket %d: kept rollup of bucket %d instead", want[i].Bucket, got[i].Bucket)
		case !bytes.Equal(want[i].Counts, got[i].Counts), !bytes.Equal(want[i].Categories, got[i].Categories),
			!bytes.Equal(want[i].AcknowledgeTimes, got[i].AcknowledgeTimes), !bytes.Equal(want[i].ResolveTimes, got[i].ResolveTimes):
			return fmt.Errorf("bucket %d (%s): kept %s, rows say %s", want[i].Bucket, BucketStart(want[i].Bucket),
				describe(&got[i]), describe(&want[i]))
		}
	}
	return nil
}

func describe(r *store.Rollup) string {
	var c Counts
	if err := DecodeCounts(r.Counts, &c); err != nil {
		return err.Error()
	}
	ack, _ := DecodeKeys(nil, r.AcknowledgeTimes)
	res, _ := DecodeKeys(nil, r.ResolveTimes)
	return fmt.Sprintf("counts %v, %d acknowledge times, %d resolve times", c, len(ack), len(res))
}
