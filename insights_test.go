package alertanalytics_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the digest renderers")

// insightNow is a Monday, 10:00 UTC (11:00 in Madrid, 15:30 in Kolkata).
func insightNow() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

// seedInsight stores alerts and acts on them: acks and resolves are offsets
// after created_at; dismissed closes the alert without either.
type insightAlert struct {
	name, created      string
	priority           alertanalytics.Priority
	alertType, service string
	ack, resolve       time.Duration // 0: none
	dismissed          bool
}

func seedInsight(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID, alerts []insightAlert) {
	t.Helper()
	ctx, user := context.Background(), uuid.MustParse("00000000-0000-4000-8000-00000000beef")
	for _, a := range alerts {
		created := ts(t, a.created)
		in := alertanalytics.AlertInput{AlertType: a.alertType, Service: a.service, PriorityLevel: a.priority, CreatedAt: created}
		if in.AlertType == "" {
			in.AlertType = a.name
		}
		stored, _, err := svc.RecordAlert(ctx, tenant, in)
		require.NoError(t, err, a.name)
		for _, act := range []struct {
			typ alertanalytics.InteractionType
			at  time.Duration
			on  bool
		}{{alertanalytics.InteractionAcknowledged, a.ack, a.ack > 0}, {alertanalytics.InteractionResolved, a.resolve, a.resolve > 0},
			{alertanalytics.InteractionDismissed, 0, a.dismissed}} {
			if !act.on {
				continue
			}
			when := created.Add(act.at)
			if act.at == 0 {
				when = insightNow()
			}
			_, err := svc.RecordInteraction(ctx, tenant, stored.ID, user, alertanalytics.InteractionInput{Type: act.typ, InteractedAt: when})
			require.NoError(t, err, a.name)
		}
	}
}

func TestCompliance(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		seedInsight(t, svc, tenant, []insightAlert{
			// Acknowledged after exactly 5 minutes: met (≤); resolved after
			// 1 h 1 s: missed.
			{name: "c1", created: "2026-11-01T08:00:00Z", priority: "critical", ack: 5 * time.Minute, resolve: time.Hour + time.Second},
			// 2 minutes old: both targets still pending.
			{name: "c2", created: "2026-11-02T09:58:00Z", priority: "critical"},
			// Created + 5 minutes is now exactly: the acknowledge target has
			// passed (missed); the resolve target has not (pending).
			{name: "c3", created: "2026-11-02T09:55:00Z", priority: "critical"},
			// Dismissed without an acknowledgement: both missed.
			{name: "c4", created: "2026-11-01T00:00:00Z", priority: "critical", dismissed: true},
			{name: "i1", created: "2026-10-30T12:00:00Z", priority: "important", ack: 15*time.Minute + time.Second, resolve: 4 * time.Hour},
			{name: "s1", created: "2026-11-02T09:00:00Z", priority: "standard", ack: 30 * time.Minute},
			{name: "n1", created: "2026-10-29T06:00:00Z", priority: "info"},
			// Before the 7-day window: not judged.
			{name: "old", created: "2026-10-20T06:00:00Z", priority: "info"},
		})
		c, err := svc.Compliance(ctx, tenant, alertanalytics.Window{Days: 7}, alertanalytics.Targets{})
		require.NoError(t, err)
		block := func(met, missed, pending int64, compliance *float64) alertanalytics.ComplianceBlock {
			return alertanalytics.ComplianceBlock{Met: met, Missed: missed, Pending: pending, Compliance: compliance}
		}
		target := func(seconds int64, b alertanalytics.ComplianceBlock) alertanalytics.TargetCompliance {
			return alertanalytics.TargetCompliance{TargetSeconds: seconds, ComplianceBlock: b}
		}
		require.Equal(t, 7, c.PeriodDays)
		// Critical: acknowledge met c1, missed c3 c4, pending c2 → 1/3;
		// resolve missed c1 c4, pending c2 c3 → 0/2.
		require.Equal(t, alertanalytics.PriorityCompliance{Alerts: 4,
			Acknowledge: target(300, block(1, 2, 1, ptr(33.3))), Resolve: target(3600, block(0, 2, 2, ptr(0)))}, c.ByPriority.Critical)
		require.Equal(t, alertanalytics.PriorityCompliance{Alerts: 1,
			Acknowledge: target(900, block(0, 1, 0, ptr(0))), Resolve: target(14400, block(1, 0, 0, ptr(100)))}, c.ByPriority.Important)
		require.Equal(t, alertanalytics.PriorityCompliance{Alerts: 1,
			Acknowledge: target(3600, block(1, 0, 0, ptr(100))), Resolve: target(86400, block(0, 0, 1, nil))}, c.ByPriority.Standard)
		require.Equal(t, alertanalytics.PriorityCompliance{Alerts: 1,
			Acknowledge: target(14400, block(0, 1, 0, ptr(0))), Resolve: target(259200, block(0, 1, 0, ptr(0)))}, c.ByPriority.Info)
		// Overall, each alert by its own priority: acknowledge 2 met of 6
		// judged, resolve 1 of 4.
		require.Equal(t, alertanalytics.ComplianceSummary{Alerts: 7, Acknowledge: block(2, 4, 1, ptr(33.3)),
			Resolve: block(1, 3, 3, ptr(25))}, c.Overall)

		// A stricter critical target: c1's 5 minutes now miss 2 minutes, and
		// c2 (2 minutes old exactly at its target) has missed it too.
		c, err = svc.Compliance(ctx, tenant, alertanalytics.Window{Days: 7},
			alertanalytics.Targets{Acknowledge: map[alertanalytics.Priority]time.Duration{alertanalytics.PriorityCritical: 2 * time.Minute}})
		require.NoError(t, err)
		require.Equal(t, target(120, block(0, 4, 0, ptr(0))), c.ByPriority.Critical.Acknowledge)

		_, err = svc.Compliance(ctx, tenant, alertanalytics.Window{}, alertanalytics.Targets{
			Resolve: map[alertanalytics.Priority]time.Duration{"urgent": time.Hour}})
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "resolve.urgent", fe.Field)
		_, err = svc.Compliance(ctx, tenant, alertanalytics.Window{}, alertanalytics.Targets{
			Acknowledge: map[alertanalytics.Priority]time.Duration{"info": 1500 * time.Millisecond}})
		require.ErrorAs(t, err, &fe)
		require.Equal(t, "ack.info", fe.Field)
	})
}

