package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/store"
)

// testContractErrors calls the contract's methods directly, as the root
// package's flows would, and checks each documented error case: a missing
// row wraps store.ErrNotFound, a used idempotency key is found, fn's error comes back through Write and rolls back, and a
// cancelled context writes nothing.
func testContractErrors(t *testing.T, st flows) {
	ctx := context.Background()
	base := at(t, "2026-11-02T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, base))

	// Reads: a missing alert, and another tenant's alert, are not found.
	_, err := st.Alert(ctx, tenantA(), id(2))
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.Alert(ctx, tenantB(), id(1))
	require.ErrorIs(t, err, store.ErrNotFound)
	requireDayRowsContract(t, st, base)
	requireWriteContract(t, st, base)
	// A cancelled context: the write fails with the context's error and
	// stores nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = st.Write(cctx, tenantA(), store.WriteOptions{Exclusive: true}, func(tx store.Tx) error {
		_, _, err := tx.InsertAlerts(cctx, tenantA(), []store.Alert{alert(tenantA(), 3, base)}, nil)
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantA()))
}

// requireDayRowsContract checks DayRows over no rows, one day's row with
// facts asked beside it, and facts alone.
func requireDayRowsContract(t *testing.T, st flows, base time.Time) {
	ctx := context.Background()
	// No day rows in a range is not an error, and fn is never called.
	calls := 0
	noFacts := func(i int, a *store.Alert) error {
		return fmt.Errorf("facts called with range %d, alert %s: none asked", i, a.ID)
	}
	require.NoError(t, st.DayRows(ctx, tenantB(), store.DayQuery{FromDay: 0, ToDay: 1 << 40, Columns: store.AllDayColumns},
		func(*store.DayRow) error { calls++; return nil }, noFacts))
	require.Zero(t, calls)
	// The one alert's day (2026-11-02 is day 20,759 since 1970-01-01) has one row
	// through DayRows, carrying the columns asked for only; of the two
	// ranges of facts asked with it, the first holds the alert (created at
	// its start) and the second, from a millisecond after, nothing.
	var facts []int
	require.NoError(t, st.DayRows(ctx, tenantA(), store.DayQuery{FromDay: 20759, ToDay: 20760, Columns: store.DayCounts,
		Facts: []store.TimeRange{{From: base, To: base.Add(time.Millisecond)}, {From: base.Add(time.Millisecond), To: base.Add(time.Hour)}}},
		func(r *store.DayRow) error {
			calls++
			require.Equal(t, int64(20759), r.Day)
			require.Equal(t, 1, r.Stripes)
			require.NotEmpty(t, r.Counts)
			require.Nil(t, r.Groups)
			return nil
		}, func(i int, a *store.Alert) error {
			require.Equal(t, id(1), a.ID)
			require.Equal(t, base, a.CreatedAt)
			facts = append(facts, i)
			return nil
		}))
	require.Equal(t, 1, calls)
	require.Equal(t, []int{0}, facts)
	// An empty day range reads the facts alone.
	facts = nil
	require.NoError(t, st.DayRows(ctx, tenantA(), store.DayQuery{Facts: []store.TimeRange{{From: base, To: base.Add(time.Hour)}}},
		func(*store.DayRow) error { calls++; return nil }, func(i int, a *store.Alert) error { facts = append(facts, i); return nil }))
	require.Equal(t, 1, calls)
	require.Equal(t, []int{0}, facts)

}

// requireWriteContract checks, inside a write, LockAlert's not found and
// its key, and that fn's error rolls back what fn wrote.
func requireWriteContract(t *testing.T, st flows, base time.Time) {
	ctx := context.Background()
	// Inside a write: a missing alert wraps ErrNotFound; LockAlert returns
	// the alert with its day's row and, once an interaction with the key
	// is stored, that interaction, even for a missing alert; fn's error is
	// what Write returns, and what fn wrote is gone.
	boom := errors.New("boom")
	in := interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(60e9))
	in.IdempotencyKey = "k1"
	err := st.Write(ctx, tenantA(), store.WriteOptions{}, func(tx store.Tx) error {
		if _, err := tx.LockAlert(ctx, tenantA(), store.AlertLockRequest{AlertID: id(2)}); !errors.Is(err, store.ErrNotFound) {
			return errors.Join(errors.New("LockAlert of a missing alert"), err)
		}
		if _, err := tx.LockAlert(ctx, tenantA(), store.AlertLockRequest{AlertID: id(2), Key: "k1"}); !errors.Is(err, store.ErrNotFound) {
			return errors.Join(errors.New("LockAlert of a missing alert with an unused key"), err)
		}
		lock, err := tx.LockAlert(ctx, tenantA(), store.AlertLockRequest{AlertID: id(1), Key: "k1", Days: true})
		if err != nil {
			return errors.Join(errors.New("LockAlert"), err)
		}
		if lock.Alert.ID != id(1) || lock.Duplicate != nil || len(lock.Days) != 1 || lock.Days[0].Day != 20759 || len(lock.Days[0].Counts) == 0 {
			return fmt.Errorf("LockAlert of alert 1 with an unused key and its day: alert %s, duplicate %v, %d day rows, want alert %s, no duplicate, one row of day 20759",
				lock.Alert.ID, lock.Duplicate, len(lock.Days), id(1))
		}
		if err := tx.InsertInteraction(ctx, in); err != nil {
			return errors.Join(errors.New("InsertInteraction"), err)
		}
		lock, err = tx.LockAlert(ctx, tenantA(), store.AlertLockRequest{AlertID: id(2), Key: "k1"})
		if err != nil || lock.Duplicate == nil || lock.Duplicate.ID != in.ID {
			return errors.Join(fmt.Errorf("LockAlert of a missing alert with a used key: want the interaction %s, got %+v", in.ID, lock.Duplicate), err)
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantA()), "the rolled-back write left nothing")

}

