package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/store"
)

func testInsertAlertsIsIdempotent(t *testing.T, st flows) {
	ctx := context.Background()
	base := at(t, "2026-05-04T08:00:00Z")
	a1 := alert(tenantA(), 1, base, func(a *store.Alert) { a.Title = "original" })
	created, err := st.InsertAlerts(ctx, tenantA(), []store.Alert{a1, alert(tenantA(), 2, base), alert(tenantA(), 3, base)})
	require.NoError(t, err)
	require.Equal(t, []bool{true, true, true}, created)

	// A redelivered alert (same id, other content, other created_at) is left
	// as it was; a repeat within the batch counts once.
	changed := alert(tenantA(), 1, base.Add(time.Hour), func(a *store.Alert) { a.Title = "changed" })
	created, err = st.InsertAlerts(ctx, tenantA(), []store.Alert{changed, alert(tenantA(), 4, base), alert(tenantA(), 4, base)})
	require.NoError(t, err)
	require.Equal(t, []bool{false, true, false}, created)

	got := getAlert(t, st, tenantA(), id(1))
	require.Equal(t, "original", got.Title)
	require.Equal(t, base, got.CreatedAt)
	require.Equal(t, store.TenantCounts{Alerts: 4}, counts(t, st, tenantA()))

	// The same id in another tenant is another alert.
	created, err = st.InsertAlerts(ctx, tenantB(), []store.Alert{alert(tenantB(), 1, base)})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, created)
}

func testAlertRoundTrip(t *testing.T, st flows) {
	score := 87
	full := alert(tenantA(), 1, at(t, "2026-05-04T08:00:00.123Z"), func(a *store.Alert) {
		a.AlertType = "oven_temperature"
		a.Category = "equipment"
		a.Title = "Oven 2 runs hot"
		a.Message = "Temperature 265 °C, limit 250 °C — «check the thermostat»"
		a.Service = "equipment-monitor"
		a.PriorityLevel = store.PriorityCritical
		a.PriorityScore = &score
		a.TypeClass = store.TypeClassEscalation
		a.Status = store.StatusSnoozed
		a.BusinessImpact = json.RawMessage(`{"financial_impact_eur": 120.5, "note": "batch at risk"}`)
		a.OrchestratorContext = json.RawMessage(`{"estimated_savings_eur":0,"nested":{"a":[1,2]}}`)
		a.FinancialImpactCents = 12050
	})
	minimal := alert(tenantA(), 2, at(t, "2026-05-04T09:00:00Z"))
	insert(t, st, tenantA(), full, minimal)

	got := getAlert(t, st, tenantA(), id(1))
	require.Equal(t, full, got)
	require.Equal(t, time.UTC, got.CreatedAt.Location())
	require.JSONEq(t, string(full.BusinessImpact), string(got.BusinessImpact))

	got = getAlert(t, st, tenantA(), id(2))
	require.Equal(t, minimal, got)
	require.Nil(t, got.PriorityScore)
	require.Nil(t, got.BusinessImpact)
	require.Nil(t, got.AcknowledgedAt)
	require.Nil(t, got.ResolvedAt)
}

