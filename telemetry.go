package alertanalytics

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer and meter of the library.
const instrumentationName = "github.com/alertanalytics/alertanalytics"

// telemetry holds the Service's tracer and instruments. Tenant ids go on
// spans only, never on metric attributes: their number is unbounded.
type telemetry struct {
	tracer               trace.Tracer
	alertsIngested       metric.Int64Counter
	interactionsRecorded metric.Int64Counter
	errors               metric.Int64Counter
	refusals             metric.Int64Counter
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) telemetry {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(instrumentationName)
	t := telemetry{tracer: tp.Tracer(instrumentationName)}
	// Creating an instrument fails only for an invalid name; these are
	// constants, and a failed instrument is a working no-op.
	t.alertsIngested, _ = meter.Int64Counter("alertanalytics.alerts.ingested",
		metric.WithDescription("Alerts stored anew (redeliveries not counted)."), metric.WithUnit("{alert}"))
	t.interactionsRecorded, _ = meter.Int64Counter("alertanalytics.interactions.recorded",
		metric.WithDescription("Interactions stored anew (repeats of an idempotency key not counted)."), metric.WithUnit("{interaction}"))
	t.errors, _ = meter.Int64Counter("alertanalytics.errors",
		metric.WithDescription("Service calls that failed, by operation and kind (error.type: invalid, not_found, overloaded, conflict, canceled, internal)."),
		metric.WithUnit("{error}"))
	t.refusals, _ = meter.Int64Counter("alertanalytics.refusals",
		metric.WithDescription("Service calls refused for overload, by kind of call (write, read) and reason (tenant_queue, tenant_share, queue_timeout, lock_wait)."),
		metric.WithUnit("{call}"))
	return t
}

// errorKind classifies an error for the errors metric and the span's
// status: a caller's mistake (invalid, not_found), the service's load
// (overloaded, conflict: retry), the caller giving up (canceled), or a
// fault (internal).
func errorKind(err error) string {
	switch {
	case errors.Is(err, ErrInvalidArgument):
		return "invalid"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrOverloaded):
		return "overloaded"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "internal"
}

// span starts the span of one Service call; end records its outcome.
func (s *Service) span(ctx context.Context, op string, tenantID uuid.UUID, kind callKind) (context.Context, func(*error)) {
	ctx, sp := s.tel.tracer.Start(ctx, "alertanalytics.Service."+op,
		trace.WithAttributes(attribute.String("alertanalytics.tenant_id", tenantID.String())))
	return ctx, func(errp *error) {
		if err := *errp; err != nil {
			errKind := errorKind(err)
			sp.RecordError(err)
			sp.SetStatus(codes.Error, errKind)
			s.tel.errors.Add(ctx, 1, metric.WithAttributes(attribute.String("operation", op), attribute.String("error.type", errKind)))
			if reason := refusalReason(err); reason != "" {
				s.tel.refusals.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", kind.String()), attribute.String("reason", reason)))
			}
		}
		sp.End()
	}
}
