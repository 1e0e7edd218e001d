package alertanalytics_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

// The fall-back fixture. In Europe/Madrid clocks go back from 03:00 CEST
// (+02:00) to 02:00 CET (+01:00) on Sunday 2026-10-25 at 01:00 UTC, so that
// local day lasts 25 hours. The clock is pinned to Tuesday 2026-10-27
// 09:30 UTC (10:30 in Madrid). A 3-day Madrid window covers the local days
// 25th (from 2026-10-24T22:00Z), 26th (from 2026-10-25T23:00Z) and 27th; the
// previous period the 22nd–24th.
const (
	fixtureTenant = "7e7e7e7e-0000-4000-8000-000000000001"
	fixtureUser   = "5e5e5e5e-0000-4000-8000-000000000005"
)

func fixtureNow() time.Time { return time.Date(2026, 10, 27, 9, 30, 0, 0, time.UTC) }

func fixtureID(n int) uuid.UUID {
	return uuid.MustParse("0190bbbb-0000-7000-8000-0000000000" + string(rune('0'+n/10)) + string(rune('0'+n%10)))
}

func madrid(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	return loc
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// fallBackService loads the fall-back fixture:
//
//	b1  10-24 21:59:59Z  local 24th 23:59:59  critical  stock       ack +600 s, resolved +1200 s (previous period)
//	b2  10-24 22:00:00Z  local 25th 00:00     critical  stock       ack +60 s
//	b3  10-25 00:30:00Z  local 25th 02:30 +2  important production  prevented_issue, savings 12.345 € → 12.35
//	b4  10-25 01:30:00Z  local 25th 02:30 +1  standard  production  resolved +7200 s
//	b5  10-25 22:59:59Z  local 25th 23:59:59  info      quality
//	b6  10-25 23:00:00Z  local 26th 00:00     standard  stock       dismissed +300 s
//	b7  10-26 12:00:00Z  local 26th 13:00     important stock       prevented_issue, savings 20 €, impact 100 €, ack +1800 s
//	b8  10-27 09:30:00Z  = now                critical  equipment   impact 50.5 €
//	b9  10-27 09:33:00Z  now + 3 min          info      equipment   impact 1 € (not yet in any window)
//	b10 10-01 10:00:00Z  long before          standard  stock       trend_warning, impact 1000 €
func fallBackService(t *testing.T, st store.Store) *alertanalytics.Service {
	t.Helper()
	ctx := context.Background()
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: fixtureNow})
	tenant := uuid.MustParse(fixtureTenant)
	type row struct {
		created, priority, category string
		typeClass                   alertanalytics.TypeClass
		impact, context             string
	}
	rows := []row{
		{"2026-10-24T21:59:59Z", "critical", "stock", "", "", ""},
		{"2026-10-24T22:00:00Z", "critical", "stock", "", "", ""},
		{"2026-10-25T00:30:00Z", "important", "production", alertanalytics.TypeClassPreventedIssue, "", `{"estimated_savings_eur": 12.345}`},
		{"2026-10-25T01:30:00Z", "standard", "production", "", "", ""},
		{"2026-10-25T22:59:59Z", "info", "quality", "", "", ""},
		{"2026-10-25T23:00:00Z", "standard", "stock", "", "", ""},
		{"2026-10-26T12:00:00Z", "important", "stock", alertanalytics.TypeClassPreventedIssue, `{"financial_impact_eur": 100}`, `{"estimated_savings_eur": 20}`},
		{"2026-10-27T09:30:00Z", "critical", "equipment", "", `{"financial_impact_eur": 50.5}`, ""},
		{"2026-10-27T09:33:00Z", "info", "equipment", "", `{"financial_impact_eur": 1}`, ""},
		{"2026-10-01T10:00:00Z", "standard", "stock", alertanalytics.TypeClassTrendWarning, `{"financial_impact_eur": 1000}`, ""},
	}
	for i, r := range rows {
		in := alertanalytics.AlertInput{
			ID:            fixtureID(i + 1),
			AlertType:     r.category + "_alert",
			Category:      r.category,
			PriorityLevel: alertanalytics.Priority(r.priority),
			TypeClass:     r.typeClass,
			CreatedAt:     ts(t, r.created),
		}
		if r.impact != "" {
			in.BusinessImpact = json.RawMessage(r.impact)
		}
		if r.context != "" {
			in.OrchestratorContext = json.RawMessage(r.context)
		}
		_, created, err := svc.RecordAlert(ctx, tenant, in)
		require.NoError(t, err, "alert b%d", i+1)
		require.True(t, created)
	}
	user := uuid.MustParse(fixtureUser)
	for _, it := range []struct {
		alert int
		typ   alertanalytics.InteractionType
		at    string
	}{
		{1, alertanalytics.InteractionAcknowledged, "2026-10-24T22:09:59Z"},
		{1, alertanalytics.InteractionResolved, "2026-10-24T22:19:59Z"},
		{2, alertanalytics.InteractionAcknowledged, "2026-10-24T22:01:00Z"},
		{4, alertanalytics.InteractionResolved, "2026-10-25T03:30:00Z"},
		{6, alertanalytics.InteractionDismissed, "2026-10-25T23:05:00Z"},
		{7, alertanalytics.InteractionAcknowledged, "2026-10-26T12:30:00Z"},
	} {
		_, err := svc.RecordInteraction(ctx, tenant, fixtureID(it.alert), user,
			alertanalytics.InteractionInput{Type: it.typ, InteractedAt: ts(t, it.at)})
		require.NoError(t, err)
	}
	return svc
}

