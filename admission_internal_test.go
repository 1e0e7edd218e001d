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

// TestFairQueue: a tenant holding every place with a full queue has its
// next call refused at once; places that free go to the tenants with
// calls waiting in turn, so another tenant's call is admitted before the
// storming tenant's queued ones; when everything is done no tenant has
// state left.
func TestFairQueue(t *testing.T) {
	t.Parallel()
	q := newFairQueue("writes", 2, 2, time.Hour)
	storm, quiet, other := uuid.New(), uuid.New(), uuid.New()
	var leaves []func()
	for range 2 { // the storm takes both places at once
		leave, err := q.enter(context.Background(), storm)
		require.NoError(t, err)
		leaves = append(leaves, leave)
	}
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

	// Each place that frees goes to the next tenant in turn: the storm's
	// first queued call (it queued first), then the quiet tenant's, then
	// the other's, and only then the storm's second.
	leaves[0]()
	require.Equal(t, "storm 1", <-order)
	leaves[1]()
	require.Equal(t, "quiet", <-order)
	close(release) // storm 1 and quiet leave: other, then storm 2
	require.ElementsMatch(t, []string{"other", "storm 2"}, []string{<-order, <-order})
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running == 0 && len(q.waiting) == 0 && len(q.turn) == 0
	}, 5*time.Second, time.Millisecond, "idle tenants keep no state")
}

// TestFairQueueAlone: a tenant alone uses every place, and the call past
// them waits for one.
func TestFairQueueAlone(t *testing.T) {
	t.Parallel()
	q := newFairQueue("reads", 3, 1, time.Hour)
	tenant := uuid.New()
	var leaves []func()
	for range 3 {
		leave, err := q.enter(context.Background(), tenant)
		require.NoError(t, err, "a tenant alone takes every place")
		leaves = append(leaves, leave)
	}
	order := make(chan string, 1)
	release := make(chan struct{})
	admitted(q, tenant, "fourth", order, release)
	queued(t, q, tenant, 1)
	leaves[2]()
	require.Equal(t, "fourth", <-order)
	close(release)
	leaves[0]()
	leaves[1]()
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.running == 0
	}, 5*time.Second, time.Millisecond)
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