func hoursFixture() []insightAlert {
	return []insightAlert{
		// Monday 08:59 in Madrid (07:59 UTC, which would be sleep): off hours.
		{name: "h1", created: "2026-11-02T07:59:00Z", ack: 30 * time.Second},
		// Monday 09:00: business (the start is included).
		{name: "h2", created: "2026-11-02T08:00:00Z", ack: 2 * time.Minute},
		// Sunday 22:30: sleep (22:00-08:00 wraps past midnight).
		{name: "h3", created: "2026-11-01T21:30:00Z", ack: 400 * time.Second},
		// Saturday 17:00: not a business day, not sleep: off hours.
		{name: "h4", created: "2026-10-31T16:00:00Z"},
		// Friday 16:59: business; Friday 17:00: off (the end is excluded).
		{name: "h5", created: "2026-10-30T15:59:00Z", ack: time.Minute},
		{name: "h6", created: "2026-10-30T16:00:00Z", ack: 10 * time.Minute},
		// Thursday 07:45: sleep.
		{name: "h7", created: "2026-10-29T06:45:00Z", ack: 100 * time.Second},
		// Sunday 25 October 02:30 CEST and, an hour later, 02:30 CET again.
		{name: "h8", created: "2026-10-25T00:30:00Z"},
		{name: "h9", created: "2026-10-25T01:30:00Z"},
	}
}

