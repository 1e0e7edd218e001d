package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

// insightRoute serves a read over a window of the tenant's days, with the
// days and tz parameters and those of the insight read by params.
func insightRoute[T any](defaultDays int, read func(h *handler, r *http.Request, q url.Values, tenant uuid.UUID, w alertanalytics.Window) (T, error)) func(*handler, http.ResponseWriter, *http.Request, Principal) error {
	return func(h *handler, w http.ResponseWriter, r *http.Request, p Principal) error {
		tenantID, err := tenant(r, p)
		if err != nil {
			return err
		}
		win, err := window(r, defaultDays)
		if err != nil {
			return err
		}
		v, err := read(h, r, r.URL.Query(), tenantID, win)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
}

// queryTargets reads ack.<priority> and resolve.<priority>: Go durations
// of a whole number of seconds greater than 0.
func queryTargets(q url.Values) (alertanalytics.Targets, error) {
	t := alertanalytics.Targets{Acknowledge: map[alertanalytics.Priority]time.Duration{}, Resolve: map[alertanalytics.Priority]time.Duration{}}
	for name := range q {
		prefix, priority, ok := strings.Cut(name, ".")
		var dst map[alertanalytics.Priority]time.Duration
		switch {
		case ok && prefix == "ack":
			dst = t.Acknowledge
		case ok && prefix == "resolve":
			dst = t.Resolve
		default:
			continue
		}
		v, _, err := queryValue(q, name)
		if err != nil {
			return t, err
		}
		if !alertanalytics.Priority(priority).Valid() {
			return t, invalidField(name, "is not a priority level: use critical, important, standard or info")
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d%time.Second != 0 {
			return t, invalidField(name, "must be a Go duration of a whole number of seconds greater than 0, such as 5m or 2h30m")
		}
		dst[alertanalytics.Priority(priority)] = d
	}
	return t, nil
}

func (h *handler) compliance(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Compliance, error) {
	targets, err := queryTargets(q)
	if err != nil {
		return alertanalytics.Compliance{}, err
	}
	return h.svc.Compliance(r.Context(), tenantID, w, targets)
}

func (h *handler) breakdown(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Breakdown, error) {
	by, given, err := queryValue(q, "by")
	if err != nil {
		return alertanalytics.Breakdown{}, err
	}
	if !given || by == "" {
		return alertanalytics.Breakdown{}, invalidField("by", "is required: category, service or alert_type")
	}
	if !alertanalytics.BreakdownField(by).Valid() {
		// Checked before limit, in the Service's order.
		return alertanalytics.Breakdown{}, invalidField("by", "must be one of category, service, alert_type")
	}
	limit, err := queryInt(q, "limit", alertanalytics.DefaultRowsLimit, alertanalytics.MinRowsLimit, alertanalytics.MaxRowsLimit)
	if err != nil {
		return alertanalytics.Breakdown{}, err
	}
	return h.svc.Breakdown(r.Context(), tenantID, w, alertanalytics.BreakdownField(by), limit)
}

func (h *handler) noisy(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Noisy, error) {
	limit, err := queryInt(q, "limit", alertanalytics.DefaultRowsLimit, alertanalytics.MinRowsLimit, alertanalytics.MaxRowsLimit)
	if err != nil {
		return alertanalytics.Noisy{}, err
	}
	return h.svc.Noisy(r.Context(), tenantID, w, limit)
}

// queryHours reads business_days, business_hours and sleep_hours.
func queryHours(q url.Values) (alertanalytics.HoursOptions, error) {
	var opts alertanalytics.HoursOptions
	if v, ok, err := queryValue(q, "business_days"); err != nil {
		return opts, err
	} else if ok {
		if opts.BusinessDays, err = alertanalytics.ParseWeekdays("business_days", v); err != nil {
			return opts, err
		}
	}
	for _, iv := range []struct {
		name string
		dst  **alertanalytics.Interval
	}{{"business_hours", &opts.BusinessHours}, {"sleep_hours", &opts.SleepHours}} {
		v, ok, err := queryValue(q, iv.name)
		if err != nil {
			return opts, err
		}
		if ok {
			parsed, err := alertanalytics.ParseInterval(iv.name, v)
			if err != nil {
				return opts, err
			}
			*iv.dst = &parsed
		}
	}
	return opts, nil
}

func (h *handler) hours(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Hours, error) {
	opts, err := queryHours(q)
	if err != nil {
		return alertanalytics.Hours{}, err
	}
	return h.svc.Hours(r.Context(), tenantID, w, opts)
}

func (h *handler) people(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.People, error) {
	hours, err := queryHours(q)
	if err != nil {
		return alertanalytics.People{}, err
	}
	limit, err := queryInt(q, "limit", alertanalytics.DefaultRowsLimit, alertanalytics.MinRowsLimit, alertanalytics.MaxRowsLimit)
	if err != nil {
		return alertanalytics.People{}, err
	}
	return h.svc.People(r.Context(), tenantID, w, alertanalytics.PeopleOptions{Hours: hours, Limit: limit})
}

func (h *handler) flapping(r *http.Request, q url.Values, tenantID uuid.UUID, w alertanalytics.Window) (alertanalytics.Flapping, error) {
	opts := alertanalytics.FlappingOptions{Short: alertanalytics.DefaultFlapShort}
	if v, ok, err := queryValue(q, "short"); err != nil {
		return alertanalytics.Flapping{}, err
	} else if ok {
		d, err := time.ParseDuration(v)
		if err != nil || d%time.Second != 0 || d < alertanalytics.MinFlapShort || d > alertanalytics.MaxFlapShort {
			return alertanalytics.Flapping{}, invalidField("short", "must be a Go duration of a whole number of seconds from 1s to 24h, such as 15m")
		}
		opts.Short = d
	}
	limit, err := queryInt(q, "limit", alertanalytics.DefaultRowsLimit, alertanalytics.MinRowsLimit, alertanalytics.MaxRowsLimit)
	if err != nil {
		return alertanalytics.Flapping{}, err
	}
	opts.Limit = limit
	return h.svc.Flapping(r.Context(), tenantID, w, opts)
}

// digest answers the digest as JSON (the default), plain text or HTML, by
// the Accept header.
func (h *handler) digest(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	win, err := window(r, alertanalytics.DefaultDigestDays)
	if err != nil {
		return err
	}
	d, err := h.svc.Digest(r.Context(), tenantID, win)
	if err != nil {
		return err
	}
	w.Header().Add("Vary", "Accept")
	switch preferred(r.Header.Get("Accept"), "application/json", "text/plain", "text/html") {
	case "text/plain":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(d.Text()))
		return nil
	case "text/html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(d.HTML()))
		return nil
	}
	return writeJSON(w, http.StatusOK, d)
}

// preferred returns the first of offers the Accept header names (by
// q-value, then order), or the first offer when none is named.
func preferred(accept string, offers ...string) string {
	best, bestQ := offers[0], 0.0
	for _, part := range strings.Split(accept, ",") {
		media, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscan(v, &q); err != nil {
				continue
			}
		}
		for _, o := range offers {
			if strings.EqualFold(media, o) && q > bestQ {
				best, bestQ = o, q
			}
		}
	}
	return best
}
