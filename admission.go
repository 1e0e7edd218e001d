package alertanalytics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// ErrOverloaded is returned, wrapped, when a call could not start within
// Config.QueueTimeout because as many calls of its kind as Config allows
// were already running, when its tenant already had as many calls of its
// kind waiting as Config.TenantQueue allows, or when the store gave up
// waiting for a lock or a connection within its own bound. Nothing was
// written: retry later. The httpapi adapter answers it with 503 and
// Retry-After.
var ErrOverloaded = store.ErrOverloaded

// Default bounds of admission (see Config).
const (
	DefaultMaxWrites    = 4
	DefaultMaxReads     = 8
	DefaultQueueTimeout = 500 * time.Millisecond
	DefaultTenantQueue  = 8
)

// Why a call was refused, as the refusals metric names it (see Config).
const (
	// RefusedTenantQueue: the tenant already had Config.TenantQueue calls
	// of the kind waiting; refused at once.
	RefusedTenantQueue = "tenant_queue"
	// RefusedQueueTimeout: no place freed for the call within
	// Config.QueueTimeout.
	RefusedQueueTimeout = "queue_timeout"
	// RefusedTenantShare: as RefusedQueueTimeout, but when the call gave
	// up its tenant was running its whole share of the places while
	// other tenants were active (see Config.MaxWrites): the other
	// tenants' calls held the rest.
	RefusedTenantShare = "tenant_share"
	// RefusedLockWait: admitted, the call's store gave up waiting for a
	// lock or a connection within its own bound.
	RefusedLockWait = "lock_wait"
)

// refusal is an admission's ErrOverloaded with its reason.
type refusal struct {
	reason string
	msg    string
}

func (r *refusal) Error() string { return r.msg + ": " + ErrOverloaded.Error() }
func (r *refusal) Unwrap() error { return ErrOverloaded }

// refusalReason names why err refused a call, "" when it did not.
func refusalReason(err error) string {
	var r *refusal
	switch {
	case errors.As(err, &r):
		return r.reason
	case errors.Is(err, ErrOverloaded):
		return RefusedLockWait
	}
	return ""
}

// gate admits calls: at most a fixed number of writes and, apart from
// them, of reads run at once, each kind dispatched fairly among tenants
// (see fairQueue). Writes and reads have places of their own, so a surge
// of writes never takes the places the dashboard's reads need, and past
// capacity work is refused quickly instead of queuing until clients time
// out.
type gate struct {
	writes, reads *fairQueue
}

func newGate(cfg Config) gate {
	maxWrites, maxReads, wait, queue := cfg.MaxWrites, cfg.MaxReads, cfg.QueueTimeout, cfg.TenantQueue
	if maxWrites <= 0 {
		maxWrites = DefaultMaxWrites
	}
	if maxReads <= 0 {
		maxReads = DefaultMaxReads
	}
	if wait <= 0 {
		wait = DefaultQueueTimeout
	}
	if queue <= 0 {
		queue = DefaultTenantQueue
	}
	return gate{writes: newFairQueue("writes", maxWrites, queue, wait), reads: newFairQueue("reads", maxReads, queue, wait)}
}

// fairQueue admits the calls of one kind: at most places of them run at
// once. A call that finds every place taken, or other calls waiting, waits
// in its tenant's queue; a place that frees goes straight to the first
// call of the next tenant with one waiting, tenant after tenant in turn
// (round robin over the tenants, as Kubernetes API Priority and Fairness
// dispatches its flows). So a tenant that floods the service waits behind
// every other tenant's next call, not the other way round.
//
// A tenant's share: while another tenant has started a call within the
// last second, no tenant runs more than all the places but one (when
// there are two or more), so the next call of any other tenant finds a
// place free at once instead of waiting for the flooding tenant's calls
// to end. One place, not a share of them: where a call's time is mostly
// the database's round trips, the flooding tenant's rate falls by the
// places it leaves, and a quarter of four or eight would cost it a
// quarter of its rate. A tenant alone may use every place (work-conserving).
// A tenant's queue holds at most perTenant calls: its excess is refused
// at once, and a call that waits longer than wait is refused. Only
// tenants with calls running or waiting have state here, and the two
// tenants that started a call last.
type fairQueue struct {
	what      string
	places    int
	perTenant int
	wait      time.Duration

	mu      sync.Mutex
	running int
	waiting map[uuid.UUID][]*waiter
	turn    []uuid.UUID       // the tenants with calls waiting, in the order they get places
	runs    map[uuid.UUID]int // calls running, per tenant with any
	// last are the two tenants that started a call last, the latest
	// first, and when: whether a tenant other than a given one is active.
	last [2]arrival
	// now is the clock that says how long ago (time.Now; tests set their
	// own).
	now func() time.Time
}

// arrival is a tenant starting a call.
type arrival struct {
	tenantID uuid.UUID
	at       time.Time
}

// activeFor is how long a tenant counts as active after it starts a call.
const activeFor = time.Second

// waiter is a call waiting for a place; ready is closed when one is handed
// to it.
type waiter struct{ ready chan struct{} }

func newFairQueue(what string, places, perTenant int, wait time.Duration) *fairQueue {
	return &fairQueue{what: what, places: places, perTenant: perTenant, wait: wait,
		waiting: map[uuid.UUID][]*waiter{}, runs: map[uuid.UUID]int{}, now: time.Now}
}

// arrive notes that the tenant starts a call at now; q.mu is held.
func (q *fairQueue) arrive(tenantID uuid.UUID, now time.Time) {
	if q.last[0].tenantID != tenantID {
		q.last[1] = q.last[0]
	}
	q.last[0] = arrival{tenantID, now}
}

