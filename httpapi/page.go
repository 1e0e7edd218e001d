package httpapi

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

//go:embed templates/dashboard.html
var pageFiles embed.FS

// pageTemplate parses the dashboard page, once per handler (New);
// html/template escapes every tenant string by context, and a parsed
// template is safe for concurrent Execute calls.
func pageTemplate() *template.Template {
	return template.Must(template.New("dashboard.html").Funcs(template.FuncMap{"seconds": seconds}).ParseFS(pageFiles, "templates/dashboard.html"))
}

type pageCard struct {
	ID, Label, Value string
	Change           *pageChange
}

type pageChange struct{ Text, Class string }

type pageBar struct {
	X, Y, W, H int
	Color      string
}

type pageDay struct {
	Label string
	Bars  []pageBar
}

type pageLegend struct{ Name, Color string }

type pageTimes struct {
	Priority, Kind      string
	Count               int64
	Mean, P50, P90, P99 string
}

type pageCompliance struct {
	Name                 string
	Alerts               int64
	AckTarget, ResTarget string
	Ack, Res             alertanalytics.ComplianceBlock
	AckRate, ResRate     string
}

type pageCell struct {
	X, Y         int
	Color, Label string
}

type pageText struct {
	X, Y int
	Text string
}

// pageLabel is a text placed by its anchor (start, middle or end).
type pageLabel struct {
	X, Y         int
	Text, Anchor string
}

// pageTick is a line of the y scale at Y, from the axis to X2, with its
// count.
type pageTick struct {
	Y, X2 int
	Text  string
}

type pageData struct {
	Tenant, TZ, Start, End string
	Days                   int
	Cards                  []pageCard
	Trend                  struct {
		Width, Height int
		Desc          string
		Days          []pageDay
		Ticks         []pageTick
		Dates         []pageLabel
	}
	Legend     []pageLegend
	Times      []pageTimes
	Compliance []pageCompliance
	Heat       struct {
		Width, Height int
		Desc          string
		Cells         []pageCell
		Labels        []pageText
	}
	Hours    alertanalytics.Hours
	Noisy    []alertanalytics.NoisyRow
	People   []alertanalytics.PersonRow
	Flapping []alertanalytics.FlappingRow
}

// priorityColors colours the trend's priorities, most urgent first.
func priorityColors() []pageLegend {
	return []pageLegend{{"critical", "#b42318"}, {"important", "#f79009"}, {"standard", "#2e90fa"}, {"info", "#98a2b3"}}
}

func seconds(s int64) string { return (time.Duration(s) * time.Second).String() }

func changeOf(v *float64, lowerIsBetter bool) *pageChange {
	if v == nil {
		return &pageChange{Text: "no comparison", Class: "flat"}
	}
	class := "flat"
	switch {
	case *v > 0 && !lowerIsBetter, *v < 0 && lowerIsBetter:
		class = "down" // better
	case *v != 0:
		class = "up"
	}
	return &pageChange{Text: fmt.Sprintf("%+.1f%%", *v), Class: class}
}

