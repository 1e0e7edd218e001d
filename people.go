package alertanalytics

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// PeopleOptions says how People classes the hours and how many rows it
// returns.
type PeopleOptions struct {
	// Hours says which local times are business and sleep hours, as for
	// Hours (the same defaults).
	Hours HoursOptions
	// Limit is how many rows to return, 1–100; 0 means 10.
	Limit int
}

// InteractionCounts counts interactions by type.
type InteractionCounts struct {
	Acknowledged int64 `json:"acknowledged"`
	Resolved     int64 `json:"resolved"`
	Snoozed      int64 `json:"snoozed"`
	Dismissed    int64 `json:"dismissed"`
}

// FirstAcknowledgements describes the acknowledgements a person made that
// were their alert's first.
type FirstAcknowledgements struct {
	Count int64 `json:"count"`
	// MeanSeconds (rounded half away from zero) and P50Seconds (nearest
	// rank) describe their response_time_seconds; 0 when Count is 0.
	MeanSeconds int64 `json:"mean_seconds"`
	P50Seconds  int64 `json:"p50_seconds"`
}

// PersonRow is what one person did in a window.
type PersonRow struct {
	// UserID is the user the interactions were recorded as: over HTTP,
	// the authenticated caller.
	UserID       uuid.UUID         `json:"user_id"`
	Interactions int64             `json:"interactions"`
	ByType       InteractionCounts `json:"by_type"`
	// FirstAcknowledgements are the person's acknowledgements in the
	// window that are their alert's earliest acknowledgement (by
	// interacted_at; at the same millisecond, the lowest interaction id in
	// byte order). An alert acknowledged earlier by someone else, or by an
	// offline sync stamped earlier, has no first acknowledgement here.
	FirstAcknowledgements FirstAcknowledgements `json:"first_acknowledgements"`
	// Business, OffHours and Sleep count the interactions by the class of
	// interacted_at's local time, as Hours classes alerts.
	Business int64 `json:"business"`
	OffHours int64 `json:"off_hours"`
	Sleep    int64 `json:"sleep"`
	// DisruptedNights counts the distinct nights holding at least one of
	// the person's sleep-class interactions. A night is named by the local
	// date its sleep interval began: with 22:00-08:00, 02:00 on the 5th is
	// the night of the 4th; a sleep interval that does not wrap past
	// midnight names the night by its own date.
	DisruptedNights int64 `json:"disrupted_nights"`
}

// People is who carried a window's load, and who was woken.
type People struct {
	PeriodDays int `json:"period_days"`
	// People counts the distinct users with an interaction in the window;
	// OtherInteractions the interactions of the users beyond the rows
	// shown.
	People            int         `json:"people"`
	OtherInteractions int64       `json:"other_interactions"`
	Rows              []PersonRow `json:"rows"`
}

// People groups the tenant's interactions whose interacted_at falls in
// the window (30 days by default; the window's local days applied to
// interacted_at, not to the alerts' created_at) by user: how many of each
// type, how many were their alert's first acknowledgement and how fast,
// how many fell in business, off and sleep hours, and on how many nights
// the person was woken. Rows are ordered by interactions descending, then
// user id ascending (its canonical string form); the first opts.Limit are
// returned. It reads the window's interactions, each acknowledgement with
// its alert's acknowledged_at.
func (s *Service) People(ctx context.Context, tenantID uuid.UUID, w Window, opts PeopleOptions) (_ People, err error) {
	ctx, end, err := s.call(ctx, "People", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return People{}, err
	}
	h, err := opts.Hours.classes()
	if err != nil {
		return People{}, err
	}
	limit, err := checkLimit(opts.Limit)
	if err != nil {
		return People{}, err
	}
	p, err := s.people(ctx, tenantID, sp, h, limit)
	if err != nil {
		return People{}, fmt.Errorf("people: %w", err)
	}
	return p, nil
}

// person accumulates one user's row.
type person struct {
	row    PersonRow
	firsts []int64
	nights map[time.Time]struct{}
}

