package alertanalytics

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Window selects the local calendar days an analytics call covers: from the
// start of the local day Days−1 days before today, in Location, up to now,
// both ends included, with now truncated to the millisecond. Alerts count in
// the window when their created_at falls in it; an alert stamped slightly in
// the future waits until its time comes. A local day is 23 or 25 hours long
// across a daylight-saving change, and starts at its first instant: where a
// zone skips midnight (America/Santiago, America/Havana) that is 01:00.
type Window struct {
	// Days is the number of local days, 1–90. Zero means the method's
	// default: 7 for Analytics and Trends, 30 for Dashboard.
	Days int
	// Location is the tenant's time zone. Defaults to UTC. time.Local is
	// refused: the answer must not depend on the host the program runs on.
	Location *time.Location
}

// Window bounds and defaults.
const (
	// MinWindowDays and MaxWindowDays bound Window.Days.
	MinWindowDays = 1
	MaxWindowDays = 90
	// DefaultAnalyticsDays is the window of Analytics and Trends when
	// Window.Days is zero.
	DefaultAnalyticsDays = 7
	// DefaultDashboardDays is the window of Dashboard when Window.Days is
	// zero.
	DefaultDashboardDays = 30
)

// span is a resolved period: its local days and their UTC bounds.
type span struct {
	days int
	loc  *time.Location
	// bounds[i] is the first instant of local day i, in UTC; bounds[days]
	// is the period's exclusive end: its last instant + 1 ms.
	bounds []time.Time
	// date is the local date of day 0, at midnight UTC.
	date0 time.Time
	// past is set when the span ends before now (a previous period): its
	// end has rows on both sides.
	past bool
}

func (sp span) start() time.Time { return sp.bounds[0] }

// end is the exclusive end of the span, as the stores take it.
func (sp span) end() time.Time { return sp.bounds[sp.days] }

// last is the span's last instant, included: the end it reports.
func (sp span) last() time.Time { return sp.end().Add(-time.Millisecond) }

// newSpan returns the days local days from the date y-m-d on; the last one
// ends at last, included.
func newSpan(loc *time.Location, y int, m time.Month, d, days int, last time.Time) span {
	sp := span{days: days, loc: loc, bounds: make([]time.Time, days+1), date0: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	for i := range days {
		sp.bounds[i] = wallClock(loc, y, m, d+i, 0, 0, 0, 0)
	}
	sp.bounds[days] = last.Add(time.Millisecond)
	return sp
}

// checkLocation refuses time.Local: a window must mean the same on every
// host.
func checkLocation(loc *time.Location) error {
	if loc == time.Local || loc.String() == "Local" || loc.String() == "" {
		return invalid("tz", "must be an IANA time zone name such as Europe/Madrid")
	}
	return nil
}

// checkDays validates a window's day count.
func checkDays(days int) error {
	if days < MinWindowDays || days > MaxWindowDays {
		return invalid("days", fmt.Sprintf("must be between %d and %d", MinWindowDays, MaxWindowDays))
	}
	return nil
}

// resolveWindow turns w into the current span, ending now.
func (s *Service) resolveWindow(tenantID uuid.UUID, w Window, defaultDays int) (span, error) {
	if err := checkTenant(tenantID); err != nil {
		return span{}, err
	}
	if w.Days == 0 {
		w.Days = defaultDays
	}
	if err := checkDays(w.Days); err != nil {
		return span{}, err
	}
	if w.Location == nil {
		w.Location = time.UTC
	}
	if err := checkLocation(w.Location); err != nil {
		return span{}, err
	}
	now := s.now()
	y, m, d := now.In(w.Location).Date()
	return newSpan(w.Location, y, m, d-(w.Days-1), w.Days, now), nil
}

// previous returns the same stretch of time sp.days local days earlier: from
// the start of the local day sp.days days before sp's first, to the local
// wall-clock time of sp's last instant on the date sp.days days before its
// last date. A running day meets the same part of its counterpart.
func (sp span) previous() span {
	y, m, d := sp.date0.Date()
	last := sp.last().In(sp.loc)
	ly, lm, ld := last.Date()
	end := wallClock(sp.loc, ly, lm, ld-sp.days, last.Hour(), last.Minute(), last.Second(), last.Nanosecond())
	prev := newSpan(sp.loc, y, m, d-sp.days, sp.days, end)
	prev.past = true
	return prev
}

// date returns the local date of day i of the span, at midnight UTC.
func (sp span) date(i int) time.Time { return sp.date0.AddDate(0, 0, i) }

// wallClock returns the instant the local wall-clock time y-m-d hh:mm:ss.ns
// names in loc, in UTC. A time that falls in a gap (clocks moved forward)
// moves forward to the first instant after the gap; one that falls in an
// overlap (clocks moved back) takes the earlier of its two instants.
// time.Date leaves both choices unspecified, and answers 23:00 of the day
// before for a skipped midnight in some zones.
func wallClock(loc *time.Location, y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
	wall := time.Date(y, m, d, hh, mm, ss, ns, time.UTC) // the wall clock read as UTC
	guess := time.Date(y, m, d, hh, mm, ss, ns, loc)
	// The offsets that can apply: the guess's zone and its neighbours.
	zoneStart, zoneEnd := guess.ZoneBounds()
	edges := []time.Time{guess}
	if !zoneStart.IsZero() {
		edges = append(edges, zoneStart.Add(-time.Nanosecond))
	}
	if !zoneEnd.IsZero() {
		edges = append(edges, zoneEnd)
	}
	var best time.Time
	for _, e := range edges {
		_, off := e.In(loc).Zone()
		c := wall.Add(-time.Duration(off) * time.Second)
		if _, cOff := c.In(loc).Zone(); cOff == off && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best.UTC()
	}
	// In a gap: the first instant after it is the transition that opens it,
	// the zone boundary whose wall clock jumps over wall.
	for _, t := range []time.Time{zoneStart, zoneEnd} {
		if t.IsZero() {
			continue
		}
		_, after := t.In(loc).Zone()
		_, before := t.Add(-time.Nanosecond).In(loc).Zone()
		jumpFrom := t.Add(time.Duration(before) * time.Second)
		jumpTo := t.Add(time.Duration(after) * time.Second)
		if !wall.Before(jumpFrom) && wall.Before(jumpTo) {
			return t.UTC()
		}
	}
	return guess.UTC()
}
