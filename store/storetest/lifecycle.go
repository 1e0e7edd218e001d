package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// testContractLifecycle calls the contract's methods the data lifecycle
// uses and no other test does: TenantIDs, the three exports, CountPurge,
// and a rebuild of the kept totals (a write's AlertFacts and
// DeleteKeptTotals).
//
// Fixture: tenant A's alerts 1 (08:00, then acknowledged at 08:05 and
// resolved at 08:20), 2 (08:00, open), 3 (08:10, resolved at 08:15) and 4
// (09:00, open); tenant B's alert 1 (08:00). Interactions are recorded at
// their times, and each moves its alert's status, so audit rows match
// them one to one: three on A's alert 1 and 3 (ack, resolve, resolve),
// one on B's.
func testContractLifecycle(t *testing.T, st flows) {
	base, ack1, res3, res1 := seedLifecycle(t, st)
	requireExports(t, st, base, ack1, res3, res1)
	requireCountPurge(t, st, base)
	requireFactsAndRebuild(t, st)
}

// seedLifecycle writes testContractLifecycle's data: tenant A's alerts 1
// and 2 at 08:00, 3 at 08:10 and 4 at 09:00, alert 1 acknowledged at
// 08:05 and resolved at 08:20, alert 3 resolved at 08:15; tenant B's
// alert 1, resolved.
func seedLifecycle(t *testing.T, st flows) (base time.Time, ack1, res3, res1 store.Interaction) {
	base = at(t, "2026-11-02T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, base), alert(tenantA(), 2, base), alert(tenantA(), 3, base.Add(10*time.Minute)),
		alert(tenantA(), 4, base.Add(time.Hour)))
	insert(t, st, tenantB(), alert(tenantB(), 1, base))
	ack1 = interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(5*time.Minute))
	res3 = interaction(tenantA(), id(3), store.InteractionResolved, base.Add(15*time.Minute))
	res1 = interaction(tenantA(), id(1), store.InteractionResolved, base.Add(20*time.Minute))
	record(t, st, tenantA(), ack1, res3, res1)
	record(t, st, tenantB(), interaction(tenantB(), id(1), store.InteractionResolved, base.Add(time.Minute)))

	return base, ack1, res3, res1
}

// requireExports checks TenantIDs and the three exports over the data.
func requireExports(t *testing.T, st flows, base time.Time, ack1, res3, res1 store.Interaction) {
	ctx := context.Background()
	// TenantIDs: the tenants with alerts, in byte order ("aaaa…" before "bbbb…").
	ids, err := st.TenantIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{tenantA(), tenantB()}, ids)

	// ExportAlerts over [08:00, 09:00): alerts 1 and 2 (both at 08:00, by
	// id), then 3; alert 4 at 09:00 is outside, tenant B's never shows.
	var got []uuid.UUID
	require.NoError(t, st.ExportAlerts(ctx, tenantA(), base, base.Add(time.Hour), func(a *store.Alert) error {
		require.Equal(t, tenantA(), a.TenantID)
		got = append(got, a.ID)
		return nil
	}))
	require.Equal(t, []uuid.UUID{id(1), id(2), id(3)}, got)
	// Every field comes back, alert 1 resolved.
	got = nil
	require.NoError(t, st.ExportAlerts(ctx, tenantA(), base, base.Add(time.Millisecond), func(a *store.Alert) error {
		if a.ID == id(1) {
			require.Equal(t, store.StatusResolved, a.Status)
			require.Equal(t, base.Add(5*time.Minute), *a.AcknowledgedAt)
			require.Equal(t, base.Add(20*time.Minute), *a.ResolvedAt)
			require.Equal(t, "low_stock_warning", a.AlertType)
		}
		got = append(got, a.ID)
		return nil
	}))
	require.Equal(t, []uuid.UUID{id(1), id(2)}, got)

	// ExportInteractions over [08:00, 08:16): the acknowledgement at 08:05
	// and the resolve at 08:15, in time order; 08:20 is outside.
	var ins []uuid.UUID
	require.NoError(t, st.ExportInteractions(ctx, tenantA(), base, base.Add(16*time.Minute), func(in *store.Interaction) error {
		ins = append(ins, in.ID)
		return nil
	}))
	require.Equal(t, []uuid.UUID{ack1.ID, res3.ID}, ins)

	// ExportAuditLogs over the whole morning: the three status changes of
	// tenant A, in time order, each naming its interaction.
	type change struct {
		alert    uuid.UUID
		from, to store.Status
		by       uuid.UUID
	}
	var audits []change
	require.NoError(t, st.ExportAuditLogs(ctx, tenantA(), base, base.Add(2*time.Hour), func(l *store.AuditLog) error {
		audits = append(audits, change{l.AlertID, l.From, l.To, l.InteractionID})
		return nil
	}))
	require.Equal(t, []change{
		{id(1), store.StatusActive, store.StatusAcknowledged, ack1.ID},
		{id(3), store.StatusActive, store.StatusResolved, res3.ID},
		{id(1), store.StatusAcknowledged, store.StatusResolved, res1.ID},
	}, audits)

}

