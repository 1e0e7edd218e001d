package alertanalytics

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
)

// DefaultDigestDays is the window of Digest when Window.Days is zero.
const DefaultDigestDays = 7

// BusiestHour is the local weekday and hour with most alerts.
type BusiestHour struct {
	// Weekday is the English name, as Analytics' busiestDay.
	Weekday string `json:"weekday"`
	Hour    int    `json:"hour"`
	Alerts  int64  `json:"alerts"`
}

// BusiestPerson is the user with most interactions in a window, and how
// many of them fell in sleep hours.
type BusiestPerson struct {
	UserID       uuid.UUID `json:"user_id"`
	Interactions int64     `json:"interactions"`
	Sleep        int64     `json:"sleep"`
}

// Digest gathers what a weekly summary needs.
type Digest struct {
	PeriodDays       int              `json:"period_days"`
	PeriodComparison PeriodComparison `json:"period_comparison"`
	// ActiveAlerts counts the tenant's open alerts now, whenever created;
	// TotalFinancialImpactAtRiskEUR sums their financial impact.
	ActiveAlerts                  int64   `json:"active_alerts"`
	TotalFinancialImpactAtRiskEUR float64 `json:"total_financial_impact_at_risk_eur"`
	// TopCategories are the window's 3 categories with most alerts.
	TopCategories []CategoryShare `json:"top_categories"`
	// Compliance is the overall compliance with the default targets.
	Compliance ComplianceSummary `json:"compliance"`
	// Noisiest are the 3 noisiest rows.
	Noisiest []NoisyRow `json:"noisiest"`
	// BusiestHour is the heatmap's busiest cell (ties to the earlier
	// weekday, Monday first, then the earlier hour); nil without alerts.
	BusiestHour *BusiestHour `json:"busiest_hour"`
	// Flapping are the first 3 rows of Flapping with the default short
	// bound (15 minutes).
	Flapping []FlappingRow `json:"flapping"`
	// BusiestPerson is the first row of People with the default hours:
	// the user with most interactions in the window; nil without any.
	BusiestPerson *BusiestPerson `json:"busiest_person"`
	// Location is the time zone of the window, for the renderers.
	Location *time.Location `json:"-"`
}

// Digest gathers a summary of the window (7 days by default): the
// dashboard's period comparison, the open alerts now and the money they
// put at risk, the top 3 categories, the overall compliance with the
// default targets, the 3 noisiest kinds of alert, the busiest local hour,
// the 3 kinds that flapped most and the busiest person. Text and HTML
// render it.
func (s *Service) Digest(ctx context.Context, tenantID uuid.UUID, w Window) (_ Digest, err error) {
	ctx, end, err := s.call(ctx, "Digest", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultDigestDays)
	if err != nil {
		return Digest{}, err
	}
	w.Days = sp.days
	d := Digest{PeriodDays: sp.days, Location: sp.loc}
	var (
		dash  Dashboard
		cats  []CategoryShare
		comp  Compliance
		noisy Noisy
		hours Hours
		flaps Flapping
		folks People
	)
	classes, _ := HoursOptions{}.classes()
	err = concurrently(
		func() (err error) { dash, err = s.Dashboard(ctx, tenantID, w); return err },
		func() (err error) { cats, err = s.topCategories(ctx, tenantID, sp); return err },
		func() (err error) { comp, err = s.compliance(ctx, tenantID, sp, mustDefaultTargets()); return err },
		func() (err error) { noisy, err = s.noisy(ctx, tenantID, sp, 3); return err },
		func() (err error) {
			hours, err = s.hours(ctx, tenantID, sp, classes)
			return err
		},
		func() (err error) { flaps, err = s.flapping(ctx, tenantID, sp, DefaultFlapShort, 3); return err },
		func() (err error) { folks, err = s.people(ctx, tenantID, sp, classes, 1); return err },
	)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: %w", err)
	}
	d.PeriodComparison = dash.PeriodComparison
	d.ActiveAlerts, d.TotalFinancialImpactAtRiskEUR = dash.ActiveAlerts, dash.TotalFinancialImpactAtRiskEUR
	// The category percentages are of the window's total.
	total := d.PeriodComparison.CurrentPeriod.TotalAlerts
	for i := range cats {
		cats[i].Percentage = percent(cats[i].Count, total)
	}
	d.TopCategories, d.Compliance, d.Noisiest, d.Flapping = cats, comp.Overall, noisy.Rows, flaps.Rows
	if len(folks.Rows) > 0 {
		p := folks.Rows[0]
		d.BusiestPerson = &BusiestPerson{UserID: p.UserID, Interactions: p.Interactions, Sleep: p.Sleep}
	}
	for day := range hours.Heatmap {
		for hour, n := range hours.Heatmap[day] {
			if n > 0 && (d.BusiestHour == nil || n > d.BusiestHour.Alerts) {
				d.BusiestHour = &BusiestHour{Weekday: time.Weekday((day + 1) % 7).String(), Hour: hour, Alerts: n}
			}
		}
	}
	return d, nil
}

