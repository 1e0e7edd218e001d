package alertanalytics

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// DeletionReceipt is the record of a tenant deletion. The store keeps it,
// without any of the tenant's payload, after the data is gone.
type DeletionReceipt = store.DeletionReceipt

// PreviewTenantDeletion counts what DeleteTenant would delete for the
// tenant — its alerts, alert interactions and audit-log rows — and deletes
// nothing.
func (s *Service) PreviewTenantDeletion(ctx context.Context, tenantID uuid.UUID) (_ TenantCounts, err error) {
	ctx, end, err := s.call(ctx, "PreviewTenantDeletion", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return TenantCounts{}, err
	}
	c, err := s.store.CountTenant(ctx, tenantID)
	if err != nil {
		return TenantCounts{}, fmt.Errorf("preview tenant deletion: %w", err)
	}
	return c, nil
}

// DeleteTenant deletes all of the tenant's alerts, interactions and
// audit-log rows in one transaction — all or nothing — and stores a receipt
// (tenant id, counts, time, requestedBy) that survives the deletion.
// requestedBy names who asked, 1–200 characters. Other tenants are
// untouched. Deleting a tenant with no data succeeds with zero counts.
func (s *Service) DeleteTenant(ctx context.Context, tenantID uuid.UUID, requestedBy string) (_ DeletionReceipt, err error) {
	ctx, end, err := s.call(ctx, "DeleteTenant", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return DeletionReceipt{}, err
	}
	if err := checkText("requested_by", requestedBy, maxRequestedBy, true); err != nil {
		return DeletionReceipt{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return DeletionReceipt{}, fmt.Errorf("delete tenant: %w", err)
	}
	r := DeletionReceipt{ID: id, TenantID: tenantID, RequestedBy: requestedBy, DeletedAt: s.now()}
	if r.Deleted, err = s.store.DeleteTenant(ctx, r); err != nil {
		return DeletionReceipt{}, fmt.Errorf("delete tenant: %w", err)
	}
	s.logger.InfoContext(ctx, "tenant deleted", "tenant_id", tenantID, "requested_by", requestedBy,
		"alerts", r.Deleted.Alerts, "alert_interactions", r.Deleted.AlertInteractions, "audit_logs", r.Deleted.AuditLogs)
	return r, nil
}

// TenantDeletionReceipts returns the receipts of the tenant's deletions,
// oldest first, nil when there are none. They hold counts and who asked,
// never the tenant's data.
func (s *Service) TenantDeletionReceipts(ctx context.Context, tenantID uuid.UUID) (_ []DeletionReceipt, err error) {
	ctx, end, err := s.call(ctx, "TenantDeletionReceipts", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return nil, err
	}
	rs, err := s.store.DeletionReceipts(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant deletion receipts: %w", err)
	}
	if len(rs) == 0 {
		return nil, nil // whichever empty list the backend gave
	}
	return rs, nil
}