func (s *Service) people(ctx context.Context, tenantID uuid.UUID, sp span, h hourClasses, limit int) (People, error) {
	t := peopleTally{h: h, loc: sp.loc, users: map[uuid.UUID]*person{}, seen: map[uuid.UUID]int{}, bucket: -1}
	// The alerts first acknowledged in the window are read beside the
	// interactions, in a request of their own sent at the same time.
	var acked []uuid.UUID
	err := concurrently(func() error {
		return s.store.Interactions(ctx, tenantID, sp.start(), sp.end(), func(in *store.Interaction) error {
			t.add(in)
			return nil
		})
	}, func() error {
		return s.store.AcknowledgedAlerts(ctx, tenantID, sp.start(), sp.end(), func(id uuid.UUID) error {
			acked = append(acked, id)
			return nil
		})
	})
	if err != nil {
		return People{}, err
	}
	rows := t.rows(acked)
	// The canonical string form of a uuid sorts as its bytes do.
	slices.SortFunc(rows, func(a, b PersonRow) int {
		return cmp.Or(cmp.Compare(b.Interactions, a.Interactions), bytes.Compare(a.UserID[:], b.UserID[:]))
	})
	out := People{PeriodDays: sp.days, People: len(rows), Rows: rows[:min(limit, len(rows))]}
	for _, r := range rows[len(out.Rows):] {
		out.OtherInteractions += r.Interactions
	}
	return out, nil
}

// peopleTally counts a window's interactions per person as they come.
//
// Interactions come in (interacted_at, id) order, so the first
// acknowledgement of an alert met in the window is its earliest there (the
// lowest id at a shared millisecond). It is the alert's first overall when
// the alert's acknowledged_at, the earliest of all its acknowledgements,
// falls in the window too; when it lies before, the first was made before
// the window.
type peopleTally struct {
	h          hourClasses
	loc        *time.Location
	users      map[uuid.UUID]*person
	candidates []firstCandidate
	seen       map[uuid.UUID]int // alert → its candidate
	// Every instant of a kept 15-minute bucket falls in one local quarter
	// hour (zone offsets are whole quarter hours), so the class and night
	// of the previous row's bucket serve the next rows of it.
	last   *person
	bucket int64
	class  int
	night  time.Time
}

// firstCandidate is the first acknowledgement of an alert in the window:
// who made it, after how long, and whether it was the alert's first.
type firstCandidate struct {
	p       *person
	seconds int64
	first   bool
}

// add counts one interaction.
func (t *peopleTally) add(in *store.Interaction) {
	p := t.last
	if p == nil || p.row.UserID != in.UserID {
		if p = t.users[in.UserID]; p == nil {
			p = &person{row: PersonRow{UserID: in.UserID}, nights: map[time.Time]struct{}{}}
			t.users[in.UserID] = p
		}
		t.last = p
	}
	r := &p.row
	r.Interactions++
	switch in.Type {
	case store.InteractionAcknowledged:
		r.ByType.Acknowledged++
		if _, ok := t.seen[in.AlertID]; !ok {
			t.seen[in.AlertID] = len(t.candidates)
			t.candidates = append(t.candidates, firstCandidate{p: p, seconds: in.ResponseTimeSeconds})
		}
	case store.InteractionResolved:
		r.ByType.Resolved++
	case store.InteractionSnoozed:
		r.ByType.Snoozed++
	case store.InteractionDismissed:
		r.ByType.Dismissed++
	}
	if b := rollup.BucketOf(in.InteractedAt); b != t.bucket {
		local := in.InteractedAt.In(t.loc)
		t.bucket, t.class, t.night = b, t.h.of(local), t.h.night(local)
	}
	switch t.class {
	case classBusiness:
		r.Business++
	case classOffHours:
		r.OffHours++
	case classSleep:
		r.Sleep++
		p.nights[t.night] = struct{}{}
	}
}

// rows returns every person's row, given the alerts whose acknowledged_at
// falls in the window (which tell the first acknowledgements).
func (t *peopleTally) rows(acked []uuid.UUID) []PersonRow {
	if len(t.candidates) > 0 {
		for _, id := range acked {
			if i, ok := t.seen[id]; ok {
				t.candidates[i].first = true
			}
		}
		for _, c := range t.candidates {
			if c.first {
				c.p.firsts = append(c.p.firsts, c.seconds)
			}
		}
	}
	rows := make([]PersonRow, 0, len(t.users))
	for _, p := range t.users {
		p.row.DisruptedNights = int64(len(p.nights))
		if n := int64(len(p.firsts)); n > 0 {
			slices.Sort(p.firsts)
			var sum int64
			for _, v := range p.firsts {
				sum += v
			}
			p.row.FirstAcknowledgements = FirstAcknowledgements{Count: n, MeanSeconds: divRound(sum, n),
				P50Seconds: p.firsts[rollup.NearestRank(50, n)-1]}
		}
		rows = append(rows, p.row)
	}
	return rows
}

// night names the night a sleep-class local time belongs to: the local
// date its sleep interval began, at midnight UTC. Where the interval
// wraps past midnight, a time before its end belongs to the night that
// began the day before.
func (h hourClasses) night(local time.Time) time.Time {
	y, m, d := local.Date()
	minute := local.Hour()*60 + local.Minute()
	if h.sleep.End <= h.sleep.Start && minute < h.sleep.Start {
		d--
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
