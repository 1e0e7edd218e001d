package storetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

// serviceNow is the Service's clock in testThroughService: Monday
// 2026-11-02, noon UTC.
func serviceNow() time.Time { return time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC) }

// testThroughService runs the backend under an alertanalytics.Service, as
// a program does: writes, reads with numbers worked out by hand, the kept
// totals checked against a recomputation, an export read back, a
// retention with its dry run, and a deletion with its preview.
//
// The data, tenant A: alert 901 critical "stock" at Nov 2 08:00 with 100
// EUR at stake, acknowledged 08:05 (300 s) and resolved 08:20 (1,200 s);
// alert 902 standard "stock" at Nov 1 10:00, acknowledged 10:11 (660 s);
// alert 903 info "infra" at Nov 2 09:00 with 40 EUR at stake, open.
func testThroughService(t *testing.T, f flows) {
	ctx := context.Background()
	svc := alertanalytics.New(f.Store, alertanalytics.Config{Clock: serviceNow})
	tenant := tenantA()
	for _, in := range []alertanalytics.AlertInput{
		{ID: id(901), AlertType: "t", Category: "stock", PriorityLevel: store.PriorityCritical, CreatedAt: at(t, "2026-11-02T08:00:00Z"),
			BusinessImpact: json.RawMessage(`{"financial_impact_eur":100}`)},
		{ID: id(902), AlertType: "t", Category: "stock", CreatedAt: at(t, "2026-11-01T10:00:00Z")},
		{ID: id(903), AlertType: "t", Category: "infra", PriorityLevel: store.PriorityInfo, CreatedAt: at(t, "2026-11-02T09:00:00Z"),
			BusinessImpact: json.RawMessage(`{"financial_impact_eur":40}`)},
	} {
		_, created, err := svc.RecordAlert(ctx, tenant, in)
		require.NoError(t, err)
		require.True(t, created)
	}
	for _, it := range []struct {
		alert int
		kind  store.InteractionType
		when  string
	}{{901, store.InteractionAcknowledged, "2026-11-02T08:05:00Z"}, {901, store.InteractionResolved, "2026-11-02T08:20:00Z"},
		{902, store.InteractionAcknowledged, "2026-11-01T10:11:00Z"}} {
		_, err := svc.RecordInteraction(ctx, tenant, id(it.alert), userID(), alertanalytics.InteractionInput{Type: it.kind, InteractedAt: at(t, it.when)})
		require.NoError(t, err)
	}
	require.NoError(t, svc.CheckTotals(ctx, tenant), "kept totals equal to a recomputation from the rows")
	requireServiceReads(t, svc, tenant)
	requireExportRoundTrip(t, svc, tenant)
	requireServiceLifecycle(t, svc, tenant)
}

// requireServiceReads checks the reads of the data above.
func requireServiceReads(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID) {
	ctx := context.Background()
	a, err := svc.Analytics(ctx, tenant, alertanalytics.Window{Days: 2})
	require.NoError(t, err)
	// 3 alerts, 1 resolved (round(100/3) = 33 %), 2 open; mean time to
	// acknowledge (300 + 660) / 2 = 480 s = 8 min; Monday has 2 alerts.
	require.Equal(t, []alertanalytics.TrendPoint{
		{Date: "2026-11-01", Count: 1, PriorityCounts: alertanalytics.PriorityCounts{Standard: 1}},
		{Date: "2026-11-02", Count: 2, PriorityCounts: alertanalytics.PriorityCounts{Critical: 1, Info: 1}},
	}, a.Trends)
	require.Equal(t, []alertanalytics.CategoryShare{{Category: "stock", Count: 2, Percentage: 67}, {Category: "infra", Count: 1, Percentage: 33}},
		a.TopCategories)
	require.Equal(t, [5]int64{3, 1, 2, 33, 8}, [5]int64{a.TotalAlerts, a.ResolvedAlerts, a.ActiveAlerts, a.ResolutionRate,
		a.AverageResponseTime})
	require.Equal(t, "Monday", a.BusiestDay)
	d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 2})
	require.NoError(t, err)
	// Open now: 902 and 903; 40 EUR at risk (903's; 901 is resolved).
	require.EqualValues(t, 2, d.ActiveAlerts)
	require.InDelta(t, 40.0, d.TotalFinancialImpactAtRiskEUR, 1e-9)
	require.EqualValues(t, 2, d.ResponseTimes.TimeToAcknowledge.Count)
	require.EqualValues(t, 480, d.ResponseTimes.TimeToAcknowledge.MeanSeconds)
	require.EqualValues(t, 1200, d.ResponseTimes.TimeToResolve.P50Seconds)
	got, err := svc.Alert(ctx, tenant, id(901))
	require.NoError(t, err)
	require.Equal(t, store.StatusResolved, got.Status)
	_, err = svc.Alert(ctx, tenantB(), id(901))
	require.ErrorIs(t, err, alertanalytics.ErrNotFound, "another tenant's alert is not found")
}