func TestHours(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		seedInsight(t, svc, tenant, hoursFixture())
		h, err := svc.Hours(ctx, tenant, alertanalytics.Window{Days: 7, Location: madrid(t)}, alertanalytics.HoursOptions{})
		require.NoError(t, err)
		var want [7][24]int64
		want[0][8], want[0][9] = 1, 1   // Monday
		want[6][22] = 1                 // Sunday
		want[5][17] = 1                 // Saturday
		want[4][16], want[4][17] = 1, 1 // Friday
		want[3][7] = 1                  // Thursday
		require.Equal(t, want, h.Heatmap)
		// Business h2 (120 s), h5 (60 s): mean 90, nearest-rank median the
		// 1st of 2 (60), where interpolation would say 90.
		require.Equal(t, alertanalytics.HourClass{Alerts: 2, Acknowledged: 2, MeanTTASeconds: 90, P50TTASeconds: 60}, h.Business)
		require.Equal(t, alertanalytics.HourClass{Alerts: 3, Acknowledged: 2, MeanTTASeconds: 315, P50TTASeconds: 30}, h.OffHours)
		require.Equal(t, alertanalytics.HourClass{Alerts: 2, Acknowledged: 2, MeanTTASeconds: 250, P50TTASeconds: 100}, h.Sleep)

		// Across the autumn change both 02:30s are Sunday 2 o'clock.
		h, err = svc.Hours(ctx, tenant, alertanalytics.Window{Days: 14, Location: madrid(t)}, alertanalytics.HoursOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(2), h.Heatmap[6][2])
		require.Equal(t, int64(4), h.Sleep.Alerts)

		// Kolkata (+05:30): h1 and h2 are Monday 13:29 and 13:30; h3 Monday
		// 03:00.
		kolkata, err := time.LoadLocation("Asia/Kolkata")
		require.NoError(t, err)
		h, err = svc.Hours(ctx, tenant, alertanalytics.Window{Days: 7, Location: kolkata}, alertanalytics.HoursOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(2), h.Heatmap[0][13])
		require.Equal(t, int64(1), h.Heatmap[0][3])

		// Other classes: business every day 12:00-20:00, sleep 20:00-08:00.
		days, err := alertanalytics.ParseWeekdays("business_days", "mon-sun")
		require.NoError(t, err)
		biz, err := alertanalytics.ParseInterval("business_hours", "12:00-20:00")
		require.NoError(t, err)
		sleep, err := alertanalytics.ParseInterval("sleep_hours", "20:00-08:00")
		require.NoError(t, err)
		h, err = svc.Hours(ctx, tenant, alertanalytics.Window{Days: 7, Location: madrid(t)},
			alertanalytics.HoursOptions{BusinessDays: days, BusinessHours: &biz, SleepHours: &sleep})
		require.NoError(t, err)
		// h4 (Sat 17:00), h5 (Fri 16:59), h6 (Fri 17:00) business; h3, h7
		// sleep; h1 (08:59), h2 (09:00) off hours.
		require.Equal(t, int64(3), h.Business.Alerts)
		require.Equal(t, int64(2), h.Sleep.Alerts)
		require.Equal(t, int64(2), h.OffHours.Alerts)
	})
}

func TestParseIntervalAndWeekdays(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]alertanalytics.Interval{
		"09:00-17:00": {540, 1020}, "22:00-08:00": {1320, 480}, "00:15-24:00": {15, 0}, "23:45-00:00": {1425, 0},
	} {
		got, err := alertanalytics.ParseInterval("x", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"25:00-08:00", "09:10-17:00", "9:00-17:00", "09:00", "24:00-08:00", "09:00-17:60", "-1:00-02:00", "09:00-17:00-18:00", ""} {
		_, err := alertanalytics.ParseInterval("business_hours", bad)
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe, bad)
		require.Equal(t, "business_hours", fe.Field)
	}
	got, err := alertanalytics.ParseWeekdays("d", "fri-mon,wed")
	require.NoError(t, err)
	require.Equal(t, []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday, time.Wednesday}, got)
	for _, bad := range []string{"mon-fry", "", "monday", "mon,", "mon-"} {
		_, err := alertanalytics.ParseWeekdays("business_days", bad)
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument, bad)
	}
}

