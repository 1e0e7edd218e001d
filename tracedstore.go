package alertanalytics

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/alertanalytics/alertanalytics/store"
)

// tracedStore puts a span around every call of the store.Store contract
// (a write transaction, a read), with the tenant id as an attribute,
// beneath the span of the Service call that made it. The write flows and
// the folding reads run above it, so their statements share their
// transaction's span.
type tracedStore struct {
	store.Store
	tracer trace.Tracer
}

func (t tracedStore) start(ctx context.Context, op string, tenantID uuid.UUID) (context.Context, func(error)) {
	ctx, sp := t.tracer.Start(ctx, "alertanalytics.store."+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("alertanalytics.tenant_id", tenantID.String())))
	return ctx, func(err error) {
		if err != nil {
			sp.RecordError(err)
			sp.SetStatus(codes.Error, errorKind(err))
		}
		sp.End()
	}
}

// traced runs call in a span named after op; call's error marks it.
func traced[T any](t tracedStore, ctx context.Context, op string, tenantID uuid.UUID, call func(context.Context) (T, error)) (T, error) {
	ctx, end := t.start(ctx, op, tenantID)
	v, err := call(ctx)
	end(err)
	return v, err
}

// none adapts a call that returns only an error to traced.
func none(call func(context.Context) error) func(context.Context) (struct{}, error) {
	return func(ctx context.Context) (struct{}, error) { return struct{}{}, call(ctx) }
}

func (t tracedStore) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	_, err := traced(t, ctx, "Write", tenantID, none(func(ctx context.Context) error { return t.Store.Write(ctx, tenantID, opts, fn) }))
	return err
}

func (t tracedStore) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	return traced(t, ctx, "Alert", tenantID, func(ctx context.Context) (store.Alert, error) { return t.Store.Alert(ctx, tenantID, alertID) })
}

func (t tracedStore) DayRows(ctx context.Context, tenantID uuid.UUID, from, to int64, cols store.DayColumns, fn func(*store.DayRow) error) error {
	_, err := traced(t, ctx, "DayRows", tenantID, none(func(ctx context.Context) error { return t.Store.DayRows(ctx, tenantID, from, to, cols, fn) }))
	return err
}

func (t tracedStore) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	_, err := traced(t, ctx, "AlertFacts", tenantID, none(func(ctx context.Context) error { return t.Store.AlertFacts(ctx, tenantID, from, to, fn) }))
	return err
}

func (t tracedStore) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	return traced(t, ctx, "OpenTotals", tenantID, func(ctx context.Context) ([]store.OpenTotal, error) { return t.Store.OpenTotals(ctx, tenantID) })
}

func (t tracedStore) CountTenant(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	return traced(t, ctx, "CountTenant", tenantID, func(ctx context.Context) (store.TenantCounts, error) { return t.Store.CountTenant(ctx, tenantID) })
}

func (t tracedStore) DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.DeletionReceipt, error) {
	return traced(t, ctx, "DeletionReceipts", tenantID, func(ctx context.Context) ([]store.DeletionReceipt, error) {
		return t.Store.DeletionReceipts(ctx, tenantID)
	})
}

func (t tracedStore) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	return traced(t, ctx, "TenantIDs", uuid.Nil, t.Store.TenantIDs)
}

func (t tracedStore) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	_, err := traced(t, ctx, "ExportAlerts", tenantID, none(func(ctx context.Context) error { return t.Store.ExportAlerts(ctx, tenantID, from, to, fn) }))
	return err
}

func (t tracedStore) ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	_, err := traced(t, ctx, "ExportInteractions", tenantID, none(func(ctx context.Context) error {
		return t.Store.ExportInteractions(ctx, tenantID, from, to, fn)
	}))
	return err
}

func (t tracedStore) ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.AuditLog) error) error {
	_, err := traced(t, ctx, "ExportAuditLogs", tenantID, none(func(ctx context.Context) error { return t.Store.ExportAuditLogs(ctx, tenantID, from, to, fn) }))
	return err
}

func (t tracedStore) CountPurge(ctx context.Context, r store.RetentionReceipt) (store.TenantCounts, error) {
	return traced(t, ctx, "CountPurge", r.TenantID, func(ctx context.Context) (store.TenantCounts, error) { return t.Store.CountPurge(ctx, r) })
}

func (t tracedStore) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.RetentionReceipt, error) {
	return traced(t, ctx, "RetentionReceipts", tenantID, func(ctx context.Context) ([]store.RetentionReceipt, error) {
		return t.Store.RetentionReceipts(ctx, tenantID)
	})
}