func testAlertNotFound(t *testing.T, st flows) {
	ctx := context.Background()
	insert(t, st, tenantB(), alert(tenantB(), 7, at(t, "2026-05-04T08:00:00Z")))
	_, err := st.Alert(ctx, tenantA(), id(99))
	require.ErrorIs(t, err, store.ErrNotFound)
	// Guessing another tenant's alert id finds nothing.
	_, err = st.Alert(ctx, tenantA(), id(7))
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testStatusMachine(t *testing.T, st flows) {
	// From section 3: acknowledged moves active only; snoozed moves active
	// and acknowledged; resolved and dismissed move any open status; closed
	// alerts never move.
	want := map[store.Status]map[store.InteractionType]store.Status{
		store.StatusActive: {
			store.InteractionAcknowledged: store.StatusAcknowledged, store.InteractionSnoozed: store.StatusSnoozed,
			store.InteractionResolved: store.StatusResolved, store.InteractionDismissed: store.StatusDismissed,
		},
		store.StatusAcknowledged: {
			store.InteractionAcknowledged: store.StatusAcknowledged, store.InteractionSnoozed: store.StatusSnoozed,
			store.InteractionResolved: store.StatusResolved, store.InteractionDismissed: store.StatusDismissed,
		},
		store.StatusSnoozed: {
			store.InteractionAcknowledged: store.StatusSnoozed, store.InteractionSnoozed: store.StatusSnoozed,
			store.InteractionResolved: store.StatusResolved, store.InteractionDismissed: store.StatusDismissed,
		},
		store.StatusResolved: {
			store.InteractionAcknowledged: store.StatusResolved, store.InteractionSnoozed: store.StatusResolved,
			store.InteractionResolved: store.StatusResolved, store.InteractionDismissed: store.StatusResolved,
		},
		store.StatusDismissed: {
			store.InteractionAcknowledged: store.StatusDismissed, store.InteractionSnoozed: store.StatusDismissed,
			store.InteractionResolved: store.StatusDismissed, store.InteractionDismissed: store.StatusDismissed,
		},
	}
	created := at(t, "2026-05-04T08:00:00Z")
	n, audits := 0, int64(0)
	for from, moves := range want {
		for typ, to := range moves {
			n++
			insert(t, st, tenantA(), alert(tenantA(), n, created, withStatus(from)))
			record(t, st, tenantA(), interaction(tenantA(), id(n), typ, created.Add(time.Minute)))
			require.Equal(t, to, getAlert(t, st, tenantA(), id(n)).Status, "%s + %s", from, typ)
			if to != from {
				audits++
			}
			require.Equal(t, store.TenantCounts{Alerts: int64(n), AlertInteractions: int64(n), AuditLogs: audits},
				counts(t, st, tenantA()), "%s + %s: one audit row per status change", from, typ)
		}
	}
	require.Equal(t, int64(9), audits) // 4 from active, 3 from acknowledged, 2 from snoozed
}

func testInteractionTimes(t *testing.T, st flows) {
	created := at(t, "2026-05-04T08:00:00.250Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, created))
	res := record(t, st, tenantA(),
		// 90.999 s later: whole seconds drop the fraction → 90.
		interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(90999*time.Millisecond)),
		// An earlier acknowledgement arriving later wins acknowledged_at.
		interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(30*time.Second)),
		// Before created_at (client clock skew): clamped at 0.
		interaction(tenantA(), id(1), store.InteractionResolved, created.Add(-10*time.Second)),
	)
	require.Equal(t, int64(90), res[0].Interaction.ResponseTimeSeconds)
	require.Equal(t, int64(30), res[1].Interaction.ResponseTimeSeconds)
	require.Equal(t, int64(0), res[2].Interaction.ResponseTimeSeconds)

	got := getAlert(t, st, tenantA(), id(1))
	require.Equal(t, store.StatusResolved, got.Status)
	require.Equal(t, created.Add(30*time.Second), *got.AcknowledgedAt)
	require.Equal(t, created.Add(-10*time.Second), *got.ResolvedAt)

	// On a closed alert interactions are still stored and still count for
	// acknowledged_at / resolved_at, but the status does not move and no
	// audit row is written.
	record(t, st, tenantA(),
		interaction(tenantA(), id(1), store.InteractionDismissed, created.Add(time.Hour)),
		interaction(tenantA(), id(1), store.InteractionResolved, created.Add(-20*time.Second)),
		interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(2*time.Hour)),
	)
	got = getAlert(t, st, tenantA(), id(1))
	require.Equal(t, store.StatusResolved, got.Status)
	require.Equal(t, created.Add(30*time.Second), *got.AcknowledgedAt)
	require.Equal(t, created.Add(-20*time.Second), *got.ResolvedAt)
	// Audit rows: active → acknowledged, acknowledged → resolved.
	require.Equal(t, store.TenantCounts{Alerts: 1, AlertInteractions: 6, AuditLogs: 2}, counts(t, st, tenantA()))
}

