package alertanalytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
)

// NoisyRow is one kind of alert — an alert_type from one service — and how
// much of it nobody acted on.
type NoisyRow struct {
	AlertType string `json:"alert_type"`
	Service   string `json:"service"`
	Alerts    int64  `json:"alerts"`
	// Acted counts alerts with an acknowledged_at or a resolved_at.
	Acted int64 `json:"acted"`
	// Dismissed counts alerts in status dismissed.
	Dismissed int64 `json:"dismissed"`
	// Noise is Alerts − Acted; NoiseRate is round(100 × noise / alerts,
	// 1 decimal).
	Noise     int64   `json:"noise"`
	NoiseRate float64 `json:"noise_rate"`
}

// Noisy lists the noisiest kinds of alert of a window.
type Noisy struct {
	PeriodDays int `json:"period_days"`
	// Groups counts the (alert_type, service) groups there are;
	// OtherAlerts the alerts of the groups beyond the rows shown.
	Groups      int        `json:"groups"`
	OtherAlerts int64      `json:"other_alerts"`
	Rows        []NoisyRow `json:"rows"`
}

// Noisy groups the alerts created in the window (30 days by default) by
// (alert_type, service) and ranks the groups by noise — alerts nobody
// acknowledged or resolved — descending, then alerts descending, then
// alert_type and service ascending in byte order. The first limit (1–100, 0
// for 10) are returned.
func (s *Service) Noisy(ctx context.Context, tenantID uuid.UUID, w Window, limit int) (_ Noisy, err error) {
	ctx, end, err := s.call(ctx, "Noisy", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return Noisy{}, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return Noisy{}, err
	}
	n, err := s.noisy(ctx, tenantID, sp, limit)
	if err != nil {
		return Noisy{}, fmt.Errorf("noisy: %w", err)
	}
	return n, nil
}

func (s *Service) noisy(ctx context.Context, tenantID uuid.UUID, sp span, limit int) (Noisy, error) {
	kinds, err := rollup.Kinds(ctx, s.store, tenantID, sp.start(), sp.end())
	if err != nil {
		return Noisy{}, err
	}
	rows := make([]NoisyRow, 0, len(kinds))
	for _, k := range kinds {
		r := NoisyRow{AlertType: k.AlertType, Service: k.Service, Alerts: k.Alerts, Acted: k.Acted, Dismissed: k.Dismissed}
		r.Noise = r.Alerts - r.Acted
		r.NoiseRate = *percent1(r.Noise, r.Alerts)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b NoisyRow) int {
		return cmp.Or(cmp.Compare(b.Noise, a.Noise), cmp.Compare(b.Alerts, a.Alerts),
			strings.Compare(a.AlertType, b.AlertType), strings.Compare(a.Service, b.Service))
	})
	out := Noisy{PeriodDays: sp.days, Groups: len(rows), Rows: rows[:min(limit, len(rows))]}
	for _, r := range rows[len(out.Rows):] {
		out.OtherAlerts += r.Alerts
	}
	return out, nil
}
