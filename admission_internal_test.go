package alertanalytics

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// queued waits until the tenant has n calls waiting in q.
func queued(t *testing.T, q *fairQueue, tenantID uuid.UUID, n int) {
	t.Helper()
	for {
		q.mu.Lock()
		got := len(q.waiting[tenantID])
		q.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

// admitted starts a call of the tenant that waits for a place and sends
// its name on order once admitted, then holds the place until release.
func admitted(q *fairQueue, tenantID uuid.UUID, name string, order chan<- string, release <-chan struct{}) {
	go func() {
		leave, err := q.enter(context.Background(), tenantID)
		if err != nil {
			order <- name + ": " + err.Error()
			return
		}
		order <- name
		<-release
		leave()
	}()
}

// entered takes n places for the tenant, each admitted at once, and
// returns the functions that give them back.
func entered(t *testing.T, q *fairQueue, tenantID uuid.UUID, n int) []func() {
	t.Helper()
	var leaves []func()
	for range n {
		leave, err := q.enter(context.Background(), tenantID)
		require.NoError(t, err, "admitted at once")
		leaves = append(leaves, leave)
	}
	return leaves
}

// requireIdle waits until q has no call running or waiting and keeps no
// state for any tenant.
func requireIdle(t *testing.T, q *fairQueue) {
	t.Helper()
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running == 0 && len(q.waiting) == 0 && len(q.turn) == 0 && len(q.runs) == 0
	}, 5*time.Second, time.Millisecond, "idle tenants keep no state")
}

// fixedClock stops q's clock at one instant, so whether a tenant is
// active does not depend on how fast the test runs.
func fixedClock(q *fairQueue) *time.Time {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	q.now = func() time.Time { return now }
	return &now
}

// TestFairQueue: a tenant holding every place with a full queue has its
// next call refused at once; places that free go to the tenants with
// calls waiting in turn, so another tenant's call is admitted before the
// storming tenant's queued ones, and while others are active the storm
// runs at most its share (3 of 4 places); when everything is done no
// tenant has state left.
func TestFairQueue(t *testing.T) {
	t.Parallel()
	q := newFairQueue("writes", 4, 2, time.Hour)
	fixedClock(q)
	storm, quiet, other := uuid.New(), uuid.New(), uuid.New()
	leaves := entered(t, q, storm, 4) // alone, the storm takes every place at once
	order := make(chan string, 8)
	release := make(chan struct{})
	admitted(q, storm, "storm 1", order, release)
	queued(t, q, storm, 1)
	admitted(q, storm, "storm 2", order, release)
	queued(t, q, storm, 2)
	// Its queue is full: refused at once, without waiting.
	_, err := q.enter(context.Background(), storm)
	require.ErrorIs(t, err, ErrOverloaded)
	require.Equal(t, RefusedTenantQueue, refusalReason(err))
	admitted(q, quiet, "quiet", order, release)
	queued(t, q, quiet, 1)
	admitted(q, other, "other", order, release)
	queued(t, q, other, 1)

	// Others are active now: the storm's share is 3 of the 4 places. The
	// place its first call frees leaves it at 3 running, at its share, so
	// the place goes past it (first in turn) to the quiet tenant; the
	// next finds the storm below its share and first in turn; the next
	// goes to the other tenant, then the storm's second.
	leaves[0]()
	require.Equal(t, "quiet", <-order)
	leaves[1]()
	require.Equal(t, "storm 1", <-order)
	leaves[2]()
	require.Equal(t, "other", <-order)
	q.mu.Lock()
	require.Equal(t, 4, q.running)
	require.Equal(t, map[uuid.UUID]int{storm: 2, quiet: 1, other: 1}, q.runs)
	q.mu.Unlock()
	leaves[3]()
	require.Equal(t, "storm 2", <-order)
	close(release)
	requireIdle(t, q)
}

