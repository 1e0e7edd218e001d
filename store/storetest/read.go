package storetest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// madridSpring returns the bounds of the local days 2026-03-29…31 in
// Europe/Madrid. Clocks go from 02:00 (+01:00) to 03:00 (+02:00) on the
// 29th, at 01:00 UTC, so that day lasts 23 hours.
func madridSpring(t *testing.T) []time.Time {
	return []time.Time{
		at(t, "2026-03-28T23:00:00Z"), // 2026-03-29 00:00 +01:00
		at(t, "2026-03-29T22:00:00Z"), // 2026-03-30 00:00 +02:00
		at(t, "2026-03-30T22:00:00Z"), // 2026-03-31 00:00 +02:00
		at(t, "2026-03-31T22:00:00Z"), // 2026-04-01 00:00 +02:00, exclusive
	}
}

func insertWindowFixture(t *testing.T, st flows) {
	a := tenantA()
	insert(t, st, a,
		// One millisecond before the window: out.
		alert(a, 1, at(t, "2026-03-28T22:59:59.999Z")),
		// First instant of the window: 29th, 00:00 local.
		alert(a, 2, at(t, "2026-03-28T23:00:00Z"), withPriority(store.PriorityCritical),
			withAcknowledgedAt(at(t, "2026-03-28T23:01:05.500Z"))), // 65 s
		// 01:59:59 local, just before the change: 29th.
		alert(a, 3, at(t, "2026-03-29T00:59:59Z"), withPriority(store.PriorityImportant),
			withStatus(store.StatusResolved), withTypeClass(store.TypeClassTrendWarning)),
		// 23:59:59 local (+02:00): still the 29th.
		alert(a, 4, at(t, "2026-03-29T21:59:59Z"), withStatus(store.StatusSnoozed),
			withTypeClass(store.TypeClassEscalation),
			withAcknowledgedAt(at(t, "2026-03-29T21:59:00Z"))), // before created: 0 s
		// 00:00 local on the 30th.
		alert(a, 5, at(t, "2026-03-29T22:00:00Z"), withPriority(store.PriorityCritical),
			withStatus(store.StatusResolved), withTypeClass(store.TypeClassPreventedIssue),
			func(x *store.Alert) { x.EstimatedSavingsCents = 1234 }),
		// Savings on an alert that is not a prevented issue do not count.
		alert(a, 8, at(t, "2026-03-30T10:00:00Z"), withPriority(store.PriorityCritical),
			withStatus(store.StatusAcknowledged), func(x *store.Alert) { x.EstimatedSavingsCents = 999 }),
		// Last millisecond of the window: the 31st.
		alert(a, 6, at(t, "2026-03-31T21:59:59.999Z"), withPriority(store.PriorityInfo),
			withStatus(store.StatusDismissed), withTypeClass(store.TypeClassPreventedIssue),
			func(x *store.Alert) { x.EstimatedSavingsCents = 100 }),
		// The window's end is exclusive.
		alert(a, 7, at(t, "2026-03-31T22:00:00Z")),
	)
	// Tenant B has an alert inside the window; it must not be counted.
	insert(t, st, tenantB(), alert(tenantB(), 2, at(t, "2026-03-30T12:00:00Z"), withPriority(store.PriorityCritical)))
}

// totals builds the expected totals of one day.
func totals(count int64, priorities [4]int64, classes [5]int64, resolved, open, savings, acked, ackSeconds int64) rollup.DayTotals {
	t := rollup.NewDayTotals()
	t.Count, t.Resolved, t.Open = count, resolved, open
	for i, p := range store.Priorities() {
		t.ByPriority[p] = priorities[i]
	}
	for i, c := range store.TypeClasses() {
		t.ByTypeClass[c] = classes[i]
	}
	t.PreventedSavingsCents, t.AcknowledgedCount, t.AcknowledgeSeconds = savings, acked, ackSeconds
	return t
}