func trend(date string, count, critical, important, standard, info int64) alertanalytics.TrendPoint {
	return alertanalytics.TrendPoint{Date: date, Count: count, PriorityCounts: alertanalytics.PriorityCounts{
		Critical: critical, Important: important, Standard: standard, Info: info}}
}

func TestAnalyticsAcrossFallBack(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		svc := fallBackService(t, st)
		got, err := svc.Analytics(context.Background(), uuid.MustParse(fixtureTenant), alertanalytics.Window{Days: 3, Location: madrid(t)})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Analytics{
			// The 25th holds 25 hours: b2 at its first instant, b3 and b4 at the
			// two 02:30s, b5 at its last second. b6 opens the 26th; b8 was
			// created at exactly now and counts, b9 is in the future and does not.
			Trends: []alertanalytics.TrendPoint{
				trend("2026-10-25", 4, 1, 1, 1, 1),
				trend("2026-10-26", 2, 0, 1, 1, 0),
				trend("2026-10-27", 1, 1, 0, 0, 0),
			},
			// TTA of b2 (60 s) and b7 (1800 s): mean 930 s = 15.5 min → 16.
			AverageResponseTime: 16,
			// stock b2 b6 b7; production b3 b4; equipment and quality tie at 1,
			// equipment first by name. 3/7 → 43, 2/7 → 29, 1/7 → 14.
			TopCategories: []alertanalytics.CategoryShare{
				{Category: "stock", Count: 3, Percentage: 43},
				{Category: "production", Count: 2, Percentage: 29},
				{Category: "equipment", Count: 1, Percentage: 14},
			},
			TotalAlerts:    7,
			ResolvedAlerts: 1, // b4; b6 is dismissed
			ActiveAlerts:   5, // b2, b7 acknowledged; b3, b5, b8 active
			ResolutionRate: 14,
			// Counts 4, 2, 1: slope −1.5, mean 7/3, at i = 6: 7/3 − 1.5·5 < 0 → 0.
			PredictedDailyAverage: 0,
			BusiestDay:            "Sunday",
		}, got)
	})
}

func TestTrendsUTCBoundaries(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		svc := fallBackService(t, st)
		got, err := svc.Trends(context.Background(), uuid.MustParse(fixtureTenant), alertanalytics.Window{Days: 3})
		require.NoError(t, err)
		// In UTC the window starts 2026-10-25T00:00Z: b2 falls out, b6 (23:00Z)
		// falls on the 25th.
		require.Equal(t, []alertanalytics.TrendPoint{
			trend("2026-10-25", 4, 0, 1, 2, 1),
			trend("2026-10-26", 1, 0, 1, 0, 0),
			trend("2026-10-27", 1, 1, 0, 0, 0),
		}, got)

		// Default window: 7 days, zero-filled.
		got, err = svc.Trends(context.Background(), uuid.MustParse(fixtureTenant), alertanalytics.Window{})
		require.NoError(t, err)
		require.Len(t, got, 7)
		require.Equal(t, trend("2026-10-21", 0, 0, 0, 0, 0), got[0])
		require.Equal(t, trend("2026-10-24", 2, 2, 0, 0, 0), got[3])
	})
}

