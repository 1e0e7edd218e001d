package alertanalytics

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// ErrOverloaded is returned, wrapped, when a call could not start within
// Config.QueueTimeout because as many calls of its kind as Config allows
// were already running, or when the store gave up waiting for a lock or a
// connection within its own bound. Nothing was written: retry later. The
// httpapi adapter answers it with 503 and Retry-After.
var ErrOverloaded = store.ErrOverloaded

// Default bounds of admission (see Config).
const (
	DefaultMaxWrites    = 4
	DefaultMaxReads     = 8
	DefaultQueueTimeout = 500 * time.Millisecond
)

// gate admits calls: at most a fixed number of writes and, apart from
// them, of reads run at once; a call that finds its kind full waits a
// bounded time for a place, then fails with ErrOverloaded. Writes and
// reads have places of their own, so a surge of writes never takes the
// places the dashboard's reads need, and past capacity work is refused
// quickly instead of queuing until clients time out.
type gate struct {
	writes, reads chan struct{}
	wait          time.Duration
}

func newGate(cfg Config) gate {
	maxWrites, maxReads, wait := cfg.MaxWrites, cfg.MaxReads, cfg.QueueTimeout
	if maxWrites <= 0 {
		maxWrites = DefaultMaxWrites
	}
	if maxReads <= 0 {
		maxReads = DefaultMaxReads
	}
	if wait <= 0 {
		wait = DefaultQueueTimeout
	}
	return gate{writes: make(chan struct{}, maxWrites), reads: make(chan struct{}, maxReads), wait: wait}
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

// enter waits for a place of the kind and returns the context to run the
// call with and the function that frees the place.
func (g gate) enter(ctx context.Context, kind callKind) (context.Context, func(), error) {
	if ctx.Value(admittedKey{}) != nil {
		return ctx, func() {}, nil
	}
	places := g.reads
	if kind == write {
		places = g.writes
	}
	admitted := context.WithValue(ctx, admittedKey{}, true)
	free := func() { <-places }
	select {
	case places <- struct{}{}:
		return admitted, free, nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case places <- struct{}{}:
		return admitted, free, nil
	case <-t.C:
		what := "reads"
		if kind == write {
			what = "writes"
		}
		return ctx, nil, fmt.Errorf("%d %s already running for %s: %w", cap(places), what, g.wait, ErrOverloaded)
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	}
}

// call starts a Service call of the kind: its span (see span), then a
// place (see gate). The returned end frees the place and ends the span,
// recording *errp; defer it at once, so that a refusal is recorded too.
func (s *Service) call(ctx context.Context, op string, tenantID uuid.UUID, kind callKind) (context.Context, func(*error), error) {
	ctx, end := s.span(ctx, op, tenantID)
	ctx, leave, err := s.gate.enter(ctx, kind)
	if err != nil {
		return ctx, end, err
	}
	return ctx, func(errp *error) { leave(); end(errp) }, nil
}