// requireExportRoundTrip exports each kind and reads the lines back.
func requireExportRoundTrip(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID) {
	ctx := context.Background()
	lines := func(kind alertanalytics.ExportKind) [][]byte {
		var buf bytes.Buffer
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: kind}, &buf))
		var out [][]byte
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
		return out
	}
	// Alerts in created_at order: 902 (Nov 1), 901, 903.
	var ids []uuid.UUID
	for _, l := range lines(alertanalytics.ExportAlerts) {
		var a alertanalytics.Alert
		require.NoError(t, json.Unmarshal(l, &a))
		ids = append(ids, a.ID)
	}
	require.Equal(t, []uuid.UUID{id(902), id(901), id(903)}, ids)
	// Interactions in interacted_at order: 902's, then 901's two.
	var kinds []string
	for _, l := range lines(alertanalytics.ExportInteractions) {
		var it alertanalytics.ExportedInteraction
		require.NoError(t, json.Unmarshal(l, &it))
		kinds = append(kinds, it.AlertID.String()[30:]+" "+string(it.InteractionType))
	}
	require.Equal(t, []string{"000902 acknowledged", "000901 acknowledged", "000901 resolved"}, kinds)
	var changes []string
	for _, l := range lines(alertanalytics.ExportAuditLogs) {
		var a alertanalytics.ExportedAuditLog
		require.NoError(t, json.Unmarshal(l, &a))
		changes = append(changes, string(a.FromStatus)+">"+string(a.ToStatus))
	}
	// Audit rows are stamped when recorded, all three at the clock's now,
	// and then ordered by their generated ids: compared as a set.
	slices.Sort(changes)
	require.Equal(t, []string{"acknowledged>resolved", "active>acknowledged", "active>acknowledged"}, changes)
}

// requireServiceLifecycle purges and then deletes the tenant.
func requireServiceLifecycle(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID) {
	ctx := context.Background()
	// Cutoff now − 24 h = Nov 1 12:00: only 902 is older, and open, so
	// only IncludeOpen takes it, with its interaction and audit row.
	r := alertanalytics.Retention{MaxAge: 24 * time.Hour, DryRun: true, RequestedBy: "suite"}
	res, err := svc.PurgeTenant(ctx, tenant, r)
	require.NoError(t, err)
	require.Equal(t, alertanalytics.TenantCounts{}, res.Deleted)
	r.IncludeOpen = true
	res, err = svc.PurgeTenant(ctx, tenant, r)
	require.NoError(t, err)
	one := alertanalytics.TenantCounts{Alerts: 1, AlertInteractions: 1, AuditLogs: 1}
	require.Equal(t, one, res.Deleted)
	require.Empty(t, res.Receipts, "a dry run leaves no receipt")
	r.DryRun = false
	res, err = svc.PurgeTenant(ctx, tenant, r)
	require.NoError(t, err)
	require.Equal(t, one, res.Deleted)
	receipts, err := svc.RetentionReceipts(ctx, tenant)
	require.NoError(t, err)
	require.Len(t, receipts, 1)
	require.Equal(t, one, receipts[0].Deleted)
	require.Equal(t, "suite", receipts[0].RequestedBy)
	require.False(t, receipts[0].FinishedAt.IsZero())
	require.NoError(t, svc.CheckTotals(ctx, tenant))
	a, err := svc.Analytics(ctx, tenant, alertanalytics.Window{Days: 2})
	require.NoError(t, err)
	require.EqualValues(t, 2, a.TotalAlerts)

	left := alertanalytics.TenantCounts{Alerts: 2, AlertInteractions: 2, AuditLogs: 2}
	preview, err := svc.PreviewTenantDeletion(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, left, preview)
	receipt, err := svc.DeleteTenant(ctx, tenant, "suite")
	require.NoError(t, err)
	require.Equal(t, left, receipt.Deleted)
	_, err = svc.Alert(ctx, tenant, id(901))
	require.ErrorIs(t, err, alertanalytics.ErrNotFound)
	deletions, err := svc.TenantDeletionReceipts(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, []alertanalytics.DeletionReceipt{receipt}, deletions)
	require.NoError(t, svc.CheckTotals(ctx, tenant))
}
