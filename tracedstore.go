package alertanalytics

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/alertanalytics/alertanalytics/store"
)

// tracedStore wraps the contract once: every write transaction gets a span,
// alertanalytics.store.Write, with the tenant id, beneath the span of the
// Service call that made it. The write flows run inside it, so their
// statements share their transaction's span. Reads run under the Service
// call's own span, which covers what they cost; a span per read method
// would only repeat it.
type tracedStore struct {
	store.Store
	tracer trace.Tracer
}

// Write runs the transaction inside its span; fn's or the backend's error
// marks it.
func (t tracedStore) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	ctx, sp := t.tracer.Start(ctx, "alertanalytics.store.Write", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("alertanalytics.tenant_id", tenantID.String()),
			attribute.Bool("alertanalytics.exclusive", opts.Exclusive)))
	defer sp.End()
	err := t.Store.Write(ctx, tenantID, opts, fn)
	if err != nil {
		sp.RecordError(err)
		sp.SetStatus(codes.Error, errorKind(err))
	}
	return err
}

// ErrConflict is returned, wrapped, when the database aborted a write for
// a serialization failure or deadlock with a concurrent write as many
// times as the Service retries one (conflictRetries). Nothing was written:
// retry later. The httpapi adapter answers it, like ErrOverloaded, with
// 503 and Retry-After.
var ErrConflict = store.ErrConflict

// conflictRetries is how many times a write the database aborted for a
// conflict with another (store.ErrConflict) runs again, after a pause of
// a few milliseconds, growing, with jitter.
const conflictRetries = 3

// retryingStore runs a write again when the database aborted it for a
// conflict with a concurrent one: the transaction was rolled back, and
// the write flows' functions start over from their inputs, so running one
// again is as good as running it once.
type retryingStore struct{ store.Store }

// Write implements store.Store.
func (r retryingStore) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := r.Store.Write(ctx, tenantID, opts, fn)
		if err == nil || !errors.Is(err, store.ErrConflict) || attempt == conflictRetries {
			return err
		}
		pause := time.Duration(1<<attempt)*time.Millisecond + rand.N(2*time.Millisecond)
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}