// requireCountPurge checks what a purge would count, deleting nothing.
func requireCountPurge(t *testing.T, st flows, base time.Time) {
	ctx := context.Background()
	// CountPurge, cutoff 08:30: closed alerts created before it are 1 and
	// 3, with 3 interactions and 3 audit rows; with open ones too, alert 2
	// joins (no interactions). Alert 4 is after the cutoff. Nothing is
	// deleted.
	r := store.RetentionReceipt{ID: uuid.New(), TenantID: tenantA(), RequestedBy: "suite", Cutoff: base.Add(30 * time.Minute),
		StartedAt: base.Add(24 * time.Hour)}
	c, err := st.CountPurge(ctx, r)
	require.NoError(t, err)
	require.Equal(t, store.TenantCounts{Alerts: 2, AlertInteractions: 3, AuditLogs: 3}, c)
	r.IncludeOpen = true
	c, err = st.CountPurge(ctx, r)
	require.NoError(t, err)
	require.Equal(t, store.TenantCounts{Alerts: 3, AlertInteractions: 3, AuditLogs: 3}, c)
	require.Equal(t, store.TenantCounts{Alerts: 4, AlertInteractions: 3, AuditLogs: 3}, counts(t, st, tenantA()))

}

// requireFactsAndRebuild checks a write's AlertFacts and a rebuild of the
// kept totals.
func requireFactsAndRebuild(t *testing.T, st flows) {
	ctx := context.Background()
	// A write's AlertFacts: every alert of the tenant, in created_at order
	// (1 and 2 at 08:00 in either order), with their current status.
	var facts []uuid.UUID
	status := map[uuid.UUID]store.Status{}
	require.NoError(t, st.Write(ctx, tenantA(), store.WriteOptions{}, func(tx store.Tx) error {
		return tx.AlertFacts(ctx, tenantA(), func(a *store.Alert) error {
			facts = append(facts, a.ID)
			status[a.ID] = a.Status
			return nil
		})
	}))
	require.Len(t, facts, 4)
	require.ElementsMatch(t, []uuid.UUID{id(1), id(2)}, facts[:2])
	require.Equal(t, []uuid.UUID{id(3), id(4)}, facts[2:])
	require.Equal(t, map[uuid.UUID]store.Status{id(1): store.StatusResolved, id(2): store.StatusActive, id(3): store.StatusResolved,
		id(4): store.StatusActive}, status)

	// Rebuilding the kept totals from the rows (DeleteKeptTotals, then the
	// totals written afresh) leaves them equal to the rows, and the open
	// totals at alerts 2 and 4.
	require.NoError(t, st.RebuildTotals(ctx, tenantA()))
	require.NoError(t, rollup.Verify(ctx, st, tenantA()))
	open, err := st.OpenTotals(ctx, tenantA())
	require.NoError(t, err)
	require.Equal(t, []store.OpenTotal{{TypeClass: store.TypeClassActionNeeded, Alerts: 2}}, open)
}

