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

// tracedStore puts a span around every store call, with the tenant id as
// an attribute, beneath the span of the Service call that made it.
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

func (t tracedStore) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	ctx, end := t.start(ctx, "InsertAlerts", tenantID)
	created, err := t.Store.InsertAlerts(ctx, tenantID, alerts)
	end(err)
	return created, err
}

func (t tracedStore) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error) {
	ctx, end := t.start(ctx, "Alert", tenantID)
	a, err := t.Store.Alert(ctx, tenantID, alertID)
	end(err)
	return a, err
}

func (t tracedStore) RecordInteractions(ctx context.Context, tenantID uuid.UUID, ins []store.Interaction) ([]store.InteractionResult, error) {
	ctx, end := t.start(ctx, "RecordInteractions", tenantID)
	res, err := t.Store.RecordInteractions(ctx, tenantID, ins)
	end(err)
	return res, err
}

func (t tracedStore) SumCounts(ctx context.Context, tenantID uuid.UUID, ranges []store.BucketRange, counters []int) ([]store.Counts, error) {
	ctx, end := t.start(ctx, "SumCounts", tenantID)
	c, err := t.Store.SumCounts(ctx, tenantID, ranges, counters)
	end(err)
	return c, err
}

func (t tracedStore) EachCounts(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, *store.Counts) error) error {
	ctx, end := t.start(ctx, "EachCounts", tenantID)
	err := t.Store.EachCounts(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) SumCategories(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.CategoryCount, error) {
	ctx, end := t.start(ctx, "SumCategories", tenantID)
	c, err := t.Store.SumCategories(ctx, tenantID, from, to)
	end(err)
	return c, err
}

func (t tracedStore) SumKinds(ctx context.Context, tenantID uuid.UUID, from, to int64) ([]store.KindCount, error) {
	ctx, end := t.start(ctx, "SumKinds", tenantID)
	c, err := t.Store.SumKinds(ctx, tenantID, from, to)
	end(err)
	return c, err
}

func (t tracedStore) EachDayGroups(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(int64, []byte) error) error {
	ctx, end := t.start(ctx, "EachDayGroups", tenantID)
	err := t.Store.EachDayGroups(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) EachDayTimes(ctx context.Context, tenantID uuid.UUID, from, to int64, fn func(*store.DayTimes) error) error {
	ctx, end := t.start(ctx, "EachDayTimes", tenantID)
	err := t.Store.EachDayTimes(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) AlertFacts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	ctx, end := t.start(ctx, "AlertFacts", tenantID)
	err := t.Store.AlertFacts(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	ctx, end := t.start(ctx, "OpenTotals", tenantID)
	o, err := t.Store.OpenTotals(ctx, tenantID)
	end(err)
	return o, err
}

func (t tracedStore) CountTenant(ctx context.Context, tenantID uuid.UUID) (store.TenantCounts, error) {
	ctx, end := t.start(ctx, "CountTenant", tenantID)
	c, err := t.Store.CountTenant(ctx, tenantID)
	end(err)
	return c, err
}

func (t tracedStore) DeleteTenant(ctx context.Context, r store.DeletionReceipt) (store.TenantCounts, error) {
	ctx, end := t.start(ctx, "DeleteTenant", r.TenantID)
	c, err := t.Store.DeleteTenant(ctx, r)
	end(err)
	return c, err
}

func (t tracedStore) DeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.DeletionReceipt, error) {
	ctx, end := t.start(ctx, "DeletionReceipts", tenantID)
	rs, err := t.Store.DeletionReceipts(ctx, tenantID)
	end(err)
	return rs, err
}

func (t tracedStore) TenantIDs(ctx context.Context) ([]uuid.UUID, error) {
	ctx, end := t.start(ctx, "TenantIDs", uuid.Nil)
	ids, err := t.Store.TenantIDs(ctx)
	end(err)
	return ids, err
}

func (t tracedStore) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	ctx, end := t.start(ctx, "ExportAlerts", tenantID)
	err := t.Store.ExportAlerts(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) ExportInteractions(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Interaction) error) error {
	ctx, end := t.start(ctx, "ExportInteractions", tenantID)
	err := t.Store.ExportInteractions(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) ExportAuditLogs(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.AuditLog) error) error {
	ctx, end := t.start(ctx, "ExportAuditLogs", tenantID)
	err := t.Store.ExportAuditLogs(ctx, tenantID, from, to, fn)
	end(err)
	return err
}

func (t tracedStore) CountPurge(ctx context.Context, r store.RetentionReceipt) (store.TenantCounts, error) {
	ctx, end := t.start(ctx, "CountPurge", r.TenantID)
	c, err := t.Store.CountPurge(ctx, r)
	end(err)
	return c, err
}

func (t tracedStore) SaveRetentionReceipt(ctx context.Context, r store.RetentionReceipt) error {
	ctx, end := t.start(ctx, "SaveRetentionReceipt", r.TenantID)
	err := t.Store.SaveRetentionReceipt(ctx, r)
	end(err)
	return err
}

func (t tracedStore) PurgeBatch(ctx context.Context, r store.RetentionReceipt, limit int) (store.TenantCounts, error) {
	ctx, end := t.start(ctx, "PurgeBatch", r.TenantID)
	c, err := t.Store.PurgeBatch(ctx, r, limit)
	end(err)
	return c, err
}

func (t tracedStore) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]store.RetentionReceipt, error) {
	ctx, end := t.start(ctx, "RetentionReceipts", tenantID)
	rs, err := t.Store.RetentionReceipts(ctx, tenantID)
	end(err)
	return rs, err
}