// dashboardPage serves the dashboard as an HTML page: headline figures
// with period changes, the trend by priority, response times, compliance,
// the hours heatmap, the noisiest alerts, the people who acted and the
// kinds that flapped (15-minute episodes), for the days and tz of the
// query. It needs no JavaScript and fetches nothing from elsewhere.
func (h *handler) dashboardPage(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	win, err := window(r, alertanalytics.DefaultDashboardDays)
	if err != nil {
		return err
	}
	data, err := h.pageData(r.Context(), tenantID, win)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, data); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (h *handler) pageData(ctx context.Context, tenantID uuid.UUID, win alertanalytics.Window) (pageData, error) {
	d, err := h.svc.Dashboard(ctx, tenantID, win)
	if err != nil {
		return pageData{}, err
	}
	trend, err := h.svc.Trends(ctx, tenantID, win)
	if err != nil {
		return pageData{}, err
	}
	comp, err := h.svc.Compliance(ctx, tenantID, win, alertanalytics.Targets{})
	if err != nil {
		return pageData{}, err
	}
	hours, err := h.svc.Hours(ctx, tenantID, win, alertanalytics.HoursOptions{})
	if err != nil {
		return pageData{}, err
	}
	noisy, err := h.svc.Noisy(ctx, tenantID, win, 10)
	if err != nil {
		return pageData{}, err
	}
	people, err := h.svc.People(ctx, tenantID, win, alertanalytics.PeopleOptions{})
	if err != nil {
		return pageData{}, err
	}
	flapping, err := h.svc.Flapping(ctx, tenantID, win, alertanalytics.FlappingOptions{})
	if err != nil {
		return pageData{}, err
	}
	pc := d.PeriodComparison
	data := pageData{Tenant: tenantID.String(), TZ: win.Location.String(), Days: d.PeriodDays,
		Start: pc.CurrentPeriod.Start.In(win.Location).Format("2006-01-02 15:04"), End: pc.CurrentPeriod.End.In(win.Location).Format("2006-01-02 15:04"),
		Legend: priorityColors(), Hours: hours, Noisy: noisy.Rows,
		People: people.Rows, Flapping: flapping.Rows}
	data.Cards = []pageCard{
		{ID: "total-alerts", Label: "alerts", Value: fmt.Sprint(d.TotalAlerts), Change: changeOf(pc.Changes.TotalAlerts, true)},
		{ID: "resolved-alerts", Label: "resolved", Value: fmt.Sprint(pc.CurrentPeriod.ResolvedAlerts), Change: changeOf(pc.Changes.ResolvedAlerts, false)},
		{ID: "resolution-rate", Label: "resolution rate", Value: fmt.Sprintf("%d%%", pc.CurrentPeriod.ResolutionRate), Change: changeOf(pc.Changes.ResolutionRate, false)},
		{ID: "response-minutes", Label: "minutes to acknowledge", Value: fmt.Sprint(pc.CurrentPeriod.AverageResponseTimeMinutes),
			Change: changeOf(pc.Changes.AverageResponseTimeMinutes, true)},
		{ID: "active-alerts", Label: "open now", Value: fmt.Sprint(d.ActiveAlerts)},
		{ID: "money-at-risk", Label: "EUR at risk in open alerts", Value: fmt.Sprintf("%.2f", d.TotalFinancialImpactAtRiskEUR)},
	}
	data.trend(trend)
	data.times(d.ResponseTimes)
	data.compliance(comp)
	data.heatmap(hours)
	return data, nil
}

// trend lays the daily counts out as stacked bars, one group per day,
// over a labelled y scale (0, half the busiest day, the busiest day) and
// under the first, middle and last local dates.
func (data *pageData) trend(points []alertanalytics.TrendPoint) {
	const gap, plot, left, top, bottom = 4, 150, 44, 20, 22
	// Bars are wide enough that the three dates below fit side by side.
	barW := max(14, 520/max(1, len(points))-gap)
	var peak int64 = 1
	for _, p := range points {
		peak = max(peak, p.Count)
	}
	data.Trend.Width, data.Trend.Height = left+len(points)*(barW+gap)+gap+36, top+plot+bottom
	base := top + plot // the y of a zero count
	yOf := func(n int64) int { return base - int(math.Round(float64(n)*float64(plot)/float64(peak))) }
	for i, n := range []int64{0, peak / 2, peak} {
		if i == 1 && (n == 0 || n == peak) {
			continue // a scale of 0 and 1 has no middle
		}
		data.Trend.Ticks = append(data.Trend.Ticks, pageTick{Y: yOf(n), X2: data.Trend.Width - 36, Text: fmt.Sprint(n)})
	}
	var total int64
	for i, p := range points {
		day := pageDay{Label: fmt.Sprintf("%s: %d alerts (critical %d, important %d, standard %d, info %d)",
			p.Date, p.Count, p.Critical, p.Important, p.Standard, p.Info)}
		x := left + gap + i*(barW+gap)
		var below int64
		for j, n := range []int64{p.Critical, p.Important, p.Standard, p.Info} {
			if n == 0 {
				continue
			}
			top, bot := yOf(below+n), yOf(below)
			below += n
			if bot == top {
				continue
			}
			day.Bars = append(day.Bars, pageBar{X: x, Y: top, W: barW, H: bot - top, Color: priorityColors()[j].Color})
		}
		data.Trend.Days = append(data.Trend.Days, day)
		total += p.Count
		if i == 0 || i == len(points)-1 || i == (len(points)-1)/2 {
			anchor := "middle"
			switch {
			case i == 0:
				anchor = "start"
			case i == len(points)-1 && i > 0:
				anchor = "end"
			}
			ax := x + barW/2
			if anchor == "start" {
				ax = x
			} else if anchor == "end" {
				ax = x + barW
			}
			if len(data.Trend.Dates) == 0 || data.Trend.Dates[len(data.Trend.Dates)-1].Text != p.Date {
				data.Trend.Dates = append(data.Trend.Dates, pageLabel{X: ax, Y: base + 16, Text: p.Date, Anchor: anchor})
			}
		}
	}
	data.Trend.Desc = fmt.Sprintf("%d days, %d alerts in all, at most %d in a day.", len(points), total, peak)
}

