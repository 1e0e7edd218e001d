package alertanalytics_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

func lifecycleNow() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

// seedLifecycle stores four alerts (two old, two recent) and interactions.
func seedLifecycle(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID) []uuid.UUID {
	t.Helper()
	ctx := context.Background()
	res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{
		{AlertType: "old_closed", Title: "=HYPERLINK(\"http://evil\")", CreatedAt: ts(t, "2026-08-01T08:00:00Z"),
			BusinessImpact: json.RawMessage(`{"financial_impact_eur": 12.5}`)},
		{AlertType: "old_open", Title: "+1 more", CreatedAt: ts(t, "2026-08-02T08:00:00Z"), PriorityLevel: alertanalytics.PriorityCritical},
		{AlertType: "new", Title: "-minus", Category: "@cat", CreatedAt: ts(t, "2026-11-01T08:00:00Z")},
		{AlertType: "new2", Title: "\ttab", CreatedAt: ts(t, "2026-11-02T09:00:00Z"), PriorityLevel: alertanalytics.PriorityInfo},
	})
	require.NoError(t, err)
	user := uuid.New()
	for _, it := range []struct {
		alert int
		typ   alertanalytics.InteractionType
		at    string
		key   string
	}{
		{0, alertanalytics.InteractionAcknowledged, "2026-08-01T08:10:00Z", "k-1"},
		{0, alertanalytics.InteractionResolved, "2026-08-01T09:00:00Z", ""},
		{1, alertanalytics.InteractionAcknowledged, "2026-08-02T08:30:00Z", ""},
		{2, alertanalytics.InteractionAcknowledged, "2026-11-01T08:05:00Z", ""},
		{3, alertanalytics.InteractionResolved, "2026-11-02T09:30:00Z", ""},
	} {
		_, err := svc.RecordInteraction(ctx, tenant, res.IDs[it.alert], user, alertanalytics.InteractionInput{
			Type: it.typ, InteractedAt: ts(t, it.at), IdempotencyKey: it.key, Metadata: json.RawMessage(`{"via":"test"}`)})
		require.NoError(t, err)
	}
	return res.IDs
}

func TestExport(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: lifecycleNow})
		tenant, other := uuid.New(), uuid.New()
		ids := seedLifecycle(t, svc, tenant)
		seedLifecycle(t, svc, other)

		// NDJSON of alerts: every alert of the tenant, as GET answers it, in
		// created_at order; nothing of the other tenant.
		var buf bytes.Buffer
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &buf))
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		require.Len(t, lines, 4)
		for i, line := range lines {
			got, err := svc.Alert(ctx, tenant, ids[i])
			require.NoError(t, err)
			want, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, string(want), line)
		}

		// A range [from, to): 1 August 08:00 is in, 2 August 08:00 is out.
		buf.Reset()
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts,
			From: ts(t, "2026-08-01T08:00:00Z"), To: ts(t, "2026-08-02T08:00:00Z")}, &buf))
		require.Equal(t, 1, strings.Count(buf.String(), "\n"))
		require.Contains(t, buf.String(), `"alert_type":"old_closed"`)

		// Interactions as NDJSON with user_id and metadata.
		buf.Reset()
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportInteractions}, &buf))
		var first map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.SplitN(buf.String(), "\n", 2)[0]), &first))
		require.ElementsMatch(t, []string{"id", "alert_id", "user_id", "interaction_type", "interacted_at", "response_time_seconds",
			"metadata", "idempotency_key"}, keys(first))
		require.Equal(t, float64(600), first["response_time_seconds"])
		require.Equal(t, 5, strings.Count(buf.String(), "\n"))

		// Audit rows: 5 status changes (active→acknowledged, →resolved, …).
		buf.Reset()
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAuditLogs, Format: alertanalytics.CSV}, &buf))
		records, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		require.Equal(t, alertanalytics.ExportColumns(alertanalytics.ExportAuditLogs), records[0])
		require.Len(t, records, 6)
		require.Equal(t, []string{"active", "acknowledged"}, records[1][4:6])

		// CSV of alerts: formula-looking cells come out inert.
		buf.Reset()
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts, Format: alertanalytics.CSV}, &buf))
		records, err = csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		require.Equal(t, alertanalytics.ExportColumns(alertanalytics.ExportAlerts), records[0])
		require.Equal(t, `'=HYPERLINK("http://evil")`, records[1][3])
		require.Equal(t, "'+1 more", records[2][3])
		require.Equal(t, "'-minus", records[3][3])
		require.Equal(t, "'@cat", records[3][2])
		require.Equal(t, "'\ttab", records[4][3])
		require.Equal(t, `{"financial_impact_eur": 12.5}`, records[1][13])
		require.Equal(t, "2026-08-01T08:00:00.000Z", records[1][10])

		for _, bad := range []struct {
			opts  alertanalytics.ExportOptions
			field string
		}{
			{alertanalytics.ExportOptions{}, "kind"},
			{alertanalytics.ExportOptions{Kind: "users"}, "kind"},
			{alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts, Format: "xml"}, "format"},
			{alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts, From: ts(t, "2026-10-02T00:00:00Z"), To: ts(t, "2026-10-01T00:00:00Z")}, "from"},
		} {
			err := svc.Export(ctx, tenant, bad.opts, &buf)
			var fe *alertanalytics.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, bad.field, fe.Field)
		}

		// Cancelling stops the read.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, svc.Export(cctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &buf), context.Canceled)
	})
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExportRoundTrip moves a tenant: what NDJSON export writes, read back
// through alert ingest and the interaction batch into an empty tenant,
// gives the same analytics.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: lifecycleNow})
		from, to := uuid.New(), uuid.New()
		seedLifecycle(t, svc, from)
		var alerts, interactions bytes.Buffer
		require.NoError(t, svc.Export(ctx, from, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &alerts))
		require.NoError(t, svc.Export(ctx, from, alertanalytics.ExportOptions{Kind: alertanalytics.ExportInteractions}, &interactions))

		var ins []alertanalytics.AlertInput
		sc := bufio.NewScanner(&alerts)
		for sc.Scan() {
			var in alertanalytics.AlertInput // tenant_id dropped: the input has none
			require.NoError(t, json.Unmarshal(sc.Bytes(), &in))
			ins = append(ins, in)
		}
		res, err := svc.RecordAlerts(ctx, to, ins)
		require.NoError(t, err)
		require.Equal(t, 4, res.Created)
		var its []alertanalytics.InteractionInput
		sc = bufio.NewScanner(&interactions)
		for sc.Scan() {
			var in alertanalytics.InteractionInput
			require.NoError(t, json.Unmarshal(sc.Bytes(), &in))
			its = append(its, in)
		}
		ires, err := svc.RecordInteractions(ctx, to, uuid.New(), its)
		require.NoError(t, err)
		require.Empty(t, ires.Rejected)

		for _, days := range []int{7, 90} {
			w := alertanalytics.Window{Days: days}
			a, err := svc.Dashboard(ctx, from, w)
			require.NoError(t, err)
			b, err := svc.Dashboard(ctx, to, w)
			require.NoError(t, err)
			require.Equal(t, a, b)
			x, err := svc.Analytics(ctx, from, w)
			require.NoError(t, err)
			y, err := svc.Analytics(ctx, to, w)
			require.NoError(t, err)
			require.Equal(t, x, y)
		}
		require.NoError(t, svc.CheckTotals(ctx, to))
	})
}

