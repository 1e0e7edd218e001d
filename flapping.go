package alertanalytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Bounds of FlappingOptions.Short.
const (
	DefaultFlapShort = 15 * time.Minute
	MinFlapShort     = time.Second
	MaxFlapShort     = 24 * time.Hour
)

// FlappingOptions says what a short episode is and how many rows Flapping
// returns.
type FlappingOptions struct {
	// Short is the longest an alert may take from firing to resolving
	// and still be a short episode: a whole number of seconds, 1 s–24 h;
	// 0 means 15 minutes.
	Short time.Duration
	// Limit is how many rows to return, 1–100; 0 means 10.
	Limit int
}

// FlappingRow is one kind of alert — an alert_type from one service — and
// how often it fired and cleared before anyone looked.
type FlappingRow struct {
	AlertType string `json:"alert_type"`
	Service   string `json:"service"`
	// Alerts counts the kind's alerts created in the window.
	Alerts int64 `json:"alerts"`
	// ShortEpisodes counts those resolved within Short of their
	// created_at with no acknowledgement before the resolution.
	ShortEpisodes int64 `json:"short_episodes"`
	// FlapRate is round(100 × short_episodes / alerts, 1 decimal).
	FlapRate float64 `json:"flap_rate"`
	// P50ShortSeconds is the nearest-rank median of the short episodes'
	// lengths, resolved_at − created_at in whole seconds.
	P50ShortSeconds int64 `json:"p50_short_seconds"`
}

// Flapping lists the kinds of alert that fire and clear by themselves.
type Flapping struct {
	PeriodDays   int   `json:"period_days"`
	ShortSeconds int64 `json:"short_seconds"`
	// Groups counts the kinds with a short episode; OtherShortEpisodes
	// the short episodes of the kinds beyond the rows shown.
	Groups             int           `json:"groups"`
	OtherShortEpisodes int64         `json:"other_short_episodes"`
	Rows               []FlappingRow `json:"rows"`
}

// Flapping groups the alerts created in the window (30 days by default) by
// kind (alert_type, service) and counts their short episodes: alerts
// whose resolved_at − created_at is at most opts.Short (to the
// millisecond: 15m0.001s is not short for 15m), and with no
// acknowledged_at earlier than resolved_at. An episode's length is
// reported as time to resolve is: whole seconds, the fraction dropped, 0
// when negative.
// An acknowledgement at the very millisecond of the resolution is not
// earlier. Only kinds with a short episode get a row; rows are ordered by
// short episodes descending, then alerts descending, then alert_type and
// service ascending in byte order, and the first opts.Limit are returned.
// The kinds' alert counts come from the kept totals; the short episodes
// from the window's alerts resolved within the bound.
func (s *Service) Flapping(ctx context.Context, tenantID uuid.UUID, w Window, opts FlappingOptions) (_ Flapping, err error) {
	ctx, end, err := s.call(ctx, "Flapping", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return Flapping{}, err
	}
	short, err := checkShort(opts.Short)
	if err != nil {
		return Flapping{}, err
	}
	limit, err := checkLimit(opts.Limit)
	if err != nil {
		return Flapping{}, err
	}
	f, err := s.flapping(ctx, tenantID, sp, short, limit)
	if err != nil {
		return Flapping{}, fmt.Errorf("flapping: %w", err)
	}
	return f, nil
}

// checkShort defaults and validates the short-episode bound.
func checkShort(short time.Duration) (time.Duration, error) {
	if short == 0 {
		return DefaultFlapShort, nil
	}
	if short%time.Second != 0 || short < MinFlapShort || short > MaxFlapShort {
		return 0, invalid("short", "must be a whole number of seconds from 1s to 24h, such as 15m")
	}
	return short, nil
}

type kindKey struct{ alertType, service string }

func (s *Service) flapping(ctx context.Context, tenantID uuid.UUID, sp span, short time.Duration, limit int) (Flapping, error) {
	// The short episodes and the kinds' alert counts are read side by
	// side, each in one request.
	episodes := map[kindKey][]int64{}
	var kinds []rollup.KindCount
	err := concurrently(func() error {
		// resolved_at − created_at ≤ short, to the millisecond.
		return s.store.ResolvedWithin(ctx, tenantID, sp.start(), sp.end(), short+time.Millisecond, func(a *store.Alert) error {
			if a.ResolvedAt == nil || (a.AcknowledgedAt != nil && a.AcknowledgedAt.Before(*a.ResolvedAt)) {
				return nil
			}
			k := kindKey{a.AlertType, a.Service}
			episodes[k] = append(episodes[k], store.ResponseTimeSeconds(a.CreatedAt, *a.ResolvedAt))
			return nil
		})
	}, func() (err error) {
		kinds, err = rollup.Kinds(ctx, s.store, tenantID, sp.start(), sp.end())
		return err
	})
	if err != nil {
		return Flapping{}, err
	}
	out := Flapping{PeriodDays: sp.days, ShortSeconds: int64(short / time.Second), Rows: []FlappingRow{}}
	if len(episodes) == 0 {
		return out, nil
	}
	alerts := make(map[kindKey]int64, len(kinds))
	for _, k := range kinds {
		alerts[kindKey{k.AlertType, k.Service}] = k.Alerts
	}
	rows := make([]FlappingRow, 0, len(episodes))
	for k, v := range episodes {
		slices.Sort(v)
		n := int64(len(v))
		// A write landing between the two reads can leave the kept count
		// behind the episodes read; never report fewer alerts than those.
		total := max(alerts[k], n)
		rows = append(rows, FlappingRow{AlertType: k.alertType, Service: k.service, Alerts: total, ShortEpisodes: n,
			FlapRate: *percent1(n, total), P50ShortSeconds: v[rollup.NearestRank(50, n)-1]})
	}
	slices.SortFunc(rows, func(a, b FlappingRow) int {
		return cmp.Or(cmp.Compare(b.ShortEpisodes, a.ShortEpisodes), cmp.Compare(b.Alerts, a.Alerts),
			strings.Compare(a.AlertType, b.AlertType), strings.Compare(a.Service, b.Service))
	})
	out.Groups, out.Rows = len(rows), rows[:min(limit, len(rows))]
	for _, r := range rows[len(out.Rows):] {
		out.OtherShortEpisodes += r.ShortEpisodes
	}
	return out, nil
}
