package alertanalytics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Targets are the response targets per priority level: how soon an alert
// should be acknowledged and resolved. Each is a whole number of seconds
// greater than 0; a priority left out of a map takes its default.
type Targets struct {
	Acknowledge, Resolve map[Priority]time.Duration
}

// DefaultTargets returns the default targets: critical 5m / 1h, important
// 15m / 4h, standard 1h / 24h, info 4h / 72h (to acknowledge / to resolve).
func DefaultTargets() Targets {
	return Targets{
		Acknowledge: map[Priority]time.Duration{PriorityCritical: 5 * time.Minute, PriorityImportant: 15 * time.Minute,
			PriorityStandard: time.Hour, PriorityInfo: 4 * time.Hour},
		Resolve: map[Priority]time.Duration{PriorityCritical: time.Hour, PriorityImportant: 4 * time.Hour,
			PriorityStandard: 24 * time.Hour, PriorityInfo: 72 * time.Hour},
	}
}

// withDefaults fills in the default of every priority left out, and checks
// the rest; fields are named as the HTTP query names them ("ack.critical").
func (t Targets) withDefaults() (Targets, error) {
	def := DefaultTargets()
	out := Targets{Acknowledge: map[Priority]time.Duration{}, Resolve: map[Priority]time.Duration{}}
	for _, k := range []struct {
		prefix     string
		given, def map[Priority]time.Duration
		dst        map[Priority]time.Duration
	}{{"ack", t.Acknowledge, def.Acknowledge, out.Acknowledge}, {"resolve", t.Resolve, def.Resolve, out.Resolve}} {
		for p, d := range k.given {
			if !p.Valid() {
				return Targets{}, invalid(k.prefix+"."+string(p), "is not a priority level: use one of "+joinNames(store.Priorities()))
			}
			if d <= 0 || d%time.Second != 0 {
				return Targets{}, invalid(k.prefix+"."+string(p), "must be a whole number of seconds greater than 0")
			}
		}
		for _, p := range store.Priorities() {
			k.dst[p] = k.def[p]
			if d, ok := k.given[p]; ok {
				k.dst[p] = d
			}
		}
	}
	return out, nil
}

// ComplianceBlock judges the alerts of a group against one target.
type ComplianceBlock struct {
	// Met counts alerts whose time (to acknowledge or to resolve) is at most
	// the target.
	Met int64 `json:"met"`
	// Missed counts alerts whose time exceeds the target, and alerts without
	// one whose created_at + target is at or before now (an alert dismissed
	// or resolved without an acknowledgement misses its acknowledge target
	// once the target time has passed).
	Missed int64 `json:"missed"`
	// Pending counts alerts without a time whose target has not passed yet.
	Pending int64 `json:"pending"`
	// Compliance is round(100 × met / (met + missed), 1 decimal); nil when
	// met + missed is 0.
	Compliance *float64 `json:"compliance"`
}

func (b *ComplianceBlock) add(o ComplianceBlock) {
	b.Met += o.Met
	b.Missed += o.Missed
	b.Pending += o.Pending
	b.Compliance = percent1(b.Met, b.Met+b.Missed)
}

// TargetCompliance is a ComplianceBlock with the target it was judged by.
type TargetCompliance struct {
	TargetSeconds int64 `json:"target_seconds"`
	ComplianceBlock
}

// PriorityCompliance is the compliance of one priority level's alerts.
type PriorityCompliance struct {
	Alerts      int64            `json:"alerts"`
	Acknowledge TargetCompliance `json:"acknowledge"`
	Resolve     TargetCompliance `json:"resolve"`
}

// ComplianceSummary is the compliance of all alerts, each judged by its own
// priority's target.
type ComplianceSummary struct {
	Alerts      int64           `json:"alerts"`
	Acknowledge ComplianceBlock `json:"acknowledge"`
	Resolve     ComplianceBlock `json:"resolve"`
}

// Compliance is how the window's alerts (created in it) fared against the
// response targets.
type Compliance struct {
	PeriodDays int               `json:"period_days"`
	Overall    ComplianceSummary `json:"overall"`
	ByPriority struct {
		Critical  PriorityCompliance `json:"critical"`
		Important PriorityCompliance `json:"important"`
		Standard  PriorityCompliance `json:"standard"`
		Info      PriorityCompliance `json:"info"`
	} `json:"by_priority"`
}

func (c *Compliance) priority(p Priority) *PriorityCompliance {
	switch p {
	case PriorityCritical:
		return &c.ByPriority.Critical
	case PriorityImportant:
		return &c.ByPriority.Important
	case PriorityStandard:
		return &c.ByPriority.Standard
	}
	return &c.ByPriority.Info
}

// DefaultInsightDays is the window of Compliance, Breakdown, Hours and Noisy
// when Window.Days is zero.
const DefaultInsightDays = 30

// Compliance judges every alert created in the window (30 days by default)
// against the target of its priority, for acknowledging and for resolving:
// met when its time (acknowledged_at or resolved_at − created_at, whole
// seconds) is at most the target; missed when it is greater, or when the
// alert has none and created_at + target ≤ now; pending otherwise. The
// overall block sums the priorities. Zero targets take DefaultTargets.
func (s *Service) Compliance(ctx context.Context, tenantID uuid.UUID, w Window, targets Targets) (_ Compliance, err error) {
	ctx, end, err := s.call(ctx, "Compliance", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return Compliance{}, err
	}
	if targets, err = targets.withDefaults(); err != nil {
		return Compliance{}, err
	}
	c, err := s.compliance(ctx, tenantID, sp, targets)
	if err != nil {
		return Compliance{}, fmt.Errorf("compliance: %w", err)
	}
	return c, nil
}

