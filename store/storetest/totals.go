package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// The kept totals (rollups and open totals) must equal a recomputation
// from the rows after any sequence of writes, in any order, concurrent or
// not; and the analytics read from them must equal the same sums over rows.

// totalsDay is the fixed stretch the random writes fall in: three UTC days
// around Madrid's autumn change.
var totalsStart = time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC)

// drawTotalsAlert draws an alert of the tenant: a new id, or now and then
// one of ids again (a redelivery); new ids join ids.
func drawTotalsAlert(rt *rapid.T, tenant uuid.UUID, ids *[]uuid.UUID) store.Alert {
	id := uuid.New()
	if len(*ids) > 0 && rapid.IntRange(0, 4).Draw(rt, "redeliver") == 0 {
		id = rapid.SampledFrom(*ids).Draw(rt, "id")
	} else {
		*ids = append(*ids, id)
	}
	return store.Alert{
		ID: id, TenantID: tenant,
		AlertType:             rapid.SampledFrom([]string{"t", "low_stock", "T"}).Draw(rt, "type"),
		Service:               rapid.SampledFrom([]string{"", "oven", "ovens"}).Draw(rt, "service"),
		Category:              rapid.SampledFrom([]string{"stock", "production", "Stock", ""}).Draw(rt, "category"),
		PriorityLevel:         rapid.SampledFrom(store.Priorities()).Draw(rt, "priority"),
		TypeClass:             rapid.SampledFrom(store.TypeClasses()).Draw(rt, "class"),
		Status:                rapid.SampledFrom(store.Statuses()).Draw(rt, "status"),
		CreatedAt:             totalsStart.Add(time.Duration(rapid.Int64Range(0, 3*86400e3).Draw(rt, "created")) * time.Millisecond),
		FinancialImpactCents:  rapid.Int64Range(0, 1e6).Draw(rt, "impact"),
		EstimatedSavingsCents: rapid.Int64Range(0, 1e4).Draw(rt, "savings"),
	}
}

func testKeptTotalsMatchRows(t *testing.T, st flows) {
	ctx := context.Background()
	rapid.Check(t, func(rt *rapid.T) {
		tenant := uuid.New() // a fresh tenant per run: the store is shared
		var ids []uuid.UUID
		newAlert := func(rt *rapid.T) store.Alert { return drawTotalsAlert(rt, tenant, &ids) }
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for step := range steps {
			switch rapid.IntRange(0, 9).Draw(rt, "action") {
			case 0, 1, 2:
				batch := make([]store.Alert, rapid.IntRange(1, 8).Draw(rt, "alerts"))
				for i := range batch {
					batch[i] = newAlert(rt)
				}
				_, err := st.InsertAlerts(ctx, tenant, batch)
				require.NoError(rt, err)
			case 3, 4, 5, 6, 7:
				if len(ids) == 0 {
					continue
				}
				batch := make([]store.Interaction, rapid.IntRange(1, 6).Draw(rt, "interactions"))
				for i := range batch {
					when := totalsStart.Add(time.Duration(rapid.Int64Range(-3600e3, 4*86400e3).Draw(rt, "at")) * time.Millisecond)
					batch[i] = store.Interaction{ID: uuid.New(), TenantID: tenant, UserID: userID(),
						AlertID: rapid.SampledFrom(ids).Draw(rt, "alert"), Type: rapid.SampledFrom(store.InteractionTypes()).Draw(rt, "type"),
						InteractedAt: when, RecordedAt: when}
					if rapid.IntRange(0, 3).Draw(rt, "keyed") == 0 {
						batch[i].IdempotencyKey = fmt.Sprint("k", rapid.IntRange(0, 3).Draw(rt, "key"))
					}
				}
				_, err := st.RecordInteractions(ctx, tenant, batch)
				require.NoError(rt, err)
			case 8:
				_, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "rapid", DeletedAt: totalsStart})
				require.NoError(rt, err)
				ids = nil
			case 9:
				requireAnswersMatchRows(rt, st, tenant, rapid.Int64Range(0, 3*86400e3).Draw(rt, "now"))
			}
			require.NoError(rt, rollup.Verify(ctx, st, tenant), "after step %d", step)
		}
		requireAnswersMatchRows(rt, st, tenant, rapid.Int64Range(0, 3*86400e3).Draw(rt, "now"))
	})
}

