package rollup

import (
	"cmp"
	"context"
	"encoding/binary"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Field names an alert field the breakdowns group by.
type Field byte

// The fields kept per group.
const (
	FieldCategory Field = iota + 1
	FieldService
	FieldAlertType
)

// fields lists the fields, in the order they are kept.
func fields() [3]Field { return [3]Field{FieldCategory, FieldService, FieldAlertType} }

// value returns the alert's value of field f.
func (f Field) value(c *Contribution) string {
	switch f {
	case FieldCategory:
		return c.Category
	case FieldService:
		return c.Service
	default:
		return c.AlertType
	}
}

// GroupCounts are the counters kept per group and bucket.
type GroupCounts struct {
	// Alerts counts the alerts; Resolved those in status resolved; Open
	// those in an open status.
	Alerts, Resolved, Open int64
}

func (g GroupCounts) add(o GroupCounts, sign int64) GroupCounts {
	return GroupCounts{g.Alerts + sign*o.Alerts, g.Resolved + sign*o.Resolved, g.Open + sign*o.Open}
}

// groupID is one group: a field and its value.
type groupID struct {
	field Field
	key   string
}

// groupDelta is how a transaction changes one group of one day.
type groupDelta struct {
	counts                         map[int]GroupCounts
	ackAdd, ackDel, resAdd, resDel []uint64
}

func (g *groupDelta) changes() bool {
	if len(g.ackAdd)+len(g.ackDel)+len(g.resAdd)+len(g.resDel) > 0 {
		return true
	}
	for _, c := range g.counts {
		if c != (GroupCounts{}) {
			return true
		}
	}
	return false
}

// addGroups adds (sign 1) or takes away (sign −1) the contribution to its
// three groups of the day.
func (dd *dayDelta) addGroups(c *Contribution, slot int, sign int64) {
	counts := GroupCounts{Alerts: c.Counts[CountAlerts], Resolved: c.Counts[CountResolved], Open: c.Counts[CountOpen]}
	for _, f := range fields() {
		id := groupID{f, f.value(c)}
		g := entry(dd.groups, id, func() *groupDelta { return &groupDelta{counts: map[int]GroupCounts{}} })
		g.counts[slot] = g.counts[slot].add(counts, sign)
		if c.Counts[CountAcknowledged] == 1 {
			g.ackAdd, g.ackDel = addKey(g.ackAdd, g.ackDel, c.AcknowledgeKey, sign)
		}
		if c.Counts[CountResolvedAt] == 1 {
			g.resAdd, g.resDel = addKey(g.resAdd, g.resDel, c.ResolveKey, sign)
		}
	}
}

// Group is one group of a day as kept: its counters per bucket and its
// packed times. The bytes point into the encoded day.
type Group struct {
	Field                          Field
	Key                            []byte
	counts                         []byte
	AcknowledgeTimes, ResolveTimes []byte
}

// EachCount calls fn with the group's counters of each bucket that has
// any, in bucket order.
func (g *Group) EachCount(day int64, fn func(bucket int64, c GroupCounts)) error {
	b := g.counts
	for len(b) > 0 {
		if int64(b[0]) >= bucketsPerDay {
			return errCorrupt("groups")
		}
		slot := int64(b[0])
		b = b[1:]
		var v [3]int64
		for i := range v {
			x, n := binary.Varint(b)
			if n <= 0 {
				return errCorrupt("groups")
			}
			v[i], b = x, b[n:]
		}
		fn(day*bucketsPerDay+slot, GroupCounts{v[0], v[1], v[2]})
	}
	return nil
}

// DecodeGroups calls fn with each group encoded in b, by field then key in
// byte order. The encoding: per group, the field (one byte), the key's
// length and bytes, then three length-prefixed parts: per bucket with
// counters the slot (one byte) and the three counters (signed varints);
// the packed times to acknowledge; the packed times to resolve.
func DecodeGroups(b []byte, fn func(g *Group) error) error {
	var g Group
	for len(b) > 0 {
		g.Field = Field(b[0])
		b = b[1:]
		var ok [4]bool
		g.Key, ok[0] = prefixed(&b)
		g.counts, ok[1] = prefixed(&b)
		g.AcknowledgeTimes, ok[2] = prefixed(&b)
		g.ResolveTimes, ok[3] = prefixed(&b)
		if ok != [4]bool{true, true, true, true} {
			return errCorrupt("groups")
		}
		if err := fn(&g); err != nil {
			return err
		}
	}
	return nil
}

// groupState is one group of a day while a write applies its change.
type groupState struct {
	id       groupID
	counts   slots[GroupCounts]
	ack, res []byte
}

// applyGroups applies the day's group changes to the encoded groups.
func applyGroups(day int64, enc []byte, changes map[groupID]*groupDelta) ([]byte, error) {
	byID := map[groupID]*groupState{}
	get := func(id groupID) *groupState {
		return entry(byID, id, func() *groupState { return &groupState{id: id} })
	}
	err := DecodeGroups(enc, func(kept *Group) error {
		g := get(groupID{kept.Field, string(kept.Key)})
		g.ack, g.res = kept.AcknowledgeTimes, kept.ResolveTimes
		return kept.EachCount(day, func(bucket int64, c GroupCounts) {
			*g.counts.at(int(bucket - DayStart(day))) = c
		})
	})
	if err != nil {
		return nil, err
	}
	for id, d := range changes {
		g := get(id)
		for slot, c := range d.counts {
			p := g.counts.at(int(slot))
			*p = p.add(c, 1)
		}
		if g.ack, err = applyKeys(g.ack, d.ackAdd, d.ackDel); err != nil {
			return nil, err
		}
		if g.res, err = applyKeys(g.res, d.resAdd, d.resDel); err != nil {
			return nil, err
		}
	}
	all := slices.Collect(maps.Values(byID))
	slices.SortFunc(all, func(a, b *groupState) int {
		return cmp.Or(cmp.Compare(a.id.field, b.id.field), cmp.Compare(a.id.key, b.id.key))
	})
	var out, counts []byte
	for _, g := range all {
		counts = counts[:0]
		for _, e := range g.counts {
			if c := e.v; c != (GroupCounts{}) {
				counts = append(counts, byte(e.slot))
				counts = binary.AppendVarint(counts, c.Alerts)
				counts = binary.AppendVarint(counts, c.Resolved)
				counts = binary.AppendVarint(counts, c.Open)
			}
		}
		if len(counts)+len(g.ack)+len(g.res) == 0 {
			continue
		}
		out = append(out, byte(g.id.field))
		out = appendPrefixed(out, g.id.key)
		for _, p := range [][]byte{counts, g.ack, g.res} {
			out = appendPrefixed(out, p)
		}
	}
	return out, nil
}

// GroupTotals are one group's counters over a range, and the times to
// acknowledge and to resolve of its alerts, in whole seconds, unsorted.
type GroupTotals struct {
	GroupCounts
	AcknowledgeSeconds, ResolveSeconds []int64
}

// Groups sums, per value of field, the counters and collects the response
// times of the alerts created in [from, to): whole buckets from the kept
// groups, the buckets an instant cuts corrected from rows (see segment).
// Groups without alerts are left out.
func Groups(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time, field Field) (map[string]*GroupTotals, error) {
	seg := split(from, to)
	out := map[string]*GroupTotals{}
	get := func(key []byte) *GroupTotals {
		g := out[string(key)]
		if g == nil {
			g = &GroupTotals{}
			out[string(key)] = g
		}
		return g
	}
	w := newWindowRead(ctx, st, tenantID, seg)
	if lo, hi := seg.buckets.From, seg.buckets.To; lo < hi {
		if err := keptGroups(w, field, lo, hi, get); err != nil {
			return nil, err
		}
	}
	minus := map[string]*GroupTotals{}
	err := w.eachRow(func(a *store.Alert, sign int64) error {
		c := Of(a)
		key := field.value(&c)
		g := get([]byte(key))
		g.GroupCounts = g.GroupCounts.add(GroupCounts{c.Counts[CountAlerts], c.Counts[CountResolved], c.Counts[CountOpen]}, sign)
		dst := g
		if sign < 0 {
			if dst = minus[key]; dst == nil {
				dst = &GroupTotals{}
				minus[key] = dst
			}
		}
		if c.Counts[CountAcknowledged] == 1 {
			dst.AcknowledgeSeconds = append(dst.AcknowledgeSeconds, KeySeconds(c.AcknowledgeKey))
		}
		if c.Counts[CountResolvedAt] == 1 {
			dst.ResolveSeconds = append(dst.ResolveSeconds, KeySeconds(c.ResolveKey))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	finishGroups(out, minus)
	return out, nil
}

// keptGroups adds the kept groups of field in the buckets [lo, hi) to
// the totals get returns for each group's key.
func keptGroups(w *windowRead, field Field, lo, hi int64, get func(key []byte) *GroupTotals) error {
	var keys []uint64
	return eachDayGroups(w, DayOf(lo), DayAfter(hi), func(day int64, b []byte) error {
		whole := DayStart(day) >= lo && DayStart(day+1) <= hi
		return DecodeGroups(b, func(kept *Group) error {
			if kept.Field != field {
				return nil
			}
			g := get(kept.Key)
			err := kept.EachCount(day, func(bucket int64, c GroupCounts) {
				if bucket >= lo && bucket < hi {
					g.GroupCounts = g.GroupCounts.add(c, 1)
				}
			})
			if err != nil {
				return err
			}
			for _, t := range []struct {
				enc []byte
				dst *[]int64
			}{{kept.AcknowledgeTimes, &g.AcknowledgeSeconds}, {kept.ResolveTimes, &g.ResolveSeconds}} {
				if keys, err = appendKeys(keys[:0], t.enc, day, lo, hi, whole); err != nil {
					return err
				}
				for _, k := range keys {
					*t.dst = append(*t.dst, KeySeconds(k))
				}
			}
			return nil
		})
	})
}

// finishGroups takes the times of minus (alerts after the window in its
// last bucket) out of out's groups and drops the groups left without
// alerts.
func finishGroups(out, minus map[string]*GroupTotals) {
	for key, m := range minus {
		g := out[key]
		g.AcknowledgeSeconds = withoutSeconds(g.AcknowledgeSeconds, m.AcknowledgeSeconds)
		g.ResolveSeconds = withoutSeconds(g.ResolveSeconds, m.ResolveSeconds)
	}
	for key, g := range out {
		if g.Alerts <= 0 {
			delete(out, key)
		}
	}
}

// withoutSeconds removes one occurrence of each of minus from values.
func withoutSeconds(values, minus []int64) []int64 {
	if len(minus) == 0 {
		return values
	}
	left := map[int64]int{}
	for _, v := range minus {
		left[v]++
	}
	out := values[:0]
	for _, v := range values {
		if left[v] > 0 {
			left[v]--
			continue
		}
		out = append(out, v)
	}
	return out
}