func TestAnalyticsOneDay(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		svc := fallBackService(t, st)
		got, err := svc.Analytics(context.Background(), uuid.MustParse(fixtureTenant), alertanalytics.Window{Days: 1, Location: madrid(t)})
		require.NoError(t, err)
		require.Equal(t, []alertanalytics.TrendPoint{trend("2026-10-27", 1, 1, 0, 0, 0)}, got.Trends)
		require.Equal(t, int64(1), got.PredictedDailyAverage) // N = 1: that day's count
		require.Equal(t, "Tuesday", got.BusiestDay)
		require.Equal(t, int64(0), got.ResolutionRate)
		require.Equal(t, int64(0), got.AverageResponseTime)
	})
}

func TestAnalyticsEmptyTenant(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		svc := fallBackService(t, st)
		got, err := svc.Analytics(context.Background(), uuid.New(), alertanalytics.Window{Days: 2})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Analytics{
			Trends:        []alertanalytics.TrendPoint{trend("2026-10-26", 0, 0, 0, 0, 0), trend("2026-10-27", 0, 0, 0, 0, 0)},
			TopCategories: []alertanalytics.CategoryShare{},
		}, got)
		d, err := svc.Dashboard(context.Background(), uuid.New(), alertanalytics.Window{})
		require.NoError(t, err)
		require.Equal(t, 30, d.PeriodDays)
		require.Nil(t, d.PeriodComparison.Changes.TotalAlerts)
		require.Equal(t, alertanalytics.ResponseTimeStats{}, d.ResponseTimes.TimeToAcknowledge)
	})
}

func ptr(v float64) *float64 { return &v }

func TestDashboardAcrossFallBack(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		svc := fallBackService(t, st)
		got, err := svc.Dashboard(context.Background(), uuid.MustParse(fixtureTenant), alertanalytics.Window{Days: 3, Location: madrid(t)})
		require.NoError(t, err)

		one := func(s int64) alertanalytics.ResponseTimeStats {
			return alertanalytics.ResponseTimeStats{Count: 1, MeanSeconds: s, P50Seconds: s, P75Seconds: s, P90Seconds: s, P95Seconds: s, P99Seconds: s}
		}
		want := alertanalytics.Dashboard{
			PeriodDays:  3,
			TotalAlerts: 7,
			// Open now, whenever created: b2, b3, b5, b7, b8, b9, b10.
			ActiveAlerts: 7,
			// Prevented issues b3 and b7 of 7: 28.571… → 28.6.
			AIHandlingRate:       28.6,
			PreventedIssuesCount: 2,
			// 12.345 € is 1235 cents (half away from zero), plus 20 €.
			EstimatedSavingsEUR: 32.35,
			// Open alerts' impact: b7 100 + b8 50.5 + b9 1 + b10 1000.
			TotalFinancialImpactAtRiskEUR: 1151.5,
			PriorityDistribution:          alertanalytics.PriorityCounts{Critical: 2, Important: 2, Standard: 2, Info: 1},
			TypeClassDistribution:         alertanalytics.TypeClassCounts{ActionNeeded: 5, PreventedIssue: 2},
			ActiveByTypeClass:             alertanalytics.TypeClassCounts{ActionNeeded: 4, PreventedIssue: 2, TrendWarning: 1},
			PeriodComparison: alertanalytics.PeriodComparison{
				CurrentPeriod: alertanalytics.PeriodStats{
					Start: ts(t, "2026-10-24T22:00:00Z"), End: fixtureNow(),
					TotalAlerts: 7, ResolvedAlerts: 1, ResolutionRate: 14, AverageResponseTimeMinutes: 16,
				},
				// The same stretch 3 local days earlier: 22 October 00:00 CEST
				// to 24 October 10:30 CEST, now's wall-clock time. b1, at 23:59:59
				// local on the 24th, falls after it: a running day meets only
				// the same part of its counterpart.
				PreviousPeriod: alertanalytics.PeriodStats{
					Start: ts(t, "2026-10-21T22:00:00Z"), End: ts(t, "2026-10-24T08:30:00Z"),
				},
				// Nothing to compare with: every change is null.
			},
		}
		// TTA 60 (b2, critical) and 1800 (b7, important): mean 930; nearest rank
		// of 2 values: p50 → 1st, p75 and up → 2nd. TTR: b4 7200 (standard).
		want.ResponseTimes.TimeToAcknowledge = alertanalytics.ResponseTimeStats{Count: 2, MeanSeconds: 930,
			P50Seconds: 60, P75Seconds: 1800, P90Seconds: 1800, P95Seconds: 1800, P99Seconds: 1800}
		want.ResponseTimes.TimeToResolve = one(7200)
		want.ResponseTimes.ByPriority.Critical.TimeToAcknowledge = one(60)
		want.ResponseTimes.ByPriority.Important.TimeToAcknowledge = one(1800)
		want.ResponseTimes.ByPriority.Standard.TimeToResolve = one(7200)
		require.Equal(t, want, got)

		// The JSON keys are the wire names.
		b, err := json.Marshal(got)
		require.NoError(t, err)
		for _, key := range []string{`"period_days":3`, `"ai_handling_rate":28.6`, `"estimated_savings_eur":32.35`,
			`"total_financial_impact_at_risk_eur":1151.5`, `"changes":{"total_alerts":null,"resolved_alerts":null,"resolution_rate":null,"average_response_time_minutes":null}`,
			`"by_priority":{"critical":{"time_to_acknowledge":{"count":1,"mean_seconds":60,`} {
			require.Contains(t, string(b), key)
		}
	})
}

