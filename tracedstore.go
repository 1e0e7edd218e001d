package alertanalytics

import (
	"context"

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