func TestRetention(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: lifecycleNow})
		tenant, other := uuid.New(), uuid.New()
		ids := seedLifecycle(t, svc, tenant)
		seedLifecycle(t, svc, other)
		r := alertanalytics.Retention{MaxAge: 60 * 24 * time.Hour, RequestedBy: "ops"} // cutoff 3 September
		dry := r
		dry.DryRun = true

		// Dry run: the old closed alert, its 2 interactions and 2 audit rows.
		res, err := svc.PurgeTenant(ctx, tenant, dry)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 1, AlertInteractions: 2, AuditLogs: 2}, res.Deleted)
		require.Equal(t, ts(t, "2026-09-03T10:00:00Z"), res.Cutoff)
		require.Empty(t, res.Receipts)
		counts, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 4, AlertInteractions: 5, AuditLogs: 5}, counts)

		// With open alerts too, one alert a transaction.
		r.IncludeOpen, r.BatchSize = true, 1
		res, err = svc.PurgeTenant(ctx, tenant, r)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 2, AlertInteractions: 3, AuditLogs: 3}, res.Deleted)
		_, err = svc.Alert(ctx, tenant, ids[0])
		require.ErrorIs(t, err, alertanalytics.ErrNotFound)
		require.NoError(t, svc.CheckTotals(ctx, tenant))
		d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
		require.NoError(t, err)
		require.Equal(t, int64(1), d.ActiveAlerts) // "new" (acknowledged); new2 resolved
		receipts, err := svc.RetentionReceipts(ctx, tenant)
		require.NoError(t, err)
		require.Len(t, receipts, 1)
		require.Equal(t, res.Deleted, receipts[0].Deleted)
		require.Equal(t, "ops", receipts[0].RequestedBy)
		require.False(t, receipts[0].FinishedAt.IsZero())
		// The other tenant is untouched.
		counts, err = svc.PreviewTenantDeletion(ctx, other)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 4, AlertInteractions: 5, AuditLogs: 5}, counts)

		_, err = svc.PurgeTenant(ctx, tenant, alertanalytics.Retention{MaxAge: 23 * time.Hour, DryRun: true, RequestedBy: "ops"})
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "max_age", fe.Field)

		// Across all tenants.
		all, err := svc.PurgeAll(ctx, alertanalytics.Retention{MaxAge: 60 * 24 * time.Hour, RequestedBy: "nightly"})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 1, AlertInteractions: 2, AuditLogs: 2}, all.Deleted) // other's old closed alert
		require.NoError(t, svc.CheckTotals(ctx, other))
	})
}

