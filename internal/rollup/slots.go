package rollup

import "slices"

// slots is one day's values of a category, kind or group per slot, kept
// sparse: only the slots given a value, in slot order. A write re-encodes
// every category, kind and group of the day it touches, and most have
// values in a few of the day's 96 slots, so a dense array per entry
// would allocate kilobytes per write for nothing.
type slots[V comparable] []slotValue[V]

type slotValue[V comparable] struct {
	slot int
	v    V
}

// at returns the value of slot, added as the zero value in its place
// first when there is none. Decoding adds slots in order, so the common
// case appends.
func (s *slots[V]) at(slot int) *V {
	n := len(*s)
	if n == 0 || (*s)[n-1].slot < slot {
		*s = append(*s, slotValue[V]{slot: slot})
		return &(*s)[n].v
	}
	i, found := slices.BinarySearchFunc(*s, slot, func(e slotValue[V], slot int) int { return e.slot - slot })
	if !found {
		*s = slices.Insert(*s, i, slotValue[V]{slot: slot})
	}
	return &(*s)[i].v
}

// nonZero returns how many slots hold a value other than the zero value.
func (s slots[V]) nonZero() int {
	var zero V
	n := 0
	for _, e := range s {
		if e.v != zero {
			n++
		}
	}
	return n
}
