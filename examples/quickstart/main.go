// Command quickstart creates a SQLite database in a temporary folder,
// ingests a month of bakery alerts with the staff's interactions, and prints
// the analytics and the dashboard.
//
//	go run ./examples/quickstart
//
// With -postgres it runs the same demo on PostgreSQL instead, in a schema of
// its own (alertanalytics_quickstart, or -schema) that it drops when done:
//
//	go run ./examples/quickstart -postgres "postgres://user:pass@localhost:5432/db"
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // the time zone works on machines without zoneinfo

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

func main() {
	tz := flag.String("tz", "Europe/Madrid", "the bakery's IANA time zone")
	pgURL := flag.String("postgres", "", "run on this PostgreSQL database (URL or DSN) instead of SQLite")
	pgSchema := flag.String("schema", "alertanalytics_quickstart", "with -postgres: the schema to work in, dropped when done")
	flag.Parse()
	var err error
	if *pgURL != "" {
		err = runPostgres(context.Background(), os.Stdout, *tz, *pgURL, *pgSchema)
	} else {
		err = run(context.Background(), os.Stdout, *tz)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run runs the demo on a SQLite file in a temporary folder.
func run(ctx context.Context, out io.Writer, tz string) error {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	dir, err := os.MkdirTemp("", "alertanalytics-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "alerts.db")
	st, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return demoReport(ctx, out, st, "SQLite database "+path, loc)
}

// quickstartSchema is the PostgreSQL schema the demo creates and drops.
// runPostgres runs the demo on PostgreSQL, in schema, which it drops when
// done.
func runPostgres(ctx context.Context, out io.Writer, tz, url, schema string) error {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	if err != nil {
		return err
	}
	drop := func() error {
		_, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+st.Schema()+`" CASCADE`)
		return err
	}
	if err := drop(); err != nil { // a previous run that was interrupted
		return err
	}
	defer drop()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return demoReport(ctx, out, st, "PostgreSQL schema "+st.Schema(), loc)
}

// demoReport seeds the demo bakery into st and prints the report.
func demoReport(ctx context.Context, out io.Writer, st store.Store, where string, loc *time.Location) error {
	svc := alertanalytics.New(st, alertanalytics.Config{})
	began := time.Now()
	alerts, interactions, err := demo.Seed(ctx, svc, time.Now(), 30, 7)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "alertanalytics quickstart: demo bakery, tenant %s\n", demo.TenantID)
	fmt.Fprintf(out, "%s\n", where)
	fmt.Fprintf(out, "ingested %d alerts and %d interactions in %s\n\n", alerts, interactions, time.Since(began).Round(time.Millisecond))
	return report(ctx, out, svc, uuid.MustParse(demo.TenantID), loc)
}

// report prints the analytics and the dashboard of the last 14 days, the
// dashboard compared with the 14 days before.
func report(ctx context.Context, out io.Writer, svc *alertanalytics.Service, tenant uuid.UUID, loc *time.Location) error {
	a, err := svc.Analytics(ctx, tenant, alertanalytics.Window{Days: 14, Location: loc})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Alerts per day, last 14 days (%s)\n", loc)
	var peak int64 = 1
	for _, p := range a.Trends {
		peak = max(peak, p.Count)
	}
	for _, p := range a.Trends {
		day, _ := time.Parse(time.DateOnly, p.Date)
		bar := strings.Repeat("█", int(p.Count*40/peak))
		fmt.Fprintf(out, "  %s %s  %-40s %3d  (critical %d, important %d, standard %d, info %d)\n",
			p.Date, day.Format("Mon"), bar, p.Count, p.Critical, p.Important, p.Standard, p.Info)
	}
	fmt.Fprintf(out, "\n  total %d   resolved %d (%d%%)   still open %d (of these 14 days' alerts)\n", a.TotalAlerts, a.ResolvedAlerts, a.ResolutionRate, a.ActiveAlerts)
	fmt.Fprintf(out, "  average time to acknowledge  %d min\n", a.AverageResponseTime)
	fmt.Fprintf(out, "  busiest day                  %s\n", a.BusiestDay)
	fmt.Fprintf(out, "  forecast for next week       ~%d alerts a day\n", a.PredictedDailyAverage)
	fmt.Fprintf(out, "  top categories              ")
	for _, c := range a.TopCategories {
		fmt.Fprintf(out, " %s %d (%d%%)", c.Category, c.Count, c.Percentage)
	}
	fmt.Fprintln(out)

	d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 14, Location: loc})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDashboard, last %d days\n", d.PeriodDays)
	fmt.Fprintf(out, "  alerts %d, open now %d (all open alerts, whenever created)\n", d.TotalAlerts, d.ActiveAlerts)
	fmt.Fprintf(out, "  money at risk in open alerts  %10.2f EUR\n", d.TotalFinancialImpactAtRiskEUR)
	fmt.Fprintf(out, "  savings from prevented issues %10.2f EUR (%d issues, %.1f%% of alerts handled by AI)\n",
		d.EstimatedSavingsEUR, d.PreventedIssuesCount, d.AIHandlingRate)
	pd := d.PriorityDistribution
	fmt.Fprintf(out, "  by priority    critical %d, important %d, standard %d, info %d\n", pd.Critical, pd.Important, pd.Standard, pd.Info)
	tc := d.TypeClassDistribution
	fmt.Fprintf(out, "  by type class  action needed %d, prevented %d, trend warning %d, escalation %d, information %d\n",
		tc.ActionNeeded, tc.PreventedIssue, tc.TrendWarning, tc.Escalation, tc.Information)

	fmt.Fprintf(out, "\n  response times        count     mean      p50      p90      p99\n")
	row := func(name string, s alertanalytics.ResponseTimeStats) {
		fmt.Fprintf(out, "  %-20s %6d %8s %8s %8s %8s\n", name, s.Count,
			dur(s.MeanSeconds), dur(s.P50Seconds), dur(s.P90Seconds), dur(s.P99Seconds))
	}
	rt := d.ResponseTimes
	row("to acknowledge", rt.TimeToAcknowledge)
	row("  critical", rt.ByPriority.Critical.TimeToAcknowledge)
	row("  important", rt.ByPriority.Important.TimeToAcknowledge)
	row("  standard", rt.ByPriority.Standard.TimeToAcknowledge)
	row("  info", rt.ByPriority.Info.TimeToAcknowledge)
	row("to resolve", rt.TimeToResolve)

	pc := d.PeriodComparison
	fmt.Fprintf(out, "\n  compared with the %d days before   now   before   change\n", d.PeriodDays)
	cmp := func(name string, cur, prev int64, change *float64) {
		c := "n/a"
		if change != nil {
			c = fmt.Sprintf("%+.1f%%", *change)
		}
		fmt.Fprintf(out, "  %-33s %5d %8d %8s\n", name, cur, prev, c)
	}
	cmp("alerts", pc.CurrentPeriod.TotalAlerts, pc.PreviousPeriod.TotalAlerts, pc.Changes.TotalAlerts)
	cmp("resolved", pc.CurrentPeriod.ResolvedAlerts, pc.PreviousPeriod.ResolvedAlerts, pc.Changes.ResolvedAlerts)
	cmp("resolution rate %", pc.CurrentPeriod.ResolutionRate, pc.PreviousPeriod.ResolutionRate, pc.Changes.ResolutionRate)
	cmp("minutes to acknowledge", pc.CurrentPeriod.AverageResponseTimeMinutes, pc.PreviousPeriod.AverageResponseTimeMinutes, pc.Changes.AverageResponseTimeMinutes)
	return insights(ctx, out, svc, tenant, loc)
}

