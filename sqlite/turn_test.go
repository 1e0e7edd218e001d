package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// queueTurn starts a goroutine that takes w's turn as tenant, appends
// name to *order once it has it and gives the turn back, and returns
// when that goroutine is waiting in line.
func queueTurn(t *testing.T, w *writerTurn, wg *sync.WaitGroup, mu *sync.Mutex, order *[]string, tenant uuid.UUID, name string) {
	t.Helper()
	w.mu.Lock()
	before := len(w.waiting)
	w.mu.Unlock()
	wg.Go(func() {
		if err := w.take(context.Background(), tenant); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		*order = append(*order, name)
		mu.Unlock()
		w.give()
	})
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.waiting) == before+1
	}, 5*time.Second, time.Millisecond)
}

// TestWriterTurnAlternatesTenants: with tenant A holding the writer and
// three more of A's writes in line before one of B's and one of C's, B
// writes next, then A's oldest, then C, then A's others in their order.
func TestWriterTurnAlternatesTenants(t *testing.T) {
	var w writerTurn
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	require.NoError(t, w.take(context.Background(), a))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var order []string
	for _, q := range []struct {
		tenant uuid.UUID
		name   string
	}{{a, "a1"}, {a, "a2"}, {a, "a3"}, {b, "b1"}, {c, "c1"}} {
		queueTurn(t, &w, &wg, &mu, &order, q.tenant, q.name)
	}
	w.give()
	wg.Wait()
	require.Equal(t, []string{"b1", "a1", "c1", "a2", "a3"}, order)
	require.False(t, w.busy)
}

// TestWriterTurnOneTenantInOrder: one tenant's writes take the writer in
// the order they asked for it.
func TestWriterTurnOneTenantInOrder(t *testing.T) {
	var w writerTurn
	a := uuid.New()
	require.NoError(t, w.take(context.Background(), a))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var order []string
	for _, name := range []string{"1", "2", "3", "4"} {
		queueTurn(t, &w, &wg, &mu, &order, a, name)
	}
	w.give()
	wg.Wait()
	require.Equal(t, []string{"1", "2", "3", "4"}, order)
}

// TestWriterTurnGivenUp: a write whose context ends leaves the line, and
// the writer given back with no one waiting is free.
func TestWriterTurnGivenUp(t *testing.T) {
	var w writerTurn
	a, b := uuid.New(), uuid.New()
	require.NoError(t, w.take(context.Background(), a))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.take(ctx, b) }()
	require.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.waiting) == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Empty(t, w.waiting)
	w.give()
	require.False(t, w.busy)

}