func mustDefaultTargets() Targets {
	t, _ := Targets{}.withDefaults()
	return t
}

// topCategories returns the window's top categories; the caller sets their
// percentages once it knows the window's total.
func (s *Service) topCategories(ctx context.Context, tenantID uuid.UUID, sp span) ([]CategoryShare, error) {
	cats, err := rollup.TopCategories(ctx, s.store, tenantID, sp.start(), sp.end(), topCategoriesCount)
	if err != nil {
		return nil, err
	}
	out := make([]CategoryShare, 0, len(cats))
	for _, c := range cats {
		out = append(out, CategoryShare{Category: c.Category, Count: c.Count})
	}
	return out, nil
}

func signed(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", *v)
}

func rate(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *v)
}

// Text renders the digest as plain text, at most 40 lines.
func (d Digest) Text() string {
	var b strings.Builder
	c := d.PeriodComparison
	fmt.Fprintf(&b, "Alert digest: the last %d days\n\n", d.PeriodDays)
	fmt.Fprintf(&b, "Alerts         %d (%s on the %d days before)\n", c.CurrentPeriod.TotalAlerts, signed(c.Changes.TotalAlerts), d.PeriodDays)
	fmt.Fprintf(&b, "Resolved       %d, %d%% (%s)\n", c.CurrentPeriod.ResolvedAlerts, c.CurrentPeriod.ResolutionRate, signed(c.Changes.ResolutionRate))
	fmt.Fprintf(&b, "Time to ack    %d min on average (%s)\n", c.CurrentPeriod.AverageResponseTimeMinutes, signed(c.Changes.AverageResponseTimeMinutes))
	fmt.Fprintf(&b, "Open now       %d, %.2f EUR at risk\n\n", d.ActiveAlerts, d.TotalFinancialImpactAtRiskEUR)
	fmt.Fprintf(&b, "Response targets met: acknowledge %s (%d missed, %d pending), resolve %s (%d missed, %d pending)\n\n",
		rate(d.Compliance.Acknowledge.Compliance), d.Compliance.Acknowledge.Missed, d.Compliance.Acknowledge.Pending,
		rate(d.Compliance.Resolve.Compliance), d.Compliance.Resolve.Missed, d.Compliance.Resolve.Pending)
	b.WriteString("Top categories\n")
	if len(d.TopCategories) == 0 {
		b.WriteString("  none\n")
	}
	for _, cat := range d.TopCategories {
		fmt.Fprintf(&b, "  %-30s %6d  %3d%%\n", clip(cat.Category, 30), cat.Count, cat.Percentage)
	}
	b.WriteString("\nNoisiest alerts (nobody acted on them)\n")
	if len(d.Noisiest) == 0 {
		b.WriteString("  none\n")
	}
	for _, r := range d.Noisiest {
		fmt.Fprintf(&b, "  %-30s %-20s %6d of %d, %.1f%%\n", clip(r.AlertType, 30), clip(r.Service, 20), r.Noise, r.Alerts, r.NoiseRate)
	}
	b.WriteString("\nFlapping (fired and cleared within 15 min, nobody looked)\n")
	if len(d.Flapping) == 0 {
		b.WriteString("  none\n")
	}
	for _, r := range d.Flapping {
		fmt.Fprintf(&b, "  %-30s %-20s %6d of %d, %.1f%%, median %ds\n", clip(r.AlertType, 30), clip(r.Service, 20),
			r.ShortEpisodes, r.Alerts, r.FlapRate, r.P50ShortSeconds)
	}
	if h := d.BusiestHour; h != nil {
		fmt.Fprintf(&b, "\nBusiest hour   %s %02d:00–%02d:59, %d alerts\n", h.Weekday, h.Hour, h.Hour, h.Alerts)
	}
	if p := d.BusiestPerson; p != nil {
		fmt.Fprintf(&b, "Busiest person %s, %d interactions, %d in sleep hours\n", p.UserID, p.Interactions, p.Sleep)
	}
	return b.String()
}