func testInteractionRoundTrip(t *testing.T, st flows) {
	created := at(t, "2026-05-04T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, created))
	in := interaction(tenantA(), id(1), store.InteractionSnoozed, created.Add(125*time.Second+500*time.Millisecond))
	in.Metadata = json.RawMessage(`{"until":"2026-05-04T12:00:00Z","reason":"waiting for flour"}`)
	in.IdempotencyKey = "device-42/op-7"
	in.RecordedAt = created.Add(time.Hour)
	res := record(t, st, tenantA(), in)
	want := in
	want.ResponseTimeSeconds = 125
	require.Equal(t, want, res[0].Interaction)

	// A repeat returns the stored row, which equals what was stored.
	again := interaction(tenantA(), id(1), store.InteractionResolved, created.Add(2*time.Hour))
	again.IdempotencyKey = in.IdempotencyKey
	dup, err := st.RecordInteractions(context.Background(), tenantA(), []store.Interaction{again})
	require.NoError(t, err)
	require.True(t, dup[0].Duplicate)
	require.Equal(t, want, dup[0].Interaction)
}

func testIdempotencyKey(t *testing.T, st flows) {
	ctx := context.Background()
	created := at(t, "2026-05-04T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, created), alert(tenantA(), 2, created))
	insert(t, st, tenantB(), alert(tenantB(), 1, created))

	first := interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(time.Minute))
	first.IdempotencyKey = "k1"
	record(t, st, tenantA(), first)

	// Same key, other alert and type: the first interaction comes back
	// marked duplicate and nothing changes.
	repeat := interaction(tenantA(), id(2), store.InteractionResolved, created.Add(2*time.Minute))
	repeat.IdempotencyKey = "k1"
	res, err := st.RecordInteractions(ctx, tenantA(), []store.Interaction{repeat})
	require.NoError(t, err)
	require.True(t, res[0].Duplicate)
	require.NoError(t, res[0].Err)
	require.Equal(t, first.ID, res[0].Interaction.ID)
	require.Equal(t, id(1), res[0].Interaction.AlertID)
	require.Equal(t, store.InteractionAcknowledged, res[0].Interaction.Type)
	require.Equal(t, store.StatusActive, getAlert(t, st, tenantA(), id(2)).Status)
	require.Equal(t, store.TenantCounts{Alerts: 2, AlertInteractions: 1, AuditLogs: 1}, counts(t, st, tenantA()))

	// Keys are per tenant: tenant B may use "k1" too.
	other := interaction(tenantB(), id(1), store.InteractionAcknowledged, created.Add(time.Minute))
	other.IdempotencyKey = "k1"
	record(t, st, tenantB(), other)

	// Within one batch, the second use of a new key is a duplicate of the first.
	b1 := interaction(tenantA(), id(2), store.InteractionSnoozed, created.Add(3*time.Minute))
	b1.IdempotencyKey = "k2"
	b2 := interaction(tenantA(), id(2), store.InteractionDismissed, created.Add(4*time.Minute))
	b2.IdempotencyKey = "k2"
	res, err = st.RecordInteractions(ctx, tenantA(), []store.Interaction{b1, b2})
	require.NoError(t, err)
	require.False(t, res[0].Duplicate)
	require.True(t, res[1].Duplicate)
	require.Equal(t, b1.ID, res[1].Interaction.ID)
	require.Equal(t, store.StatusSnoozed, getAlert(t, st, tenantA(), id(2)).Status)
	require.Equal(t, store.TenantCounts{Alerts: 2, AlertInteractions: 2, AuditLogs: 2}, counts(t, st, tenantA()))
}

func testInteractionOnUnknownAlert(t *testing.T, st flows) {
	created := at(t, "2026-05-04T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, created))
	insert(t, st, tenantB(), alert(tenantB(), 2, created))
	res, err := st.RecordInteractions(context.Background(), tenantA(), []store.Interaction{
		interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(time.Minute)),
		interaction(tenantA(), id(404), store.InteractionAcknowledged, created.Add(time.Minute)),
		// Tenant B's alert id, used with tenant A: not found, B untouched.
		interaction(tenantA(), id(2), store.InteractionResolved, created.Add(time.Minute)),
	})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.ErrorIs(t, res[1].Err, store.ErrNotFound)
	require.ErrorIs(t, res[2].Err, store.ErrNotFound)
	require.Equal(t, store.TenantCounts{Alerts: 1, AlertInteractions: 1, AuditLogs: 1}, counts(t, st, tenantA()))
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantB()))
	require.Equal(t, store.StatusActive, getAlert(t, st, tenantB(), id(2)).Status)
}

func testCancelledContextWritesNothing(t *testing.T, st flows) {
	created := at(t, "2026-05-04T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, created))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.InsertAlerts(ctx, tenantA(), []store.Alert{alert(tenantA(), 2, created), alert(tenantA(), 3, created)})
	require.Error(t, err)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	_, err = st.RecordInteractions(ctx, tenantA(), []store.Interaction{
		interaction(tenantA(), id(1), store.InteractionAcknowledged, created.Add(time.Minute)),
	})
	require.Error(t, err)
	_, err = st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: tenantA(), RequestedBy: "test", DeletedAt: created})
	require.Error(t, err)
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantA()))
	require.Equal(t, store.StatusActive, getAlert(t, st, tenantA(), id(1)).Status)
}