// alertsAndTimes counts the alerts per priority created in a range and,
// per kind of response time and priority, how many have one, and how many
// of those are at most a limit.
type alertsAndTimes struct {
	alerts   [4]int64
	withTime [2][4]int64
	within   [2][4]int64
}

func (a *alertsAndTimes) add(o *alertsAndTimes) {
	for p := range a.alerts {
		a.alerts[p] += o.alerts[p]
		for kind := range a.withTime {
			a.withTime[kind][p] += o.withTime[kind][p]
			a.within[kind][p] += o.within[kind][p]
		}
	}
}

// countAlertsAndTimes counts, for each start, the alerts and times of the
// alerts created from it to end (starts ascending, before end): the ranges
// between consecutive starts are counted in one read of the counters and
// one of the times, side by side, and summed from each start on.
func (s *Service) countAlertsAndTimes(ctx context.Context, tenantID uuid.UUID, starts []time.Time, end time.Time, limits [2][4]int64) ([]alertsAndTimes, error) {
	bounds := append(slices.Clone(starts), end)
	segs := make([]alertsAndTimes, len(starts))
	var days []rollup.Counts
	err := concurrently(
		func() (err error) {
			days, _, err = rollup.Period(ctx, s.store, tenantID, bounds,
				[]int{rollup.CountCritical, rollup.CountImportant, rollup.CountStandard, rollup.CountInfo}, nil)
			return err
		},
		func() error {
			return rollup.SegmentTimes(ctx, s.store, tenantID, bounds, func(seg int, kind rollup.Kind, k uint64, _, sign int64) {
				p := rollup.KeyPriority(k)
				segs[seg].withTime[kind][p] += sign
				if rollup.KeySeconds(k) <= limits[kind][p] {
					segs[seg].within[kind][p] += sign
				}
			})
		},
	)
	if err != nil {
		return nil, err
	}
	for i := range segs {
		for p := range segs[i].alerts {
			segs[i].alerts[p] = days[i][rollup.CountCritical+p]
		}
	}
	for i := len(segs) - 2; i >= 0; i-- {
		segs[i].add(&segs[i+1])
	}
	return segs, nil
}

func (s *Service) compliance(ctx context.Context, tenantID uuid.UUID, sp span, targets Targets) (Compliance, error) {
	var limits [2][4]int64
	for i, p := range store.Priorities() {
		limits[rollup.Acknowledge][i] = int64(targets.Acknowledge[p] / time.Second)
		limits[rollup.Resolve][i] = int64(targets.Resolve[p] / time.Second)
	}
	// An alert without a time is pending while its target has not passed:
	// created after now − target. Each target's tail is counted with the
	// whole window, in the same reads.
	now := sp.last()
	tailStart := func(limit int64) time.Time {
		from := now.Add(-time.Duration(limit)*time.Second + time.Millisecond)
		if from.Before(sp.start()) {
			from = sp.start()
		}
		return from
	}
	starts := []time.Time{sp.start()}
	for kind := range limits {
		for _, limit := range limits[kind] {
			if from := tailStart(limit); from.Before(sp.end()) {
				starts = append(starts, from)
			}
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	starts = slices.CompactFunc(starts, time.Time.Equal)
	counted, err := s.countAlertsAndTimes(ctx, tenantID, starts, sp.end(), limits)
	if err != nil {
		return Compliance{}, err
	}
	tails := map[int64]alertsAndTimes{}
	for kind := range limits {
		for _, limit := range limits[kind] {
			// A tail that starts at the window's end holds nothing.
			if i, ok := slices.BinarySearchFunc(starts, tailStart(limit), func(a, b time.Time) int { return a.Compare(b) }); ok {
				tails[limit] = counted[i]
			}
		}
	}
	return complianceOf(sp.days, limits, counted[0], tails), nil
}

// complianceOf sums up, per priority and overall, the window's counts all
// and the tails of its targets: met within the target, missed, pending.
func complianceOf(days int, limits [2][4]int64, all alertsAndTimes, tails map[int64]alertsAndTimes) Compliance {
	c := Compliance{PeriodDays: days}
	for i, p := range store.Priorities() {
		pc := c.priority(p)
		pc.Alerts = all.alerts[i]
		c.Overall.Alerts += pc.Alerts
		for kind, tc := range []*TargetCompliance{&pc.Acknowledge, &pc.Resolve} {
			limit := limits[kind][i]
			tail := tails[limit]
			tc.TargetSeconds = limit
			tc.Met = all.within[kind][i]
			tc.Pending = tail.alerts[i] - tail.withTime[kind][i]
			tc.Missed = all.withTime[kind][i] - tc.Met + (all.alerts[i] - all.withTime[kind][i] - tc.Pending)
			tc.Compliance = percent1(tc.Met, tc.Met+tc.Missed)
		}
		c.Overall.Acknowledge.add(pc.Acknowledge.ComplianceBlock)
		c.Overall.Resolve.add(pc.Resolve.ComplianceBlock)
	}
	return c
}