func testDayTotalsByLocalDay(t *testing.T, st flows) {
	insertWindowFixture(t, st)
	days, err := rollup.ReadDayTotals(context.Background(), st, tenantA(), madridSpring(t))
	require.NoError(t, err)
	require.Equal(t, []rollup.DayTotals{
		// 29th (23 hours): alerts 2 (critical, active, acknowledged after
		// 65.5 s → 65), 3 (important, resolved, trend warning) and 4
		// (standard, snoozed, escalation, acknowledged before creation → 0).
		totals(3, [4]int64{1, 1, 1, 0}, [5]int64{1, 0, 1, 1, 0}, 1, 2, 0, 2, 65),
		// 30th: alerts 5 (critical, resolved, prevented, 12.34 €) and 8
		// (critical, acknowledged, action needed, savings that do not count).
		totals(2, [4]int64{2, 0, 0, 0}, [5]int64{1, 1, 0, 0, 0}, 1, 1, 1234, 0, 0),
		// 31st: alert 6 (info, dismissed, prevented, 1 €) at the last millisecond.
		totals(1, [4]int64{0, 0, 0, 1}, [5]int64{0, 1, 0, 0, 0}, 0, 0, 100, 0, 0),
	}, days)
}

func testDayTotalsUTC(t *testing.T, st flows) {
	insertWindowFixture(t, st)
	days, err := rollup.ReadDayTotals(context.Background(), st, tenantA(), []time.Time{
		at(t, "2026-03-28T00:00:00Z"), at(t, "2026-03-29T00:00:00Z"), at(t, "2026-03-30T00:00:00Z"),
		at(t, "2026-03-31T00:00:00Z"), at(t, "2026-04-01T00:00:00Z"),
	})
	require.NoError(t, err)
	var counts []int64
	for _, d := range days {
		counts = append(counts, d.Count)
	}
	// UTC days: 1 and 2 on the 28th; 3, 4 and 5 on the 29th; 8 on the 30th;
	// 6 and 7 on the 31st. Tenant B's alert on the 30th does not count.
	require.Equal(t, []int64{2, 3, 1, 2}, counts)

	// One day, empty: zero-filled with every level and class present.
	days, err = rollup.ReadDayTotals(context.Background(), st, tenantA(), []time.Time{at(t, "2026-01-01T00:00:00Z"), at(t, "2026-01-02T00:00:00Z")})
	require.NoError(t, err)
	require.Equal(t, []rollup.DayTotals{rollup.NewDayTotals()}, days)
}

func cat(name string, n int64) rollup.CategoryCount {
	return rollup.CategoryCount{Category: name, Count: n}
}

func testTopCategories(t *testing.T, st flows) {
	from, to := at(t, "2026-05-01T00:00:00Z"), at(t, "2026-05-08T00:00:00Z")
	in := from.Add(time.Hour)
	n := 0
	add := func(tenant uuid.UUID, category string, count int, created time.Time) {
		for range count {
			n++
			insert(t, st, tenant, alert(tenant, n, created, withCategory(category)))
		}
	}
	add(tenantA(), "bread", 3, in)
	add(tenantA(), "apple", 2, in)
	add(tenantA(), "Zeta", 2, in) // "Z" sorts before "a" in byte order
	add(tenantA(), "dough", 2, in)
	add(tenantA(), "cake", 1, in)
	add(tenantA(), "cake", 5, to)              // outside the window
	add(tenantA(), "cake", 5, from.Add(-1))    // outside the window
	add(tenantB(), "zzz-other-tenant", 10, in) // other tenant
	ctx := context.Background()
	top, err := rollup.TopCategories(ctx, st, tenantA(), from, to, 3)
	require.NoError(t, err)
	require.Equal(t, []rollup.CategoryCount{cat("bread", 3), cat("Zeta", 2), cat("apple", 2)}, top)
	top, err = rollup.TopCategories(ctx, st, tenantA(), from, to, 10)
	require.NoError(t, err)
	require.Equal(t, []rollup.CategoryCount{cat("bread", 3), cat("Zeta", 2), cat("apple", 2), cat("dough", 2), cat("cake", 1)}, top)
	top, err = rollup.TopCategories(ctx, st, tenantA(), to, to.Add(time.Hour), 3)
	require.NoError(t, err)
	require.Equal(t, []rollup.CategoryCount{cat("cake", 5)}, top)
}