// testRetention purges a tenant's old closed alerts in batches of one, as
// a retention run does, and checks what each batch deleted, the receipt
// that adds them up, the rows left and their kept totals.
//
// Fixture (the same morning as testContractLifecycle): tenant A's alert 1
// (08:00, acknowledged 08:05, resolved 08:20), 2 (08:00, open), 3 (08:10,
// resolved 08:15), 4 (09:00, open); tenant B's alert 1 (08:00, resolved).
// Cutoff 08:30, closed alerts only: alert 1 goes first (oldest), with its
// two interactions and two audit rows, then alert 3 with one of each;
// alerts 2 and 4 stay.
func testRetention(t *testing.T, st flows) {
	ctx := context.Background()
	base := at(t, "2026-11-02T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, base, withImpact(100)), alert(tenantA(), 2, base, withImpact(20)),
		alert(tenantA(), 3, base.Add(10*time.Minute)), alert(tenantA(), 4, base.Add(time.Hour), withImpact(3)))
	insert(t, st, tenantB(), alert(tenantB(), 1, base))
	record(t, st, tenantA(), interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(5*time.Minute)),
		interaction(tenantA(), id(3), store.InteractionResolved, base.Add(15*time.Minute)),
		interaction(tenantA(), id(1), store.InteractionResolved, base.Add(20*time.Minute)))
	record(t, st, tenantB(), interaction(tenantB(), id(1), store.InteractionResolved, base.Add(time.Minute)))

	r := store.RetentionReceipt{ID: id(700), TenantID: tenantA(), RequestedBy: "retention suite", Cutoff: base.Add(30 * time.Minute),
		StartedAt: base.Add(24 * time.Hour)}
	require.NoError(t, st.SaveRetentionReceipt(ctx, r))
	for i, want := range []store.TenantCounts{
		{Alerts: 1, AlertInteractions: 2, AuditLogs: 2}, // alert 1
		{Alerts: 1, AlertInteractions: 1, AuditLogs: 1}, // alert 3
		{}, // nothing closed before the cutoff is left
	} {
		got, err := st.PurgeBatch(ctx, r, 1)
		require.NoError(t, err)
		require.Equal(t, want, got, "batch %d", i+1)
	}
	r.FinishedAt = base.Add(25 * time.Hour)
	require.NoError(t, st.SaveRetentionReceipt(ctx, r))

	receipts, err := st.RetentionReceipts(ctx, tenantA())
	require.NoError(t, err)
	want := r
	want.Deleted = store.TenantCounts{Alerts: 2, AlertInteractions: 3, AuditLogs: 3}
	require.Equal(t, []store.RetentionReceipt{want}, receipts)
	none, err := st.RetentionReceipts(ctx, tenantB())
	require.NoError(t, err)
	require.Empty(t, none)

	require.Equal(t, store.TenantCounts{Alerts: 2}, counts(t, st, tenantA()))
	_, err = st.Alert(ctx, tenantA(), id(1))
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Equal(t, store.StatusActive, getAlert(t, st, tenantA(), id(2)).Status)
	require.Equal(t, store.TenantCounts{Alerts: 1, AlertInteractions: 1, AuditLogs: 1}, counts(t, st, tenantB()))
	// Open totals: alerts 2 and 4 remain open, 20 + 3 cents at risk.
	open, err := st.OpenTotals(ctx, tenantA())
	require.NoError(t, err)
	require.Equal(t, []store.OpenTotal{{TypeClass: store.TypeClassActionNeeded, Alerts: 2, FinancialImpactCents: 23}}, open)
	require.NoError(t, rollup.Verify(ctx, st, tenantA()))
}