// share is how many calls the tenant may run at once now: every place
// when no other tenant started a call within activeFor, else all but one
// (a single place stays the tenant's); q.mu is held.
func (q *fairQueue) share(tenantID uuid.UUID, now time.Time) int {
	for _, a := range q.last {
		if a.tenantID != tenantID && !a.at.IsZero() && now.Sub(a.at) < activeFor {
			return max(q.places-1, 1)
		}
	}
	return q.places
}

// enter takes a place for a call of the tenant, waiting in its queue when
// none is free, and returns the function that gives it back.
func (q *fairQueue) enter(ctx context.Context, tenantID uuid.UUID) (func(), error) {
	q.mu.Lock()
	now := q.now()
	q.arrive(tenantID, now)
	if q.running < q.places && len(q.turn) == 0 && q.runs[tenantID] < q.share(tenantID, now) {
		q.running++
		q.runs[tenantID]++
		q.mu.Unlock()
		return q.leaver(tenantID), nil
	}
	queued := q.waiting[tenantID]
	if len(queued) >= q.perTenant {
		q.mu.Unlock()
		return nil, &refusal{RefusedTenantQueue, fmt.Sprintf("the tenant already has %d %s waiting", len(queued), q.what)}
	}
	w := &waiter{ready: make(chan struct{})}
	if len(queued) == 0 {
		q.turn = append(q.turn, tenantID)
	}
	q.waiting[tenantID] = append(queued, w)
	q.dispatch(now)
	q.mu.Unlock()

	t := time.NewTimer(q.wait)
	defer t.Stop()
	var err error
	select {
	case <-w.ready:
		return q.leaver(tenantID), nil
	case <-t.C:
		err = &refusal{RefusedQueueTimeout, fmt.Sprintf("%d %s already running for %s", q.places, q.what, q.wait)}
	case <-ctx.Done():
		err = ctx.Err()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var r *refusal
	if n := q.runs[tenantID]; errors.As(err, &r) && n < q.places && n >= q.share(tenantID, q.now()) {
		err = &refusal{RefusedTenantShare, fmt.Sprintf("the tenant ran its share, %d %s, for %s while other tenants were active", n, q.what, q.wait)}
	}
	select {
	case <-w.ready: // handed a place as it gave up: give it on
		q.release(tenantID)
	default:
		q.remove(tenantID, w)
	}
	return nil, err
}

// leaver returns the function that gives the tenant's place back.
func (q *fairQueue) leaver(tenantID uuid.UUID) func() {
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.release(tenantID)
	}
}

// release gives a place of the tenant back and hands the free places on;
// q.mu is held.
func (q *fairQueue) release(tenantID uuid.UUID) {
	q.running--
	if q.runs[tenantID] <= 1 {
		delete(q.runs, tenantID)
	} else {
		q.runs[tenantID]--
	}
	q.dispatch(q.now())
}

// dispatch hands free places to waiting calls: each to the first call of
// the next tenant in turn that is within its share, which then goes to
// the back of the turn if it has more waiting; q.mu is held.
func (q *fairQueue) dispatch(now time.Time) {
	for q.running < q.places {
		i := slices.IndexFunc(q.turn, func(id uuid.UUID) bool { return q.runs[id] < q.share(id, now) })
		if i < 0 {
			return
		}
		tenantID := q.turn[i]
		q.turn = slices.Delete(q.turn, i, i+1)
		queued := q.waiting[tenantID]
		w := queued[0]
		if len(queued) == 1 {
			delete(q.waiting, tenantID)
		} else {
			q.waiting[tenantID] = queued[1:]
			q.turn = append(q.turn, tenantID)
		}
		q.running++
		q.runs[tenantID]++
		close(w.ready)
	}
}

// remove takes a waiter that gave up out of its tenant's queue; q.mu is
// held.
func (q *fairQueue) remove(tenantID uuid.UUID, w *waiter) {
	queued := q.waiting[tenantID]
	for i, x := range queued {
		if x == w {
			queued = append(queued[:i:i], queued[i+1:]...)
			break
		}
	}
	if len(queued) > 0 {
		q.waiting[tenantID] = queued
		return
	}
	delete(q.waiting, tenantID)
	for i, id := range q.turn {
		if id == tenantID {
			q.turn = append(q.turn[:i:i], q.turn[i+1:]...)
			break
		}
	}
}

// admittedKey marks a context whose call was admitted, so the calls it
// makes of other Service methods (a digest's dashboard, an Alertmanager
// notification's alerts) do not wait for a second place.
type admittedKey struct{}

// callKind tells writes from reads.
type callKind bool

const (
	read  callKind = false
	write callKind = true
)

func (k callKind) String() string {
	if k == write {
		return "write"
	}
	return "read"
}

// enter waits for a place of the kind for a call of the tenant and returns
// the context to run the call with and the function that frees the place.
func (g gate) enter(ctx context.Context, kind callKind, tenantID uuid.UUID) (context.Context, func(), error) {
	if ctx.Value(admittedKey{}) != nil {
		return ctx, func() {}, nil
	}
	q := g.reads
	if kind == write {
		q = g.writes
	}
	leave, err := q.enter(ctx, tenantID)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, admittedKey{}, true), leave, nil
}

// call starts a Service call of the kind: its span (see span), then a
// place (see gate). The returned end frees the place and ends the span,
// recording *errp; defer it at once, so that a refusal is recorded too.
func (s *Service) call(ctx context.Context, op string, tenantID uuid.UUID, kind callKind) (context.Context, func(*error), error) {
	ctx, end := s.span(ctx, op, tenantID, kind)
	ctx, leave, err := s.gate.enter(ctx, kind, tenantID)
	if err != nil {
		return ctx, end, err
	}
	return ctx, func(errp *error) { leave(); end(errp) }, nil
}