// seedResponseTimes writes testResponseTimePercentiles' alerts, created an
// hour after from, and one at to.
func seedResponseTimes(t *testing.T, st flows, a uuid.UUID, from, to time.Time) {
	created := from.Add(time.Hour)
	var alerts []store.Alert
	// Critical: times to acknowledge 100, 200, …, 1000 s; the first is
	// 100.999 s, which counts as 100 whole seconds.
	for i := 1; i <= 10; i++ {
		d := time.Duration(i*100) * time.Second
		if i == 1 {
			d += 999 * time.Millisecond
		}
		alerts = append(alerts, alert(a, i, created, withPriority(store.PriorityCritical), withAcknowledgedAt(created.Add(d))))
	}
	// Info: acknowledged before it was created: 0 s.
	alerts = append(alerts, alert(a, 11, created, withPriority(store.PriorityInfo), withAcknowledgedAt(created.Add(-time.Minute))))
	// Standard: times to resolve 3600, 60, 7200.5, 60 s.
	for i, d := range []time.Duration{time.Hour, time.Minute, 2*time.Hour + 500*time.Millisecond, time.Minute} {
		alerts = append(alerts, alert(a, 20+i, created, withResolvedAt(created.Add(d))))
	}
	// Important: times to resolve 25, 5, 15 s.
	for i, d := range []time.Duration{25 * time.Second, 5 * time.Second, 15 * time.Second} {
		alerts = append(alerts, alert(a, 25+i, created, withPriority(store.PriorityImportant), withResolvedAt(created.Add(d))))
	}
	// Not acknowledged nor resolved; outside the window; other tenant.
	alerts = append(alerts, alert(a, 30, created))
	alerts = append(alerts, alert(a, 31, to, withAcknowledgedAt(to.Add(time.Hour)), withResolvedAt(to.Add(time.Hour))))
	insert(t, st, a, alerts...)
	insert(t, st, tenantB(), alert(tenantB(), 40, created, withAcknowledgedAt(created.Add(99*time.Hour))))

}

func testResponseTimePercentiles(t *testing.T, st flows) {
	from, to := at(t, "2026-05-01T00:00:00Z"), at(t, "2026-05-08T00:00:00Z")
	a := tenantA()
	seedResponseTimes(t, st, a, from, to)

	rt, err := rollup.ReadResponseTimes(context.Background(), st, a, from, to, &rollup.Buffers{})
	require.NoError(t, err)
	// Overall TTA: 0, 100, …, 1000 (n = 11). Nearest rank ceil(p·n):
	// p50 → 6th = 500, p75 → 9th = 800, p90 → 10th = 900, p95 → 11th,
	// p99 → 11th = 1000.
	require.Equal(t, rollup.Distribution{Count: 11, SumSeconds: 5500, P50: 500, P75: 800, P90: 900, P95: 1000, P99: 1000}, rt.Acknowledge)
	// Critical TTA: 100…1000 (n = 10): p50 → 5th = 500, p75 → 8th = 800
	// (interpolation would give 775), p90 → 9th = 900, p95 → 10th, p99 → 10th.
	require.Equal(t, rollup.Distribution{Count: 10, SumSeconds: 5500, P50: 500, P75: 800, P90: 900, P95: 1000, P99: 1000},
		rt.AcknowledgeByPriority[store.PriorityCritical])
	require.Equal(t, rollup.Distribution{Count: 1}, rt.AcknowledgeByPriority[store.PriorityInfo])
	require.Equal(t, rollup.Distribution{}, rt.AcknowledgeByPriority[store.PriorityImportant])
	require.Equal(t, rollup.Distribution{}, rt.AcknowledgeByPriority[store.PriorityStandard])
	// Standard TTR: 60, 60, 3600, 7200 (n = 4): p50 → 2nd = 60
	// (interpolation: 1830), p75 → 3rd = 3600, p90, p95, p99 → 4th = 7200.
	require.Equal(t, rollup.Distribution{Count: 4, SumSeconds: 10920, P50: 60, P75: 3600, P90: 7200, P95: 7200, P99: 7200},
		rt.ResolveByPriority[store.PriorityStandard])
	// Important TTR: 5, 15, 25 (n = 3): p50 → 2nd = 15, p75 → ceil(2.25) =
	// 3rd = 25 (rounding 2.25 would give the 2nd).
	require.Equal(t, rollup.Distribution{Count: 3, SumSeconds: 45, P50: 15, P75: 25, P90: 25, P95: 25, P99: 25},
		rt.ResolveByPriority[store.PriorityImportant])
	// Overall TTR: 5, 15, 25, 60, 60, 3600, 7200 (n = 7): p50 → 4th = 60,
	// p75 → ceil(5.25) = 6th = 3600, p90 → ceil(6.3) = 7th = 7200.
	require.Equal(t, rollup.Distribution{Count: 7, SumSeconds: 10965, P50: 60, P75: 3600, P90: 7200, P95: 7200, P99: 7200}, rt.Resolve)
	require.Equal(t, rollup.Distribution{}, rt.ResolveByPriority[store.PriorityCritical])
	require.Len(t, rt.AcknowledgeByPriority, 4)
	require.Len(t, rt.ResolveByPriority, 4)

	// An empty window: every distribution zero, every priority present.
	rt, err = rollup.ReadResponseTimes(context.Background(), st, a, to.Add(24*time.Hour), to.Add(48*time.Hour), &rollup.Buffers{})
	require.NoError(t, err)
	require.Equal(t, rollup.Distribution{}, rt.Acknowledge)
	require.Equal(t, rollup.Distribution{}, rt.Resolve)
	require.Len(t, rt.AcknowledgeByPriority, 4)
	require.Len(t, rt.ResolveByPriority, 4)
}