func TestDeletionPreviewAndDelete(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := fallBackService(t, st)
		tenant := uuid.MustParse(fixtureTenant)
		other := uuid.MustParse("0e0e0e0e-0000-4000-8000-000000000002")
		_, _, err := svc.RecordAlert(ctx, other, alertanalytics.AlertInput{ID: fixtureID(1), AlertType: "other"})
		require.NoError(t, err)

		// 10 alerts; 6 interactions; 6 status changes (b1 twice, b2, b4, b6, b7).
		preview, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 10, AlertInteractions: 6, AuditLogs: 6}, preview)
		again, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, preview, again, "a preview deletes nothing")

		_, err = svc.DeleteTenant(ctx, tenant, "")
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
		receipt, err := svc.DeleteTenant(ctx, tenant, "gdpr-erasure")
		require.NoError(t, err)
		require.Equal(t, preview, receipt.Deleted)
		require.Equal(t, fixtureNow(), receipt.DeletedAt)
		after, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{}, after)
		receipts, err := svc.TenantDeletionReceipts(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, []alertanalytics.DeletionReceipt{receipt}, receipts)

		kept, err := svc.PreviewTenantDeletion(ctx, other)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.TenantCounts{Alerts: 1}, kept)
	})
}

func TestRecordAlertIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemoryService(t, fixtureNow())
	tenant := uuid.New()
	first, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{
		ID: fixtureID(1), AlertType: "low_stock_warning", Title: "Flour below 20 kg",
		BusinessImpact: json.RawMessage(`{"financial_impact_eur": 80.25, "sku": "FLOUR-T55"}`),
	})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "low_stock_warning", first.Category, "category defaults to alert_type")
	require.Equal(t, alertanalytics.PriorityStandard, first.PriorityLevel)
	require.Equal(t, alertanalytics.TypeClassActionNeeded, first.TypeClass)
	require.Equal(t, alertanalytics.StatusActive, first.Status)
	require.Equal(t, fixtureNow(), first.CreatedAt)
	dash, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 1})
	require.NoError(t, err)
	require.Equal(t, 80.25, dash.TotalFinancialImpactAtRiskEUR, "financial_impact_eur kept to the cent")
	require.JSONEq(t, `{"financial_impact_eur": 80.25, "sku": "FLOUR-T55"}`, string(first.BusinessImpact))

	second, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{
		ID: fixtureID(1), AlertType: "something_else", Title: "Redelivered", PriorityLevel: alertanalytics.PriorityCritical,
	})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first, second)

	generated, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "x"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, uuid.Version(7), generated.ID.Version())

	got, err := svc.Alert(ctx, tenant, fixtureID(1))
	require.NoError(t, err)
	require.Equal(t, first, got)
	_, err = svc.Alert(ctx, uuid.New(), fixtureID(1))
	require.ErrorIs(t, err, alertanalytics.ErrNotFound)
}

func TestRecordAlertsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemoryService(t, fixtureNow())
	tenant := uuid.New()
	res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{
		{ID: fixtureID(1), AlertType: "a"},
		{ID: fixtureID(2), AlertType: "b", PriorityLevel: "urgent"},
		{ID: fixtureID(1), AlertType: "a again"},
		{AlertType: "c"},
		{ID: fixtureID(3), AlertType: ""},
	})
	require.NoError(t, err)
	require.Equal(t, 2, res.Created)
	require.Equal(t, 1, res.Existing)
	require.Len(t, res.Rejected, 2)
	require.Equal(t, 1, res.Rejected[0].Index)
	require.Equal(t, 4, res.Rejected[1].Index)
	var fe *alertanalytics.FieldError
	require.ErrorAs(t, res.Rejected[0].Err, &fe)
	require.Equal(t, "priority_level", fe.Field)
	require.ErrorAs(t, res.Rejected[1].Err, &fe)
	require.Equal(t, "alert_type", fe.Field)
	require.Equal(t, fixtureID(1), res.IDs[0])
	require.Equal(t, uuid.Nil, res.IDs[1])
	require.Equal(t, fixtureID(1), res.IDs[2])
	require.Equal(t, uuid.Version(7), res.IDs[3].Version())
	preview, err := svc.PreviewTenantDeletion(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, int64(2), preview.Alerts)
}

func TestAlertValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemoryService(t, fixtureNow())
	tenant := uuid.New()
	score := func(v int) *int { return &v }
	for _, tc := range []struct {
		name  string
		in    alertanalytics.AlertInput
		field string
	}{
		{"missing alert_type", alertanalytics.AlertInput{}, "alert_type"},
		{"alert_type too long", alertanalytics.AlertInput{AlertType: strings.Repeat("x", 101)}, "alert_type"},
		{"category too long", alertanalytics.AlertInput{AlertType: "a", Category: strings.Repeat("é", 101)}, "category"},
		{"title too long", alertanalytics.AlertInput{AlertType: "a", Title: strings.Repeat("x", 501)}, "title"},
		{"message too long", alertanalytics.AlertInput{AlertType: "a", Message: strings.Repeat("x", 10001)}, "message"},
		{"service too long", alertanalytics.AlertInput{AlertType: "a", Service: strings.Repeat("x", 101)}, "service"},
		{"invalid utf-8", alertanalytics.AlertInput{AlertType: "a\xff"}, "alert_type"},
		{"NUL", alertanalytics.AlertInput{AlertType: "a", Title: "a\x00b"}, "title"},
		{"unknown priority", alertanalytics.AlertInput{AlertType: "a", PriorityLevel: "high"}, "priority_level"},
		{"score below 0", alertanalytics.AlertInput{AlertType: "a", PriorityScore: score(-1)}, "priority_score"},
		{"score above 100", alertanalytics.AlertInput{AlertType: "a", PriorityScore: score(101)}, "priority_score"},
		{"unknown type class", alertanalytics.AlertInput{AlertType: "a", TypeClass: "warning"}, "type_class"},
		{"unknown status", alertanalytics.AlertInput{AlertType: "a", Status: "open"}, "status"},
		{"too far in the future", alertanalytics.AlertInput{AlertType: "a", CreatedAt: fixtureNow().Add(5*time.Minute + time.Second)}, "created_at"},
		{"impact not an object", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`[1]`)}, "business_impact"},
		{"impact malformed", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"a":`)}, "business_impact"},
		{"impact too big", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"a":"` + strings.Repeat("x", 64<<10) + `"}`)}, "business_impact"},
		{"negative impact", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"financial_impact_eur": -0.01}`)}, "business_impact.financial_impact_eur"},
		{"impact as string", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"financial_impact_eur": "12"}`)}, "business_impact.financial_impact_eur"},
		{"impact overflow", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"financial_impact_eur": 1e400}`)}, "business_impact.financial_impact_eur"},
		{"negative savings", alertanalytics.AlertInput{AlertType: "a", OrchestratorContext: json.RawMessage(`{"estimated_savings_eur": -5}`)}, "orchestrator_context.estimated_savings_eur"},
		{"context not an object", alertanalytics.AlertInput{AlertType: "a", OrchestratorContext: json.RawMessage(`"x"`)}, "orchestrator_context"},
		{"impact not UTF-8", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage("{\"note\":\"\xff\"}")}, "business_impact"},
		{"context not UTF-8", alertanalytics.AlertInput{AlertType: "a", OrchestratorContext: json.RawMessage("{\"a\":{\"b\":\"\xc3\x28\"}}")}, "orchestrator_context"},
		// The last value would be read (1,000,000 €) while the stored text
		// keeps both: the money and the document would disagree.
		{"duplicate money key", alertanalytics.AlertInput{AlertType: "a", BusinessImpact: json.RawMessage(`{"financial_impact_eur": 1, "financial_impact_eur": 1000000}`)}, "business_impact.financial_impact_eur"},
		{"nested duplicate key", alertanalytics.AlertInput{AlertType: "a", OrchestratorContext: json.RawMessage(`{"labels": {"team": "a", "team": "b"}}`)}, "orchestrator_context.labels.team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := svc.RecordAlert(ctx, tenant, tc.in)
			require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
			var fe *alertanalytics.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.field, fe.Field)
			require.Contains(t, err.Error(), tc.field)
		})
	}
	// Nothing was written.
	preview, err := svc.PreviewTenantDeletion(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, alertanalytics.TenantCounts{}, preview)

	// Limits are inclusive; 5 minutes ahead is allowed; null euro figures are absent.
	a, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{
		AlertType: strings.Repeat("x", 100), Title: strings.Repeat("é", 500), PriorityScore: score(100),
		CreatedAt:      fixtureNow().Add(5 * time.Minute),
		BusinessImpact: json.RawMessage(`{"financial_impact_eur": null}`),
	})
	require.NoError(t, err)
	require.JSONEq(t, `{"financial_impact_eur": null}`, string(a.BusinessImpact))
	dash, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 1})
	require.NoError(t, err)
	require.Zero(t, dash.TotalFinancialImpactAtRiskEUR, "a null euro figure is absent")
}

func TestInteractionValidationAndErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newMemoryService(t, fixtureNow())
	tenant, user := uuid.New(), uuid.New()
	a, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "a", CreatedAt: fixtureNow().Add(-time.Hour)})
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		user  uuid.UUID
		in    alertanalytics.InteractionInput
		field string
	}{
		{"unknown type", user, alertanalytics.InteractionInput{Type: "escalated"}, "interaction_type"},
		{"missing type", user, alertanalytics.InteractionInput{}, "interaction_type"},
		{"no user", uuid.Nil, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved}, "user_id"},
		{"future", user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved, InteractedAt: fixtureNow().Add(6 * time.Minute)}, "interacted_at"},
		{"mismatched alert_id", user, alertanalytics.InteractionInput{AlertID: uuid.New(), Type: alertanalytics.InteractionResolved}, "alert_id"},
		{"metadata not an object", user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved, Metadata: json.RawMessage(`[]`)}, "metadata"},
		{"metadata too big", user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved, Metadata: json.RawMessage(`{"a":"` + strings.Repeat("x", 16<<10) + `"}`)}, "metadata"},
		{"key too long", user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved, IdempotencyKey: strings.Repeat("k", 129)}, "idempotency_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.RecordInteraction(ctx, tenant, a.ID, tc.user, tc.in)
			var fe *alertanalytics.FieldError
			require.ErrorAs(t, err, &fe)
			require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
			require.Equal(t, tc.field, fe.Field)
		})
	}
	_, err = svc.RecordInteraction(ctx, tenant, uuid.New(), user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved})
	require.ErrorIs(t, err, alertanalytics.ErrNotFound)
	_, err = svc.RecordInteraction(ctx, uuid.New(), a.ID, user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved})
	require.ErrorIs(t, err, alertanalytics.ErrNotFound, "another tenant cannot touch the alert")

	// Defaults: now, and the response time from created_at.
	got, err := svc.RecordInteraction(ctx, tenant, a.ID, user, alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionAcknowledged, IdempotencyKey: "tablet-1/17"})
	require.NoError(t, err)
	require.False(t, got.Duplicate)
	require.Equal(t, fixtureNow(), got.InteractedAt)
	require.Equal(t, int64(3600), got.ResponseTimeSeconds)
	dup, err := svc.RecordInteraction(ctx, tenant, a.ID, user, alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionAcknowledged, IdempotencyKey: "tablet-1/17"})
	require.NoError(t, err)
	require.True(t, dup.Duplicate)
	require.Equal(t, got.Interaction, dup.Interaction)
	// The key reused for another type is refused, and changes nothing.
	_, err = svc.RecordInteraction(ctx, tenant, a.ID, user, alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionResolved, IdempotencyKey: "tablet-1/17"})
	var keyErr *alertanalytics.FieldError
	require.ErrorAs(t, err, &keyErr)
	require.Equal(t, "idempotency_key", keyErr.Field)
	stored, err := svc.Alert(ctx, tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, alertanalytics.StatusAcknowledged, stored.Status)

	// A batch: valid items stored, invalid and unknown-alert items listed.
	res, err := svc.RecordInteractions(ctx, tenant, user, []alertanalytics.InteractionInput{
		{AlertID: a.ID, Type: alertanalytics.InteractionSnoozed},
		{AlertID: a.ID, Type: "bogus"},
		{AlertID: uuid.New(), Type: alertanalytics.InteractionResolved},
		{AlertID: a.ID, Type: alertanalytics.InteractionResolved, IdempotencyKey: "tablet-1/17"},
		{Type: alertanalytics.InteractionResolved},
		{AlertID: a.ID, Type: alertanalytics.InteractionAcknowledged, IdempotencyKey: "tablet-1/17"},
	})
	require.NoError(t, err)
	require.Equal(t, 1, res.Created)
	require.Equal(t, 1, res.Duplicates)
	require.Len(t, res.Interactions, 2)
	require.Equal(t, alertanalytics.InteractionSnoozed, res.Interactions[0].Type)
	require.True(t, res.Interactions[1].Duplicate)
	require.Len(t, res.Rejected, 4)
	require.Equal(t, []int{1, 2, 3, 4}, []int{res.Rejected[0].Index, res.Rejected[1].Index, res.Rejected[2].Index, res.Rejected[3].Index})
	require.True(t, errors.Is(res.Rejected[1].Err, alertanalytics.ErrNotFound))
	require.ErrorIs(t, res.Rejected[0].Err, alertanalytics.ErrInvalidArgument)
	require.ErrorAs(t, res.Rejected[2].Err, &keyErr)
	require.Equal(t, "idempotency_key", keyErr.Field)
	require.ErrorIs(t, res.Rejected[3].Err, alertanalytics.ErrInvalidArgument)
}

func TestWindowValidation(t *testing.T) {
	t.Parallel()
	svc := newMemoryService(t, fixtureNow())
	for _, days := range []int{-1, 91} {
		_, err := svc.Analytics(context.Background(), uuid.New(), alertanalytics.Window{Days: days})
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "days", fe.Field)
		_, err = svc.Dashboard(context.Background(), uuid.New(), alertanalytics.Window{Days: days})
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
		_, err = svc.Trends(context.Background(), uuid.New(), alertanalytics.Window{Days: days})
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
	}
	// The nil tenant id is refused up front by every call.
	_, err := svc.Analytics(context.Background(), uuid.Nil, alertanalytics.Window{})
	var fe *alertanalytics.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "tenant_id", fe.Field)
	_, err = svc.Alert(context.Background(), uuid.Nil, uuid.New())
	require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
	_, err = svc.RecordInteractions(context.Background(), uuid.Nil, uuid.New(), nil)
	require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
	tr, err := svc.Trends(context.Background(), uuid.New(), alertanalytics.Window{Days: 90})
	require.NoError(t, err)
	require.Len(t, tr, 90)
}

// TestWindowEndsCutBuckets puts alerts on both sides of the instants that
// cut a 15-minute bucket — now, and now's wall-clock time a day earlier —
// so that a bucket read whole from the rollups would count them wrongly.
func TestWindowEndsCutBuckets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 2, 12, 7, 30, 250e6, time.UTC)
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
		tenant, user := uuid.New(), uuid.New()
		created := map[string]time.Time{
			"a1": ts(t, "2026-11-02T12:00:00Z"),     // in the cut bucket, before now
			"a2": now,                               // at now: included
			"a3": now.Add(time.Millisecond),         // 1 ms after now: not yet
			"a4": ts(t, "2026-11-02T12:11:00Z"),     // later in the cut bucket
			"a5": ts(t, "2026-11-02T11:59:59.999Z"), // the whole bucket before
			"p1": now.AddDate(0, 0, -1),             // the previous period's last instant
			"p2": now.AddDate(0, 0, -1).Add(time.Millisecond),
			"p3": ts(t, "2026-11-01T12:10:00Z"),
			"p4": ts(t, "2026-11-01T03:00:00Z"),
		}
		ids := map[string]uuid.UUID{}
		for name, at := range created {
			in := alertanalytics.AlertInput{AlertType: name, CreatedAt: at}
			if name == "a1" {
				in.PriorityLevel = alertanalytics.PriorityCritical
			}
			a, _, err := svc.RecordAlert(ctx, tenant, in)
			require.NoError(t, err)
			ids[name] = a.ID
		}
		for name, at := range map[string]time.Time{
			"a1": ts(t, "2026-11-02T12:05:00Z"), // 300 s
			"a2": now,                           // 0 s
			"a5": ts(t, "2026-11-02T12:01:00Z"), // 60.001 s → 60
			"a3": now.Add(time.Minute),
			"a4": now.Add(time.Minute),
			"p1": ts(t, "2026-11-01T12:08:00Z"), // 29.75 s → 29
			"p4": ts(t, "2026-11-01T03:30:00Z"), // 1800 s
			"p2": ts(t, "2026-11-01T12:08:00Z"),
			"p3": ts(t, "2026-11-01T12:11:00Z"),
		} {
			_, err := svc.RecordInteraction(ctx, tenant, ids[name], user, alertanalytics.InteractionInput{
				Type: alertanalytics.InteractionAcknowledged, InteractedAt: at})
			require.NoError(t, err, name)
		}
		d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 1})
		require.NoError(t, err)
		require.Equal(t, int64(3), d.TotalAlerts) // a1, a2, a5
		// TTA 0, 60, 300: mean 120; nearest rank p50 → 2nd (60), p75+ → 3rd.
		require.Equal(t, alertanalytics.ResponseTimeStats{Count: 3, MeanSeconds: 120, P50Seconds: 60, P75Seconds: 300,
			P90Seconds: 300, P95Seconds: 300, P99Seconds: 300}, d.ResponseTimes.TimeToAcknowledge)
		require.Equal(t, int64(1), d.ResponseTimes.ByPriority.Critical.TimeToAcknowledge.Count)
		cur, prev := d.PeriodComparison.CurrentPeriod, d.PeriodComparison.PreviousPeriod
		require.Equal(t, now.Truncate(time.Millisecond), cur.End)
		require.Equal(t, now.AddDate(0, 0, -1), prev.End)
		// Previous: p1 and p4; average (29 + 1800) / 2 s = 15.24 min → 15.
		require.Equal(t, int64(2), prev.TotalAlerts)
		require.Equal(t, int64(15), prev.AverageResponseTimeMinutes)
		// Current average (0 + 60 + 300) / 3 s = 2 min; changes +50.0 % and −86.7 %.
		require.Equal(t, int64(2), cur.AverageResponseTimeMinutes)
		require.Equal(t, 50.0, *d.PeriodComparison.Changes.TotalAlerts)
		require.Equal(t, -86.7, *d.PeriodComparison.Changes.AverageResponseTimeMinutes)

		tr, err := svc.Trends(ctx, tenant, alertanalytics.Window{Days: 2})
		require.NoError(t, err)
		// The whole of 1 November (p1–p4), and 2 November up to now.
		require.Equal(t, []int64{4, 3}, []int64{tr[0].Count, tr[1].Count})
		require.Equal(t, int64(1), tr[1].Critical)
	})
}