// requireAnswersMatchRows checks the day totals, response times, category
// counts and kinds of alert read from rollups (whole buckets) and rows (cut
// buckets) against sums over the rows alone, for Madrid days ending at an
// instant that cuts a bucket (and, for categories and kinds, starting at
// one too).
func requireAnswersMatchRows(t require.TestingT, st flows, tenant uuid.UUID, nowOffset int64) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	now := totalsStart.Add(time.Duration(nowOffset) * time.Millisecond)
	var bounds []time.Time
	for d := -3; d <= 0; d++ {
		y, m, day := now.In(madrid).Date()
		bounds = append(bounds, time.Date(y, m, day+d, 0, 0, 0, 0, madrid).UTC())
	}
	bounds = append(bounds, now.Add(7*time.Minute+13*time.Second)) // cuts a bucket
	want, ack, res := requireDayTotals(t, st, tenant, bounds)
	requireBucketsAndTimes(t, st, tenant, bounds, want, ack, res)
	from, to := bounds[0].Add(7*time.Minute+13*time.Second), bounds[len(bounds)-1]
	requireCategoriesAndKinds(t, st, tenant, from, to)
	requireGroups(t, st, tenant, from, to)
}

// requireDayTotals checks the day totals, the past period and the
// response times over bounds against the rows, and returns what the rows
// give: the counters per range and the acknowledge and resolve keys.
func requireDayTotals(t require.TestingT, st flows, tenant uuid.UUID, bounds []time.Time) ([]rollup.Counts, []uint64, []uint64) {
	ctx := context.Background()
	got, err := rollup.ReadDayTotals(ctx, st, tenant, bounds)
	require.NoError(t, err)
	want := make([]rollup.Counts, len(bounds)-1)
	var ack, res []uint64
	err = st.AlertFacts(ctx, tenant, bounds[0], bounds[len(bounds)-1], func(a *store.Alert) error {
		for i := range want {
			if !a.CreatedAt.Before(bounds[i]) && a.CreatedAt.Before(bounds[i+1]) {
				c := rollup.Of(a)
				want[i].Add(&c.Counts)
				if c.Counts[rollup.CountAcknowledged] == 1 {
					ack = append(ack, c.AcknowledgeKey)
				}
				if c.Counts[rollup.CountResolvedAt] == 1 {
					res = append(res, c.ResolveKey)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	for i := range want {
		require.Equal(t, want[i][rollup.CountAlerts], got[i].Count, "day %d", i)
		require.Equal(t, want[i][rollup.CountOpen], got[i].Open, "day %d", i)
		require.Equal(t, want[i][rollup.CountResolved], got[i].Resolved, "day %d", i)
		require.Equal(t, want[i][rollup.CountAcknowledgeSeconds], got[i].AcknowledgeSeconds, "day %d", i)
		require.Equal(t, want[i][rollup.CountPreventedSavingsCents], got[i].PreventedSavingsCents, "day %d", i)
	}
	// Read as a past period, the cut end's shorter side comes from rows.
	past, _, err := rollup.PastPeriod(ctx, st, tenant, bounds, rollup.AllCounters(), nil)
	require.NoError(t, err)
	require.Equal(t, want, past)
	times, err := rollup.ReadResponseTimes(ctx, st, tenant, bounds[0], bounds[len(bounds)-1], &rollup.Buffers{})
	require.NoError(t, err)
	ack, _ = rollup.SortKeys(ack, nil)
	res, _ = rollup.SortKeys(res, nil)
	wantAck, _ := rollup.Distributions(ack)
	wantRes, _ := rollup.Distributions(res)
	require.Equal(t, wantAck, times.Acknowledge)
	require.Equal(t, wantRes, times.Resolve)

	return want, ack, res
}

// requireBucketsAndTimes checks that, bucket by bucket and time by time,
// the same range adds up to what the rows give.
func requireBucketsAndTimes(t require.TestingT, st flows, tenant uuid.UUID, bounds []time.Time, want []rollup.Counts, ack, res []uint64) {
	ctx := context.Background()
	// The rows that correct cut buckets come signed.
	from, to := bounds[0], bounds[len(bounds)-1]
	var alerts, open int64
	err := rollup.EachBucket(ctx, st, tenant, from, to,
		func(_ int64, c *rollup.Counts) { alerts += c[rollup.CountAlerts]; open += c[rollup.CountOpen] },
		func(a *store.Alert, sign int64) {
			c := rollup.Of(a)
			alerts += sign
			open += sign * c.Counts[rollup.CountOpen]
		})
	require.NoError(t, err)
	var wantAlerts, wantOpen int64
	for i := range want {
		wantAlerts += want[i][rollup.CountAlerts]
		wantOpen += want[i][rollup.CountOpen]
	}
	require.Equal(t, wantAlerts, alerts)
	require.Equal(t, wantOpen, open)
	keys := map[rollup.Kind]map[uint64]int64{rollup.Acknowledge: {}, rollup.Resolve: {}}
	err = rollup.EachTime(ctx, st, tenant, from, to, func(kind rollup.Kind, k uint64, _, sign int64) {
		keys[kind][k] += sign
	})
	require.NoError(t, err)
	for kind, want := range map[rollup.Kind][]uint64{rollup.Acknowledge: ack, rollup.Resolve: res} {
		counted := map[uint64]int64{}
		for _, k := range want {
			counted[k]++
		}
		for k, n := range keys[kind] {
			if n == 0 {
				delete(keys[kind], k)
			}
		}
		require.Equal(t, counted, keys[kind], "kind %d", kind)
	}

}

// requireCategoriesAndKinds checks the categories and kinds of alert over
// a range cut at both ends against the rows.
func requireCategoriesAndKinds(t require.TestingT, st flows, tenant uuid.UUID, from, to time.Time) {
	ctx := context.Background()
	wantCats, wantKinds := map[string]int64{}, map[[2]string]rollup.KindCount{}
	err := st.AlertFacts(ctx, tenant, from, to, func(a *store.Alert) error {
		wantCats[a.Category]++
		k := wantKinds[[2]string{a.AlertType, a.Service}]
		k.AlertType, k.Service = a.AlertType, a.Service
		k.Alerts++
		if a.AcknowledgedAt != nil || a.ResolvedAt != nil {
			k.Acted++
		}
		if a.Status == store.StatusDismissed {
			k.Dismissed++
		}
		wantKinds[[2]string{a.AlertType, a.Service}] = k
		return nil
	})
	require.NoError(t, err)
	cats, err := rollup.TopCategories(ctx, st, tenant, from, to, 100)
	require.NoError(t, err)
	gotCats := map[string]int64{}
	for _, c := range cats {
		gotCats[c.Category] = c.Count
	}
	require.Equal(t, wantCats, gotCats)
	kinds, err := rollup.Kinds(ctx, st, tenant, from, to)
	require.NoError(t, err)
	gotKinds := map[[2]string]rollup.KindCount{}
	for _, k := range kinds {
		gotKinds[[2]string{k.AlertType, k.Service}] = k
	}
	require.Equal(t, wantKinds, gotKinds)

}

// requireGroups checks the groups (the breakdowns) over the range, each
// field, against the rows.
func requireGroups(t require.TestingT, st flows, tenant uuid.UUID, from, to time.Time) {
	ctx := context.Background()
	for _, field := range []rollup.Field{rollup.FieldCategory, rollup.FieldService, rollup.FieldAlertType} {
		want := map[string]*rollup.GroupTotals{}
		err := st.AlertFacts(ctx, tenant, from, to, func(a *store.Alert) error {
			key := map[rollup.Field]string{rollup.FieldCategory: a.Category, rollup.FieldService: a.Service, rollup.FieldAlertType: a.AlertType}[field]
			g := want[key]
			if g == nil {
				g = &rollup.GroupTotals{}
				want[key] = g
			}
			g.Alerts++
			switch {
			case a.Status == store.StatusResolved:
				g.Resolved++
			case a.Status.Open():
				g.Open++
			}
			if a.AcknowledgedAt != nil {
				g.AcknowledgeSeconds = append(g.AcknowledgeSeconds, store.ResponseTimeSeconds(a.CreatedAt, *a.AcknowledgedAt))
			}
			if a.ResolvedAt != nil {
				g.ResolveSeconds = append(g.ResolveSeconds, store.ResponseTimeSeconds(a.CreatedAt, *a.ResolvedAt))
			}
			return nil
		})
		require.NoError(t, err)
		got, err := rollup.Groups(ctx, st, tenant, from, to, field)
		require.NoError(t, err)
		for _, groups := range []map[string]*rollup.GroupTotals{want, got} {
			for _, g := range groups {
				slices.Sort(g.AcknowledgeSeconds)
				slices.Sort(g.ResolveSeconds)
				if len(g.AcknowledgeSeconds) == 0 {
					g.AcknowledgeSeconds = nil
				}
				if len(g.ResolveSeconds) == 0 {
					g.ResolveSeconds = nil
				}
			}
		}
		require.Equal(t, want, got, "field %d", field)
	}
}

func testConcurrentWritersKeepTotalsExact(t *testing.T, st flows) {
	ctx := context.Background()
	tenant := uuid.New()
	const writers, rounds = 4, 15
	runWriters(t, writers, func(w int) error {
		r := rand.New(rand.NewPCG(uint64(w), 7))
		var mine []uuid.UUID
		for range rounds {
			batch := make([]store.Alert, 10)
			for i := range batch {
				// Every writer writes into the same few buckets.
				batch[i] = alert(tenant, 0, totalsStart.Add(time.Duration(r.IntN(3600))*time.Second),
					withPriority(store.Priorities()[r.IntN(4)]), withImpact(int64(r.IntN(1000))))
				batch[i].ID = uuid.New()
				mine = append(mine, batch[i].ID)
			}
			if _, err := st.InsertAlerts(ctx, tenant, batch); err != nil {
				return err
			}
			ins := make([]store.Interaction, 5)
			for i := range ins {
				ins[i] = interaction(tenant, mine[r.IntN(len(mine))], store.InteractionTypes()[r.IntN(4)],
					totalsStart.Add(time.Duration(r.IntN(7200))*time.Second))
			}
			if _, err := st.RecordInteractions(ctx, tenant, ins); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, rollup.Verify(ctx, st, tenant))
	require.Equal(t, int64(writers*rounds*10), counts(t, st, tenant).Alerts)
}

// testDeleteDuringOwnIngest deletes a tenant again and again while the
// tenant itself ingests and records interactions: whatever survives, its
// kept totals equal its rows.
func testDeleteDuringOwnIngest(t *testing.T, st flows) {
	ctx := context.Background()
	tenant, other := uuid.New(), uuid.New()
	insert(t, st, other, alert(other, 1, totalsStart, withImpact(500)))
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 64)
	for w := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 11))
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				batch := make([]store.Alert, 40)
				for j := range batch {
					batch[j] = alert(tenant, 0, totalsStart.Add(time.Duration(r.IntN(86400))*time.Second), withImpact(int64(r.IntN(10000))))
					batch[j].ID = uuid.New()
				}
				if _, err := st.InsertAlerts(ctx, tenant, batch); err != nil {
					errs <- err
					return
				}
				ins := []store.Interaction{interaction(tenant, batch[0].ID, store.InteractionResolved, totalsStart.Add(time.Hour))}
				if _, err := st.RecordInteractions(ctx, tenant, ins); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 6 {
		time.Sleep(15 * time.Millisecond)
		if _, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "t", DeletedAt: totalsStart}); err != nil {
			errs <- err
			break
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, rollup.Verify(ctx, st, tenant))
	require.NoError(t, rollup.Verify(ctx, st, other))
	require.Equal(t, int64(1), counts(t, st, other).Alerts)
}

// testHotTenantWriters is an incident's shape: many writers on one tenant
// at once, each ingesting single alerts and acknowledging or resolving
// them, some with an earlier time than one kept (an offline sync, which
// replaces a kept time). Every call succeeds: a backend that bounds its
// lock waits (PostgreSQL's Config.LockTimeout) fails a call that waited
// longer with store.ErrOverloaded, so no writer waited past the bound. The
// kept totals equal the rows after.
func testHotTenantWriters(t *testing.T, st flows) {
	ctx := context.Background()
	tenant := uuid.New()
	const writers, rounds = 16, 12
	runWriters(t, writers, func(w int) error {
		r := rand.New(rand.NewPCG(uint64(w), 11))
		var mine []store.Alert
		for range rounds {
			a := alert(tenant, 0, totalsStart.Add(time.Duration(r.IntN(600))*time.Second),
				withPriority(store.Priorities()[r.IntN(4)]), withImpact(int64(r.IntN(1000))))
			a.ID = uuid.New()
			if _, err := st.InsertAlerts(ctx, tenant, []store.Alert{a}); err != nil {
				return err
			}
			mine = append(mine, a)
			target := mine[r.IntN(len(mine))]
			typ := []store.InteractionType{store.InteractionAcknowledged, store.InteractionResolved}[r.IntN(2)]
			in := interaction(tenant, target.ID, typ, target.CreatedAt.Add(time.Duration(r.IntN(3600))*time.Second))
			if _, err := st.RecordInteractions(ctx, tenant, []store.Interaction{in}); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, rollup.Verify(ctx, st, tenant))
	c := counts(t, st, tenant)
	require.Equal(t, int64(writers*rounds), c.Alerts)
	require.Equal(t, int64(writers*rounds), c.AlertInteractions)
}

// runWriters runs fn for writers 0…n−1 at once and fails the test with
// the errors they returned, once all have finished.
func runWriters(t *testing.T, n int, fn func(w int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range n {
		wg.Go(func() {
			if err := fn(w); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