func testOpenTotals(t *testing.T, st flows) {
	created := at(t, "2026-05-04T08:00:00Z")
	cents := func(c int64) func(*store.Alert) { return func(x *store.Alert) { x.FinancialImpactCents = c } }
	a := tenantA()
	insert(t, st, a,
		alert(a, 1, created, cents(1000)),
		alert(a, 2, created, withStatus(store.StatusAcknowledged), cents(250)),
		alert(a, 3, created, withStatus(store.StatusSnoozed), withTypeClass(store.TypeClassEscalation)),
		alert(a, 4, created, withStatus(store.StatusResolved), cents(5000)),
		alert(a, 5, created, withStatus(store.StatusDismissed), withTypeClass(store.TypeClassInformation), cents(7)),
		// Open alerts count whenever they were created.
		alert(a, 6, at(t, "2020-01-01T00:00:00Z"), withTypeClass(store.TypeClassPreventedIssue), cents(1)),
	)
	insert(t, st, tenantB(), alert(tenantB(), 7, created, cents(100000)))
	openGroups := func() []store.OpenTotal {
		groups, err := st.OpenTotals(context.Background(), a)
		require.NoError(t, err)
		sort.Slice(groups, func(i, j int) bool { return groups[i].TypeClass < groups[j].TypeClass })
		return groups
	}
	require.Equal(t, []store.OpenTotal{
		{TypeClass: store.TypeClassActionNeeded, Alerts: 2, FinancialImpactCents: 1250},
		{TypeClass: store.TypeClassEscalation, Alerts: 1, FinancialImpactCents: 0},
		{TypeClass: store.TypeClassPreventedIssue, Alerts: 1, FinancialImpactCents: 1},
	}, openGroups())

	// A redelivered open alert is not counted twice.
	created2, err := st.InsertAlerts(context.Background(), a, []store.Alert{alert(a, 1, created, cents(1000))})
	require.NoError(t, err)
	require.Equal(t, []bool{false}, created2)
	// Acknowledging keeps an alert open; resolving or dismissing closes it,
	// once: a second closing interaction on a closed alert changes nothing.
	record(t, st, a,
		interaction(a, id(1), store.InteractionAcknowledged, created.Add(time.Minute)),
		interaction(a, id(1), store.InteractionResolved, created.Add(2*time.Minute)),
		interaction(a, id(1), store.InteractionDismissed, created.Add(3*time.Minute)),
		interaction(a, id(3), store.InteractionDismissed, created.Add(time.Minute)),
		interaction(a, id(4), store.InteractionResolved, created.Add(time.Minute)), // already resolved
	)
	require.Equal(t, []store.OpenTotal{
		{TypeClass: store.TypeClassActionNeeded, Alerts: 1, FinancialImpactCents: 250},
		{TypeClass: store.TypeClassPreventedIssue, Alerts: 1, FinancialImpactCents: 1},
	}, openGroups())

	// After deleting the tenant nothing is open; tenant B is untouched.
	_, err = st.DeleteTenant(context.Background(), store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: a, RequestedBy: "t", DeletedAt: created})
	require.NoError(t, err)
	require.Empty(t, openGroups())
	other, err := st.OpenTotals(context.Background(), tenantB())
	require.NoError(t, err)
	require.Equal(t, []store.OpenTotal{{TypeClass: store.TypeClassActionNeeded, Alerts: 1, FinancialImpactCents: 100000}}, other)
}
