package writeflow

import (
	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Delta accumulates how one transaction changes a tenant's kept totals.
// Every write is a move of one alert from a before state to an after state
// (nil: absent), and every kept total is a sum over alerts of what each
// contributes, so a move adds what the after state contributes and takes
// away what the before state did. Ingest, interactions and purges are all
// moves; the totals cannot drift from the rows whatever the order: a late
// offline sync that moves acknowledged_at earlier takes the old time out of
// its bucket and puts the new one in.
type Delta struct {
	// Open holds the change of the open-alert totals per type class.
	Open map[store.TypeClass]store.OpenTotal
	// Rollups holds the change of the per-bucket rollups.
	Rollups rollup.Delta
}

// NewDelta returns an empty delta.
func NewDelta() *Delta { return &Delta{Open: map[store.TypeClass]store.OpenTotal{}} }

// Move records that one alert went from before to after; either may be nil.
func (d *Delta) Move(before, after *store.Alert) {
	if before != nil {
		d.add(before, -1)
	}
	if after != nil {
		d.add(after, 1)
	}
}

func (d *Delta) add(a *store.Alert, sign int64) {
	c := rollup.Of(a)
	d.Rollups.Add(&c, sign)
	if a.Status.Open() {
		d.addOpen(a, sign)
	}
}

// addOpen adds an open alert to the open totals' change.
func (d *Delta) addOpen(a *store.Alert, sign int64) {
	t := d.Open[a.TypeClass]
	t.TypeClass = a.TypeClass
	t.Alerts += sign
	t.FinancialImpactCents += sign * a.FinancialImpactCents
	d.Open[a.TypeClass] = t
}

// OpenTotals returns the non-zero changes of the open totals in type-class
// order: the order backends apply them in, so concurrent writers take their
// row locks in the same order.
func (d *Delta) OpenTotals() []store.OpenTotal {
	out := make([]store.OpenTotal, 0, len(d.Open))
	for _, tc := range store.TypeClasses() {
		if t, ok := d.Open[tc]; ok && (t.Alerts != 0 || t.FinancialImpactCents != 0) {
			out = append(out, t)
		}
	}
	return out
}