// clip shortens s to n characters for a text column.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// digestTemplate renders the HTML fragment: inline styles only, no
// scripts, every tenant string escaped by html/template.
const digestTemplate = `<div style="font-family:sans-serif;color:#222;max-width:640px">
<h2 style="font-size:18px;margin:0 0 12px">Alert digest: the last {{.PeriodDays}} days</h2>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:12px">
<tr><td style="padding:2px 12px 2px 0">Alerts</td><td style="padding:2px 0">{{.PeriodComparison.CurrentPeriod.TotalAlerts}} ({{signed .PeriodComparison.Changes.TotalAlerts}})</td></tr>
<tr><td style="padding:2px 12px 2px 0">Resolved</td><td style="padding:2px 0">{{.PeriodComparison.CurrentPeriod.ResolvedAlerts}}, {{.PeriodComparison.CurrentPeriod.ResolutionRate}}% ({{signed .PeriodComparison.Changes.ResolutionRate}})</td></tr>
<tr><td style="padding:2px 12px 2px 0">Time to acknowledge</td><td style="padding:2px 0">{{.PeriodComparison.CurrentPeriod.AverageResponseTimeMinutes}} min ({{signed .PeriodComparison.Changes.AverageResponseTimeMinutes}})</td></tr>
<tr><td style="padding:2px 12px 2px 0">Open now</td><td style="padding:2px 0">{{.ActiveAlerts}}, {{printf "%.2f" .TotalFinancialImpactAtRiskEUR}} EUR at risk</td></tr>
<tr><td style="padding:2px 12px 2px 0">Targets met</td><td style="padding:2px 0">acknowledge {{rate .Compliance.Acknowledge.Compliance}}, resolve {{rate .Compliance.Resolve.Compliance}}</td></tr>
{{with .BusiestHour}}<tr><td style="padding:2px 12px 2px 0">Busiest hour</td><td style="padding:2px 0">{{.Weekday}} {{printf "%02d" .Hour}}:00, {{.Alerts}} alerts</td></tr>{{end}}
{{with .BusiestPerson}}<tr><td style="padding:2px 12px 2px 0">Busiest person</td><td style="padding:2px 0">{{.UserID}}, {{.Interactions}} interactions, {{.Sleep}} in sleep hours</td></tr>{{end}}
</table>
<h3 style="font-size:15px;margin:12px 0 4px">Top categories</h3>
<table style="border-collapse:collapse;font-size:14px">{{range .TopCategories}}
<tr><td style="padding:2px 12px 2px 0">{{.Category}}</td><td style="padding:2px 12px 2px 0;text-align:right">{{.Count}}</td><td style="padding:2px 0;text-align:right">{{.Percentage}}%</td></tr>{{else}}
<tr><td style="padding:2px 0">none</td></tr>{{end}}
</table>
<h3 style="font-size:15px;margin:12px 0 4px">Noisiest alerts</h3>
<table style="border-collapse:collapse;font-size:14px">{{range .Noisiest}}
<tr><td style="padding:2px 12px 2px 0">{{.AlertType}}</td><td style="padding:2px 12px 2px 0">{{.Service}}</td><td style="padding:2px 0;text-align:right">{{.Noise}} of {{.Alerts}} ({{printf "%.1f" .NoiseRate}}%)</td></tr>{{else}}
<tr><td style="padding:2px 0">none</td></tr>{{end}}
</table>
<h3 style="font-size:15px;margin:12px 0 4px">Flapping</h3>
<table style="border-collapse:collapse;font-size:14px">{{range .Flapping}}
<tr><td style="padding:2px 12px 2px 0">{{.AlertType}}</td><td style="padding:2px 12px 2px 0">{{.Service}}</td><td style="padding:2px 0;text-align:right">{{.ShortEpisodes}} of {{.Alerts}} ({{printf "%.1f" .FlapRate}}%), median {{.P50ShortSeconds}}s</td></tr>{{else}}
<tr><td style="padding:2px 0">none</td></tr>{{end}}
</table>
</div>
`

// HTML renders the digest as a self-contained HTML fragment for e-mail:
// inline styles only, no scripts, every tenant string escaped.
func (d Digest) HTML() string {
	t := template.Must(template.New("digest").Funcs(template.FuncMap{"signed": signed, "rate": rate}).Parse(digestTemplate))
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return template.HTMLEscapeString(err.Error())
	}
	return b.String()
}