// testContractReads checks the reads the people and flapping insights
// make: Interactions hands each interaction of the range in
// (interacted_at, id) order, AcknowledgedAlerts the alerts whose
// acknowledged_at falls in a range, and ResolvedWithin the alerts of the
// range resolved less than the bound after they were created.
func testContractReads(t *testing.T, st flows) {
	ctx := context.Background()
	base := at(t, "2026-11-02T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, base), alert(tenantA(), 2, base.Add(time.Minute)), alert(tenantA(), 3, base.Add(2*time.Minute)))
	insert(t, st, tenantB(), alert(tenantB(), 1, base))
	// Alert 1: acknowledged at +10 min, then by a late sync at +5 min,
	// resolved at +20 min. Alert 2, created at +1 min: resolved at +2 min
	// 59.999 s, 119,999 ms after its creation. Alert 3: open. Tenant B's alert 1 is
	// resolved at +1 s and never shows.
	ack10 := interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(10*time.Minute))
	ack5 := interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(5*time.Minute))
	res1 := interaction(tenantA(), id(1), store.InteractionResolved, base.Add(20*time.Minute))
	res2 := interaction(tenantA(), id(2), store.InteractionResolved, base.Add(3*time.Minute-time.Millisecond))
	record(t, st, tenantA(), ack10, ack5, res1, res2)
	record(t, st, tenantB(), interaction(tenantB(), id(1), store.InteractionResolved, base.Add(time.Second)))

	type seen struct {
		alert uuid.UUID
		typ   store.InteractionType
		at    time.Time
		rts   int64
	}
	var got []seen
	require.NoError(t, st.Interactions(ctx, tenantA(), base, base.Add(20*time.Minute), func(in *store.Interaction) error {
		require.Equal(t, tenantA(), in.TenantID)
		require.Equal(t, userID(), in.UserID)
		require.Equal(t, uuid.Nil, in.ID, "ID is left empty")
		got = append(got, seen{in.AlertID, in.Type, in.InteractedAt, in.ResponseTimeSeconds})
		return nil
	}))
	// [base, +20 min): the resolution at +20 min is outside; response
	// times 119 s, 300 s, 600 s, in interacted_at order.
	require.Equal(t, []seen{{id(2), store.InteractionResolved, res2.InteractedAt, 119},
		{id(1), store.InteractionAcknowledged, ack5.InteractedAt, 300},
		{id(1), store.InteractionAcknowledged, ack10.InteractedAt, 600}}, got)

	requireAcknowledgedAlerts(t, st, base)
	requireResolvedWithin(t, st, base)
}

// requireAcknowledgedAlerts checks AcknowledgedAlerts over
// testContractReads' data.
func requireAcknowledgedAlerts(t *testing.T, st flows, base time.Time) {
	ctx := context.Background()
	// Alert 1's acknowledged_at is the late sync's +5 min: inside
	// [base, +6 min), outside [+6 min, +1 h); tenant B's alert never shows.
	acked := func(from, to time.Duration) []uuid.UUID {
		var ids []uuid.UUID
		require.NoError(t, st.AcknowledgedAlerts(ctx, tenantA(), base.Add(from), base.Add(to), func(id uuid.UUID) error {
			ids = append(ids, id)
			return nil
		}))
		return ids
	}
	require.Equal(t, []uuid.UUID{id(1)}, acked(0, 6*time.Minute))
	require.Empty(t, acked(6*time.Minute, time.Hour))
	require.Empty(t, acked(0, 5*time.Minute))

}

// requireResolvedWithin checks ResolvedWithin over testContractReads'
// data.
func requireResolvedWithin(t *testing.T, st flows, base time.Time) {
	ctx := context.Background()
	var resolved []uuid.UUID
	within := func(d time.Duration) []uuid.UUID {
		resolved = nil
		require.NoError(t, st.ResolvedWithin(ctx, tenantA(), base, base.Add(time.Hour), d, func(a *store.Alert) error {
			require.NotNil(t, a.ResolvedAt)
			resolved = append(resolved, a.ID)
			return nil
		}))
		return resolved
	}
	// Alert 2 took 119,999 ms, alert 1 1,200,000 ms.
	require.Empty(t, within(119999*time.Millisecond))
	require.Equal(t, []uuid.UUID{id(2)}, within(120000*time.Millisecond))
	require.Equal(t, []uuid.UUID{id(2)}, within(20*time.Minute))
	require.Equal(t, []uuid.UUID{id(1), id(2)}, within(20*time.Minute+time.Millisecond))
	// A range that starts after alert 1's creation leaves it out.
	require.NoError(t, st.ResolvedWithin(ctx, tenantA(), base.Add(time.Millisecond), base.Add(time.Hour), time.Hour, func(a *store.Alert) error {
		require.Equal(t, id(2), a.ID)
		return nil
	}))
}
