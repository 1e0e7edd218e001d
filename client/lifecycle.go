package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// deletionPath is the path of a tenant's deletion routes.
func deletionPath(tenantID uuid.UUID, rest string) string {
	return "/api/v1/alerts/tenant/" + tenantID.String() + rest
}

// PurgeTenant applies a retention to the tenant, as Service.PurgeTenant
// does (service callers only). The server decides the batch size: a
// BatchSize given is checked and not sent. An empty RequestedBy names the
// credentials' caller on the receipt. A purge that did not answer is not
// retried (a repeat would leave a second receipt); a dry run is.
func (c *Client) PurgeTenant(ctx context.Context, tenantID uuid.UUID, r alertanalytics.Retention) (alertanalytics.PurgeResult, error) {
	if r.BatchSize < 0 {
		return alertanalytics.PurgeResult{}, &alertanalytics.FieldError{Field: "batch_size", Detail: "must not be negative"}
	}
	maxAge := durationText(r.MaxAge)
	var got wire.Purge
	if _, err := c.getJSON(ctx, request{method: http.MethodPost, path: tenantPath(tenantID, "/retention/purge"),
		body:       wire.PurgeRequest{MaxAge: &maxAge, IncludeOpen: r.IncludeOpen, DryRun: r.DryRun, RequestedBy: r.RequestedBy},
		repeatable: r.DryRun}, &got); err != nil {
		return alertanalytics.PurgeResult{}, err
	}
	return alertanalytics.PurgeResult{DryRun: got.DryRun, Cutoff: got.Cutoff.UTC(), Deleted: got.Summary.Deleted.Counts(),
		Receipts: convert(got.Receipts, wire.RetentionReceipt.Receipt)}, nil
}

// RetentionReceipts lists the tenant's retention runs, oldest first, as
// Service.RetentionReceipts does (service callers only).
func (c *Client) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]alertanalytics.RetentionReceipt, error) {
	var got []wire.RetentionReceipt
	if _, err := c.getJSON(ctx, request{method: http.MethodGet, path: tenantPath(tenantID, "/retention/receipts"), repeatable: true}, &got); err != nil {
		return nil, err
	}
	return convert(got, wire.RetentionReceipt.Receipt), nil
}

// PreviewTenantDeletion counts the rows a deletion of the tenant would
// remove, as Service.PreviewTenantDeletion does (service callers only).
func (c *Client) PreviewTenantDeletion(ctx context.Context, tenantID uuid.UUID) (alertanalytics.TenantCounts, error) {
	var got wire.DeletionPreview
	_, err := c.getJSON(ctx, request{method: http.MethodGet, path: deletionPath(tenantID, "/deletion-preview"), repeatable: true}, &got)
	return got.Preview.Counts(), err
}

// DeleteTenant deletes the tenant's data and returns the receipt kept, as
// Service.DeleteTenant does (service callers only). An empty requestedBy
// names the credentials' caller. A deletion that did not answer is not
// retried: a repeat would leave a second receipt.
func (c *Client) DeleteTenant(ctx context.Context, tenantID uuid.UUID, requestedBy string) (alertanalytics.DeletionReceipt, error) {
	var q url.Values
	if requestedBy != "" {
		q = url.Values{"requested_by": {requestedBy}}
	}
	var got wire.Deletion
	if _, err := c.getJSON(ctx, request{method: http.MethodDelete, path: deletionPath(tenantID, ""), query: q}, &got); err != nil {
		return alertanalytics.DeletionReceipt{}, err
	}
	return got.Receipt.Receipt(), nil
}

// TenantDeletionReceipts lists the tenant's deletions, oldest first, as
// Service.TenantDeletionReceipts does (service callers only).
func (c *Client) TenantDeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]alertanalytics.DeletionReceipt, error) {
	var got []wire.DeletionReceipt
	if _, err := c.getJSON(ctx, request{method: http.MethodGet, path: deletionPath(tenantID, "/deletion-receipts"), repeatable: true}, &got); err != nil {
		return nil, err
	}
	return convert(got, wire.DeletionReceipt.Receipt), nil
}

var _ alertanalytics.API = (*Client)(nil)
