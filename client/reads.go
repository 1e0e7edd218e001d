package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

// windowQuery is w as the API reads it: days and tz, each left out when
// it takes the default.
func windowQuery(w alertanalytics.Window) url.Values {
	q := url.Values{}
	if w.Days != 0 {
		q.Set("days", strconv.Itoa(w.Days))
	}
	if w.Location != nil {
		q.Set("tz", w.Location.String())
	}
	return q
}

// setInt sets name to n unless n is 0 (the default).
func setInt(q url.Values, name string, n int) {
	if n != 0 {
		q.Set(name, strconv.Itoa(n))
	}
}

// read sends a GET of a tenant's analytics and decodes the answer.
func (c *Client) read(ctx context.Context, tenantID uuid.UUID, rest string, q url.Values, dst any) error {
	_, err := c.getJSON(ctx, request{method: http.MethodGet, path: tenantPath(tenantID, rest), query: q, repeatable: true}, dst)
	return err
}

// Analytics summarises a window, as Service.Analytics does.
func (c *Client) Analytics(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Analytics, error) {
	var out alertanalytics.Analytics
	return out, c.read(ctx, tenantID, "/alerts/analytics", windowQuery(w), &out)
}

// Trends counts a window's alerts per local day, as Service.Trends does.
func (c *Client) Trends(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window) ([]alertanalytics.TrendPoint, error) {
	var out []alertanalytics.TrendPoint
	return out, c.read(ctx, tenantID, "/alerts/analytics/trends", windowQuery(w), &out)
}

// Dashboard describes a window and compares it with the one before, as
// Service.Dashboard does.
func (c *Client) Dashboard(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Dashboard, error) {
	var out alertanalytics.Dashboard
	return out, c.read(ctx, tenantID, "/alerts/analytics/dashboard", windowQuery(w), &out)
}

// Compliance judges a window against the targets, as Service.Compliance
// does.
func (c *Client) Compliance(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, targets alertanalytics.Targets) (alertanalytics.Compliance, error) {
	q := windowQuery(w)
	for prefix, m := range map[string]map[alertanalytics.Priority]time.Duration{"ack": targets.Acknowledge, "resolve": targets.Resolve} {
		for p, d := range m {
			q.Set(prefix+"."+string(p), durationText(d))
		}
	}
	var out alertanalytics.Compliance
	return out, c.read(ctx, tenantID, "/alerts/analytics/compliance", q, &out)
}

// durationText is d as a Go duration the server parses back exactly.
func durationText(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// Breakdown groups a window's alerts by a field, as Service.Breakdown does.
func (c *Client) Breakdown(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, by alertanalytics.BreakdownField, limit int) (alertanalytics.Breakdown, error) {
	q := windowQuery(w)
	if by != "" {
		q.Set("by", string(by))
	}
	setInt(q, "limit", limit)
	var out alertanalytics.Breakdown
	return out, c.read(ctx, tenantID, "/alerts/analytics/breakdown", q, &out)
}

// hoursQuery adds opts to q.
func hoursQuery(q url.Values, opts alertanalytics.HoursOptions) error {
	if opts.BusinessDays != nil {
		if len(opts.BusinessDays) == 0 {
			return &alertanalytics.FieldError{Field: "business_days", Detail: "must name at least one day over HTTP"}
		}
		for _, d := range opts.BusinessDays {
			if d < time.Sunday || d > time.Saturday {
				return &alertanalytics.FieldError{Field: "business_days", Detail: "must be weekdays"}
			}
		}
		q.Set("business_days", alertanalytics.FormatWeekdays(opts.BusinessDays))
	}
	for _, iv := range []struct {
		name string
		iv   *alertanalytics.Interval
	}{{"business_hours", opts.BusinessHours}, {"sleep_hours", opts.SleepHours}} {
		if iv.iv != nil {
			q.Set(iv.name, iv.iv.String())
		}
	}
	return nil
}

// Hours places a window's alerts in local time, as Service.Hours does.
func (c *Client) Hours(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, opts alertanalytics.HoursOptions) (alertanalytics.Hours, error) {
	q := windowQuery(w)
	if err := hoursQuery(q, opts); err != nil {
		return alertanalytics.Hours{}, err
	}
	var out alertanalytics.Hours
	return out, c.read(ctx, tenantID, "/alerts/analytics/hours", q, &out)
}

// Noisy ranks the kinds of alert that cost attention, as Service.Noisy
// does.
func (c *Client) Noisy(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, limit int) (alertanalytics.Noisy, error) {
	q := windowQuery(w)
	setInt(q, "limit", limit)
	var out alertanalytics.Noisy
	return out, c.read(ctx, tenantID, "/alerts/analytics/noisy", q, &out)
}

// People describes who responded, as Service.People does.
func (c *Client) People(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, opts alertanalytics.PeopleOptions) (alertanalytics.People, error) {
	q := windowQuery(w)
	if err := hoursQuery(q, opts.Hours); err != nil {
		return alertanalytics.People{}, err
	}
	setInt(q, "limit", opts.Limit)
	var out alertanalytics.People
	return out, c.read(ctx, tenantID, "/alerts/analytics/people", q, &out)
}

// Flapping ranks the kinds of alert that fire and clear, as
// Service.Flapping does.
func (c *Client) Flapping(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window, opts alertanalytics.FlappingOptions) (alertanalytics.Flapping, error) {
	q := windowQuery(w)
	if opts.Short != 0 {
		q.Set("short", durationText(opts.Short))
	}
	setInt(q, "limit", opts.Limit)
	var out alertanalytics.Flapping
	return out, c.read(ctx, tenantID, "/alerts/analytics/flapping", q, &out)
}

// Digest gathers a summary of a window, as Service.Digest does; its
// Location is the window's zone (UTC when none was given).
func (c *Client) Digest(ctx context.Context, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Digest, error) {
	var out alertanalytics.Digest
	if err := c.read(ctx, tenantID, "/alerts/analytics/digest", windowQuery(w), &out); err != nil {
		return alertanalytics.Digest{}, err
	}
	out.Location = w.Location
	if out.Location == nil {
		out.Location = time.UTC
	}
	return out, nil
}

// Export streams the tenant's rows into w, as Service.Export does. A
// failure before the first byte is an *Error and leaves w untouched; a
// transfer broken after it is an error with w holding what arrived.
func (c *Client) Export(ctx context.Context, tenantID uuid.UUID, opts alertanalytics.ExportOptions, w io.Writer) error {
	q := url.Values{}
	if opts.Kind != "" {
		q.Set("kind", string(opts.Kind))
	}
	if opts.Format != "" {
		q.Set("format", string(opts.Format))
	}
	for name, t := range map[string]time.Time{"from": opts.From, "to": opts.To} {
		if s := timeText(t); s != nil {
			q.Set(name, *s)
		}
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: tenantPath(tenantID, "/alerts/export"), query: q, repeatable: true,
		accept: "application/x-ndjson, text/csv"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("client: export: %w", err)
	}
	return nil
}