func TestBreakdownAndNoisy(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		seedInsight(t, svc, tenant, []insightAlert{
			{name: "a1", created: "2026-11-01T08:00:00Z", alertType: "disk_full", service: "db", ack: 10 * time.Second},
			{name: "a2", created: "2026-11-01T09:00:00Z", alertType: "disk_full", service: "db", dismissed: true},
			{name: "a3", created: "2026-11-01T10:00:00Z", alertType: "disk_full", service: "db"},
			{name: "a4", created: "2026-11-01T11:00:00Z", alertType: "cpu_high", service: "web"},
			{name: "a5", created: "2026-11-01T12:00:00Z", alertType: "cpu_high", service: "web"},
			{name: "a6", created: "2026-11-01T13:00:00Z", alertType: "cpu_high", service: "", ack: 40 * time.Second},
			{name: "a7", created: "2026-11-01T14:00:00Z", alertType: "cpu_high", service: "", resolve: time.Minute},
			{name: "a8", created: "2026-11-01T15:00:00Z", alertType: "ok", service: "web", ack: 10 * time.Second, resolve: 20 * time.Second},
		})
		b, err := svc.Breakdown(ctx, tenant, alertanalytics.Window{Days: 7}, alertanalytics.ByService, 2)
		require.NoError(t, err)
		// db 3, web 3, "" 2: the tie by key in byte order puts db first;
		// the empty service is a group of its own.
		require.Equal(t, alertanalytics.ByService, b.By)
		require.Equal(t, 3, b.Groups)
		require.Equal(t, int64(2), b.OtherAlerts)
		require.Equal(t, []alertanalytics.BreakdownRow{
			{Key: "db", Alerts: 3, Open: 2, TimeToAcknowledge: alertanalytics.GroupTimes{Count: 1, MeanSeconds: 10, P50Seconds: 10, P90Seconds: 10}},
			{Key: "web", Alerts: 3, Resolved: 1, Open: 2, ResolutionRate: 33,
				TimeToAcknowledge: alertanalytics.GroupTimes{Count: 1, MeanSeconds: 10, P50Seconds: 10, P90Seconds: 10},
				TimeToResolve:     alertanalytics.GroupTimes{Count: 1, MeanSeconds: 20, P50Seconds: 20, P90Seconds: 20}},
		}, b.Rows)
		b, err = svc.Breakdown(ctx, tenant, alertanalytics.Window{Days: 7}, alertanalytics.ByAlertType, 0)
		require.NoError(t, err)
		// cpu_high: TTA 40 (a6) only; TTR 60 (a7); 1 resolved of 4.
		require.Equal(t, alertanalytics.BreakdownRow{Key: "cpu_high", Alerts: 4, Resolved: 1, Open: 3, ResolutionRate: 25,
			TimeToAcknowledge: alertanalytics.GroupTimes{Count: 1, MeanSeconds: 40, P50Seconds: 40, P90Seconds: 40},
			TimeToResolve:     alertanalytics.GroupTimes{Count: 1, MeanSeconds: 60, P50Seconds: 60, P90Seconds: 60}}, b.Rows[0])
		_, err = svc.Breakdown(ctx, tenant, alertanalytics.Window{}, "colour", 0)
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)
		_, err = svc.Breakdown(ctx, tenant, alertanalytics.Window{}, alertanalytics.ByService, 101)
		require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)

		n, err := svc.Noisy(ctx, tenant, alertanalytics.Window{Days: 7}, 3)
		require.NoError(t, err)
		// Noise 2 for (disk_full, db) and (cpu_high, web): more alerts first.
		// Noise 0 for (cpu_high, "") and (ok, web): more alerts first.
		require.Equal(t, 7, n.PeriodDays)
		require.Equal(t, 4, n.Groups)
		require.Equal(t, int64(1), n.OtherAlerts) // (ok, web)
		require.Equal(t, []alertanalytics.NoisyRow{
			{AlertType: "disk_full", Service: "db", Alerts: 3, Acted: 1, Dismissed: 1, Noise: 2, NoiseRate: 66.7},
			{AlertType: "cpu_high", Service: "web", Alerts: 2, Acted: 0, Noise: 2, NoiseRate: 100},
			{AlertType: "cpu_high", Service: "", Alerts: 2, Acted: 2, Noise: 0, NoiseRate: 0},
		}, n.Rows)
	})
}

func TestDigest(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		fixture := append(hoursFixture(), insightAlert{name: "x", created: "2026-11-02T08:10:00Z",
			alertType: "<script>alert(1)</script>", service: `"quoted" & <b>`, priority: "critical"})
		seedInsight(t, svc, tenant, fixture)
		d, err := svc.Digest(ctx, tenant, alertanalytics.Window{Location: madrid(t)})
		require.NoError(t, err)
		require.Equal(t, 7, d.PeriodDays)
		require.Equal(t, int64(8), d.PeriodComparison.CurrentPeriod.TotalAlerts) // h1–h7 and x
		require.Equal(t, &alertanalytics.BusiestHour{Weekday: "Monday", Hour: 9, Alerts: 2}, d.BusiestHour)
		require.Len(t, d.Noisiest, 3)
		require.Len(t, d.TopCategories, 3)
		text, html := d.Text(), d.HTML()
		require.LessOrEqual(t, strings.Count(text, "\n"), 40)
		require.NotContains(t, html, "<script")
		require.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt;")
		require.NotContains(t, html, "<b>")
		golden(t, "testdata/digest.txt", text)
		golden(t, "testdata/digest.html", html)
	})
}

// golden compares got with a file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}