// TestFairQueueShare: while another tenant is active, a tenant takes at
// most its share even with places free, and the place it leaves is taken
// at once by another tenant's call; a second after the other tenant's
// last call, the tenant may use every place again.
func TestFairQueueShare(t *testing.T) {
	t.Parallel()
	q := newFairQueue("writes", 4, 4, time.Hour)
	now := fixedClock(q)
	storm, quiet := uuid.New(), uuid.New()
	leaveQuiet, err := q.enter(context.Background(), quiet)
	require.NoError(t, err)
	leaveQuiet() // the quiet tenant was here a moment ago
	leaves := entered(t, q, storm, 3)
	order := make(chan string, 4)
	release := make(chan struct{})
	admitted(q, storm, "storm 4", order, release)
	queued(t, q, storm, 1) // a place is free, but not for the storm
	leaveQuiet, err = q.enter(context.Background(), quiet)
	require.NoError(t, err, "the quiet tenant's call finds the place free")
	select {
	case got := <-order:
		t.Fatalf("%s admitted beyond its share", got)
	default:
	}
	leaveQuiet()
	// The quiet tenant's last call started 999 ms ago: the storm still
	// keeps its share.
	*now = now.Add(999 * time.Millisecond)
	leaves[2]()
	require.Equal(t, "storm 4", <-order, "below its share, the storm's next call gets a place")
	q.mu.Lock()
	require.Equal(t, 3, q.runs[storm])
	require.Equal(t, 3, q.share(storm, q.now()), "a place stays free for the others")
	q.mu.Unlock()
	// A second after it, the storm is alone: it may take every place.
	*now = now.Add(time.Millisecond)
	leave, err := q.enter(context.Background(), storm)
	require.NoError(t, err)
	q.mu.Lock()
	require.Equal(t, 4, q.runs[storm], "a tenant alone uses every place")
	q.mu.Unlock()
	leave()
	close(release)
	leaves[0]()
	leaves[1]()
	requireIdle(t, q)
}

// TestFairQueueAlone: a tenant alone uses every place, and the call past
// them waits for one.
func TestFairQueueAlone(t *testing.T) {
	t.Parallel()
	q := newFairQueue("reads", 3, 1, time.Hour)
	tenant := uuid.New()
	leaves := entered(t, q, tenant, 3) // a tenant alone takes every place
	order := make(chan string, 1)
	release := make(chan struct{})
	admitted(q, tenant, "fourth", order, release)
	queued(t, q, tenant, 1)
	leaves[2]()
	require.Equal(t, "fourth", <-order)
	close(release)
	leaves[0]()
	leaves[1]()
	requireIdle(t, q)
}

// TestFairQueueGivesUp: a call that waits its whole bound is refused with
// queue_timeout and leaves the queue; one whose context ends gets the
// context's error; the place they never had is not lost.
func TestFairQueueGivesUp(t *testing.T) {
	t.Parallel()
	q := newFairQueue("writes", 1, 4, 10*time.Millisecond)
	a, b := uuid.New(), uuid.New()
	leave, err := q.enter(context.Background(), a)
	require.NoError(t, err)
	_, err = q.enter(context.Background(), b)
	require.ErrorIs(t, err, ErrOverloaded)
	require.Equal(t, RefusedQueueTimeout, refusalReason(err))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = q.enter(ctx, b)
	require.True(t, errors.Is(err, context.Canceled))
	require.Empty(t, refusalReason(err))
	q.mu.Lock()
	require.Empty(t, q.waiting)
	require.Empty(t, q.turn)
	q.mu.Unlock()
	leave()
	leave2, err := q.enter(context.Background(), b)
	require.NoError(t, err, "the freed place is free")
	leave2()
}

// TestFairQueueShareRefusal: a call that gives up waiting while its
// tenant runs its whole share, other tenants holding the rest, is refused
// as tenant_share; with every place its tenant's own it is queue_timeout.
func TestFairQueueShareRefusal(t *testing.T) {
	t.Parallel()
	q := newFairQueue("writes", 4, 4, 10*time.Millisecond)
	fixedClock(q)
	storm, quiet := uuid.New(), uuid.New()
	leaves := entered(t, q, storm, 4)
	_, err := q.enter(context.Background(), storm)
	require.Equal(t, RefusedQueueTimeout, refusalReason(err), "alone, every place its own")
	leaves[3]()
	leaveQuiet, err := q.enter(context.Background(), quiet)
	require.NoError(t, err)
	_, err = q.enter(context.Background(), storm)
	require.ErrorIs(t, err, ErrOverloaded)
	require.Equal(t, RefusedTenantShare, refusalReason(err), "held to its share of 3 while the quiet tenant runs")
	leaveQuiet()
	for _, leave := range leaves[:3] {
		leave()
	}
}

// TestFairQueueShareLeavesOnePlace: while another tenant is active a
// tenant runs every place but one, whatever the number of places (3 of
// 4, 7 of 8), and with one place it keeps it; alone it runs them all.
func TestFairQueueShareLeavesOnePlace(t *testing.T) {
	storm, quiet := uuid.New(), uuid.New()
	for places, want := range map[int]int{1: 1, 2: 1, 4: 3, 8: 7} {
		q := newFairQueue("writes", places, 4, time.Second)
		now := fixedClock(q)
		require.Equal(t, places, q.share(storm, *now), "alone, %d places", places)
		for _, leave := range entered(t, q, quiet, 1) {
			leave()
		}
		require.Equal(t, want, q.share(storm, *now), "beside an active tenant, %d places", places)
		*now = now.Add(activeFor)
		require.Equal(t, places, q.share(storm, *now), "a second after the other tenant's call, %d places", places)
	}
}
