package sqlite

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// writerTurn hands the single writer connection to one write
// transaction at a time. database/sql gives a freed connection to a
// waiter chosen at random, so a write could lose again and again (with
// four waiting, one in a hundred waits 16 turns or more); here a write
// waits in line instead, and when the writer is given back it goes to
// the oldest waiter of a tenant other than the one that just wrote, or
// to the oldest waiter when every waiter is that tenant's. A tenant's
// writes queued at once therefore cannot keep another tenant's write
// behind them all: it waits for at most the transaction running. The
// line holds only the writes waiting now, nothing per tenant. Writes of
// no tenant (migrations, the digest ledger) pass uuid.Nil, a tenant of
// their own for this purpose.
type writerTurn struct {
	mu      sync.Mutex
	busy    bool
	last    uuid.UUID // the tenant that holds or last held the writer
	waiting []*turnWaiter
}

type turnWaiter struct {
	tenant uuid.UUID
	ready  chan struct{} // closed when the writer is this waiter's
}

// take waits for the writer's turn, or until ctx ends.
func (w *writerTurn) take(ctx context.Context, tenant uuid.UUID) error {
	w.mu.Lock()
	if !w.busy {
		w.busy, w.last = true, tenant
		w.mu.Unlock()
		return nil
	}
	me := &turnWaiter{tenant: tenant, ready: make(chan struct{})}
	w.waiting = append(w.waiting, me)
	w.mu.Unlock()
	select {
	case <-me.ready:
		return nil
	case <-ctx.Done():
	}
	w.mu.Lock()
	if i := slices.Index(w.waiting, me); i >= 0 {
		w.waiting = slices.Delete(w.waiting, i, i+1)
		w.mu.Unlock()
		return ctx.Err()
	}
	w.mu.Unlock()
	w.give() // the turn came as ctx ended: pass it on
	return ctx.Err()
}

// give hands the writer to the next in line (see writerTurn), or frees
// it when no write waits.
func (w *writerTurn) give() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.waiting) == 0 {
		w.busy = false
		return
	}
	i := max(0, slices.IndexFunc(w.waiting, func(x *turnWaiter) bool { return x.tenant != w.last }))
	next := w.waiting[i]
	w.waiting = slices.Delete(w.waiting, i, i+1)
	w.last = next.tenant
	close(next.ready)
}