func (data *pageData) times(rt alertanalytics.ResponseTimeReport) {
	row := func(priority, kind string, s alertanalytics.ResponseTimeStats) {
		data.Times = append(data.Times, pageTimes{Priority: priority, Kind: kind, Count: s.Count, Mean: seconds(s.MeanSeconds),
			P50: seconds(s.P50Seconds), P90: seconds(s.P90Seconds), P99: seconds(s.P99Seconds)})
	}
	row("all", "to acknowledge", rt.TimeToAcknowledge)
	row("all", "to resolve", rt.TimeToResolve)
	for _, p := range []struct {
		name string
		pair alertanalytics.ResponseTimePair
	}{{"critical", rt.ByPriority.Critical}, {"important", rt.ByPriority.Important}, {"standard", rt.ByPriority.Standard}, {"info", rt.ByPriority.Info}} {
		row(p.name, "to acknowledge", p.pair.TimeToAcknowledge)
		row(p.name, "to resolve", p.pair.TimeToResolve)
	}
}

func ratePct(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *v)
}

func (data *pageData) compliance(c alertanalytics.Compliance) {
	for _, p := range []struct {
		name string
		pc   alertanalytics.PriorityCompliance
	}{{"critical", c.ByPriority.Critical}, {"important", c.ByPriority.Important}, {"standard", c.ByPriority.Standard}, {"info", c.ByPriority.Info}} {
		data.Compliance = append(data.Compliance, pageCompliance{Name: p.name, Alerts: p.pc.Alerts,
			AckTarget: seconds(p.pc.Acknowledge.TargetSeconds), ResTarget: seconds(p.pc.Resolve.TargetSeconds),
			Ack: p.pc.Acknowledge.ComplianceBlock, Res: p.pc.Resolve.ComplianceBlock,
			AckRate: ratePct(p.pc.Acknowledge.Compliance), ResRate: ratePct(p.pc.Resolve.Compliance)})
	}
	data.Compliance = append(data.Compliance, pageCompliance{Name: "all", Alerts: c.Overall.Alerts, Ack: c.Overall.Acknowledge,
		Res: c.Overall.Resolve, AckRate: ratePct(c.Overall.Acknowledge.Compliance), ResRate: ratePct(c.Overall.Resolve.Compliance)})
}

// heatmap lays the weekday × hour counts out as cells shaded by count.
func (data *pageData) heatmap(h alertanalytics.Hours) {
	const left, top, cell = 36, 16, 18
	data.Heat.Width, data.Heat.Height = left+24*cell, top+7*cell
	var peak int64 = 1
	busiest := "no alerts"
	for day, row := range h.Heatmap {
		for hour, n := range row {
			if n > peak {
				peak = n
				busiest = fmt.Sprintf("the busiest hour is %s %02d:00 with %d alerts", time.Weekday((day+1)%7), hour, n)
			}
		}
	}
	for hour := 0; hour < 24; hour += 3 {
		data.Heat.Labels = append(data.Heat.Labels, pageText{X: left + hour*cell, Y: 11, Text: fmt.Sprintf("%02d", hour)})
	}
	for day, row := range h.Heatmap {
		name := time.Weekday((day + 1) % 7).String()
		data.Heat.Labels = append(data.Heat.Labels, pageText{X: 0, Y: top + day*cell + 12, Text: name[:3]})
		for hour, n := range row {
			shade := 245 - int(200*float64(n)/float64(peak))
			data.Heat.Cells = append(data.Heat.Cells, pageCell{X: left + hour*cell, Y: top + day*cell,
				Color: fmt.Sprintf("rgb(%d,%d,255)", shade, shade), Label: fmt.Sprintf("%s %02d:00: %d alerts", name, hour, n)})
		}
	}
	data.Heat.Desc = fmt.Sprintf("Rows are weekdays from Monday, columns local hours; %s.", busiest)
}