// TestRetentionInterrupted stops a purge half-way: what it deleted stays
// deleted and is on its receipt, every kept total is exact, and running it
// again finishes the job.
func TestRetentionInterrupted(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: lifecycleNow})
		tenant := uuid.New()
		var ins []alertanalytics.AlertInput
		for i := range 30 {
			ins = append(ins, alertanalytics.AlertInput{AlertType: "old", Status: alertanalytics.StatusResolved,
				CreatedAt: ts(t, "2026-07-01T00:00:00Z").Add(time.Duration(i) * time.Hour)})
		}
		_, err := svc.RecordAlerts(ctx, tenant, ins)
		require.NoError(t, err)
		// A store that cancels the context after two batches.
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stopping := alertanalytics.New(&cancelAfter{Store: st, batches: 2, cancel: cancel}, alertanalytics.Config{Clock: lifecycleNow})
		res, err := stopping.PurgeTenant(cctx, tenant, alertanalytics.Retention{MaxAge: 30 * 24 * time.Hour, BatchSize: 7, RequestedBy: "ops"})
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, int64(14), res.Deleted.Alerts)
		receipts, err := svc.RetentionReceipts(ctx, tenant)
		require.NoError(t, err)
		require.Len(t, receipts, 1)
		require.Equal(t, int64(14), receipts[0].Deleted.Alerts)
		require.True(t, receipts[0].FinishedAt.IsZero(), "an interrupted run is not finished")
		require.NoError(t, svc.CheckTotals(ctx, tenant))

		res, err = svc.PurgeTenant(ctx, tenant, alertanalytics.Retention{MaxAge: 30 * 24 * time.Hour, BatchSize: 7, RequestedBy: "ops"})
		require.NoError(t, err)
		require.Equal(t, int64(16), res.Deleted.Alerts)
		require.NoError(t, svc.CheckTotals(ctx, tenant))
	})
}

// cancelAfter cancels a context once a number of purge batches went through:
// the write that would pick the next batch's alerts finds it cancelled.
type cancelAfter struct {
	store.Store
	batches int
	cancel  func()
}

func (c *cancelAfter) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	return c.Store.Write(ctx, tenantID, opts, func(tx store.Tx) error { return fn(cancelTx{tx, c}) })
}

type cancelTx struct {
	store.Tx
	c *cancelAfter
}

func (t cancelTx) PurgeCandidates(ctx context.Context, r store.RetentionReceipt, limit int) ([]store.Alert, error) {
	if t.c.batches == 0 {
		t.c.cancel()
		return nil, ctx.Err()
	}
	t.c.batches--
	return t.Tx.PurgeCandidates(ctx, r, limit)
}

// TestRetentionDuringWrites purges a tenant while another goroutine keeps
// ingesting new alerts and acting on them: none of the new writes is lost
// and no interaction or audit row is left without its alert.
func TestRetentionDuringWrites(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: lifecycleNow})
		tenant, user := uuid.New(), uuid.New()
		var old []alertanalytics.AlertInput
		for i := range 200 {
			old = append(old, alertanalytics.AlertInput{AlertType: "old", CreatedAt: ts(t, "2026-06-01T00:00:00Z").Add(time.Duration(i) * time.Minute)})
		}
		oldRes, err := svc.RecordAlerts(ctx, tenant, old)
		require.NoError(t, err)
		var wg sync.WaitGroup
		var written, acted int
		var writeErr error
		wg.Go(func() {
			for i := range 40 {
				res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{{AlertType: "new", CreatedAt: lifecycleNow().Add(-time.Duration(i) * time.Minute)}})
				if err != nil {
					writeErr = err
					return
				}
				written++
				// Act on a new alert and on an old one being purged.
				ir, err := svc.RecordInteractions(ctx, tenant, user, []alertanalytics.InteractionInput{
					{AlertID: res.IDs[0], Type: alertanalytics.InteractionAcknowledged},
					{AlertID: oldRes.IDs[i*5], Type: alertanalytics.InteractionAcknowledged}})
				if err != nil {
					writeErr = err
					return
				}
				acted += ir.Created
			}
		})
		res, err := svc.PurgeTenant(ctx, tenant, alertanalytics.Retention{MaxAge: 30 * 24 * time.Hour, IncludeOpen: true, BatchSize: 20, RequestedBy: "ops"})
		wg.Wait()
		require.NoError(t, err)
		require.NoError(t, writeErr)
		require.Equal(t, int64(200), res.Deleted.Alerts)
		counts, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, int64(40), counts.Alerts, "every new alert survives")
		// Every interaction and audit row left belongs to a new alert.
		var buf bytes.Buffer
		require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportInteractions}, &buf))
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			var it alertanalytics.ExportedInteraction
			require.NoError(t, json.Unmarshal(sc.Bytes(), &it))
			_, err := svc.Alert(ctx, tenant, it.AlertID)
			require.NoError(t, err, "orphan interaction")
		}
		require.Equal(t, int64(40), counts.AlertInteractions, "the new alerts' acknowledgements")
		require.Equal(t, counts.AlertInteractions, counts.AuditLogs)
		require.GreaterOrEqual(t, acted, 40)
		require.NoError(t, svc.CheckTotals(ctx, tenant))
		require.False(t, errors.Is(err, context.Canceled))
	})
}
