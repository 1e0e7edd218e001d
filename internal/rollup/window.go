package rollup

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// windowRead reads a window's kept day rows and the alerts that correct
// them where the window cuts a bucket (its segments' row and minus parts)
// in one request to the store: the first day read carries the corrections
// too, and rows hands them over afterwards.
type windowRead struct {
	ctx      context.Context
	st       store.Store
	tenantID uuid.UUID
	spans    []store.TimeRange
	// seg and sign say, per span, which segment it corrects and how.
	seg, sign []int
	read      bool
	facts     []signedAlert
}

// signedAlert is a correction alert kept past its read.
type signedAlert struct {
	seg, sign int
	a         store.Alert
}

// newWindowRead prepares the read of the segments' corrections.
func newWindowRead(ctx context.Context, st store.Store, tenantID uuid.UUID, segs ...segment) *windowRead {
	w := &windowRead{ctx: ctx, st: st, tenantID: tenantID}
	for i, seg := range segs {
		for _, part := range []struct {
			spans [][2]time.Time
			sign  int
		}{{seg.rows, 1}, {seg.minus, -1}} {
			for _, r := range part.spans {
				w.spans = append(w.spans, store.TimeRange{From: r[0], To: r[1]})
				w.seg, w.sign = append(w.seg, i), append(w.sign, part.sign)
			}
		}
	}
	return w
}

// dayRows reads the day rows of [from, to) with cols, and the corrections
// with the first read.
func (w *windowRead) dayRows(from, to int64, cols store.DayColumns, fn func(*store.DayRow) error) error {
	q := store.DayQuery{FromDay: from, ToDay: to, Columns: cols}
	if !w.read {
		q.Facts, w.read = w.spans, true
	}
	return w.st.DayRows(w.ctx, w.tenantID, q, fn, w.keep)
}

// keep copies a correction alert: the store's is valid during its call
// only.
func (w *windowRead) keep(i int, a *store.Alert) error {
	c := *a
	if a.AcknowledgedAt != nil {
		t := *a.AcknowledgedAt
		c.AcknowledgedAt = &t
	}
	if a.ResolvedAt != nil {
		t := *a.ResolvedAt
		c.ResolvedAt = &t
	}
	w.facts = append(w.facts, signedAlert{seg: w.seg[i], sign: w.sign[i], a: c})
	return nil
}

// days is an EachDayBytes over one column, reading as dayRows does: a day
// kept as one row passes its bytes uncopied, the stripes of a day kept as
// several are merged first (Runs).
func (w *windowRead) days(col store.DayColumns) EachDayBytes {
	return func(from, to int64, fn func(int64, []byte) error) error {
		runs := Runs{Fn: func(d *Day) error { return fn(d.Day, *d.Column(col)) }}
		if err := w.dayRows(from, to, col, func(r *store.DayRow) error { return runs.Add(r.Stripes, r) }); err != nil {
			return err
		}
		return runs.Flush()
	}
}

// times calls fn, in day order, with the kept response times of every UTC
// day in [from, to) that has any; the bytes are valid during the call
// only.
func (w *windowRead) times(from, to int64, fn func(*DayTimes) error) error {
	var dt DayTimes
	runs := Runs{Fn: func(d *Day) error {
		dt = DayTimes{Day: d.Day, AcknowledgeTimes: d.AcknowledgeTimes, ResolveTimes: d.ResolveTimes}
		return fn(&dt)
	}}
	if err := w.dayRows(from, to, store.DayAcknowledgeTimes|store.DayResolveTimes, func(r *store.DayRow) error {
		return runs.Add(r.Stripes, r)
	}); err != nil {
		return err
	}
	return runs.Flush()
}

// rows calls fn with each correction alert, its segment and its sign: 1
// for an alert of a row part, −1 for one of a minus part. Where no day was
// read, it reads the corrections alone.
func (w *windowRead) rows(fn func(seg int, a *store.Alert, sign int64) error) error {
	if !w.read && len(w.spans) > 0 {
		w.read = true
		if err := w.st.DayRows(w.ctx, w.tenantID, store.DayQuery{Facts: w.spans}, func(*store.DayRow) error { return nil }, w.keep); err != nil {
			return err
		}
	}
	for i := range w.facts {
		f := &w.facts[i]
		if err := fn(f.seg, &f.a, int64(f.sign)); err != nil {
			return err
		}
	}
	return nil
}