// insights prints the response-target compliance, the hours heatmap and
// the weekly digest.
func insights(ctx context.Context, out io.Writer, svc *alertanalytics.Service, tenant uuid.UUID, loc *time.Location) error {
	w := alertanalytics.Window{Days: 14, Location: loc}
	c, err := svc.Compliance(ctx, tenant, w, alertanalytics.Targets{})
	if err != nil {
		return err
	}
	pct := func(v *float64) string {
		if v == nil {
			return "    –"
		}
		return fmt.Sprintf("%5.1f%%", *v)
	}
	fmt.Fprintf(out, "\nResponse targets, last %d days (met / missed / pending)\n", c.PeriodDays)
	fmt.Fprintf(out, "  %-10s %6s  %-24s %-24s\n", "priority", "alerts", "acknowledge", "resolve")
	line := func(name string, alerts int64, ack, res alertanalytics.ComplianceBlock, ackTarget, resTarget string) {
		fmt.Fprintf(out, "  %-10s %6d  %-6s %s %3d/%3d/%3d   %-6s %s %3d/%3d/%3d\n", name, alerts,
			ackTarget, pct(ack.Compliance), ack.Met, ack.Missed, ack.Pending, resTarget, pct(res.Compliance), res.Met, res.Missed, res.Pending)
	}
	for _, p := range []struct {
		name string
		pc   alertanalytics.PriorityCompliance
	}{{"critical", c.ByPriority.Critical}, {"important", c.ByPriority.Important}, {"standard", c.ByPriority.Standard}, {"info", c.ByPriority.Info}} {
		line(p.name, p.pc.Alerts, p.pc.Acknowledge.ComplianceBlock, p.pc.Resolve.ComplianceBlock,
			dur(p.pc.Acknowledge.TargetSeconds), dur(p.pc.Resolve.TargetSeconds))
	}
	line("all", c.Overall.Alerts, c.Overall.Acknowledge, c.Overall.Resolve, "", "")

	h, err := svc.Hours(ctx, tenant, w, alertanalytics.HoursOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nWhen alerts arrive, last %d days (%s; darker is busier)\n      ", h.PeriodDays, loc)
	for hour := 0; hour < 24; hour += 3 {
		fmt.Fprintf(out, "%-6s", fmt.Sprintf("%02dh", hour))
	}
	fmt.Fprintln(out)
	var peak int64 = 1
	for _, row := range h.Heatmap {
		for _, n := range row {
			peak = max(peak, n)
		}
	}
	shades := []string{"  ", "░░", "▒▒", "▓▓", "██"}
	for day, row := range h.Heatmap {
		fmt.Fprintf(out, "  %s ", time.Weekday((day + 1) % 7).String()[:3])
		for _, n := range row {
			shade := 0
			if n > 0 {
				shade = 1 + int(3*n/peak)
			}
			fmt.Fprint(out, shades[min(shade, 4)])
		}
		fmt.Fprintln(out)
	}
	for _, cl := range []struct {
		name string
		c    alertanalytics.HourClass
	}{{"business hours", h.Business}, {"off hours", h.OffHours}, {"sleep hours", h.Sleep}} {
		fmt.Fprintf(out, "  %-15s %5d alerts, %5d acknowledged, median %s\n", cl.name, cl.c.Alerts, cl.c.Acknowledged, dur(cl.c.P50TTASeconds))
	}

	d, err := svc.Digest(ctx, tenant, alertanalytics.Window{Days: 7, Location: loc})
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, d.Text())
	return nil
}

// dur prints seconds as a short human duration.
func dur(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", seconds)
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", seconds/60, seconds%60)
	default:
		return fmt.Sprintf("%dh%02dm", seconds/3600, seconds%3600/60)
	}
}
