package alertanalytics

import (
	"context"
	"io"

	"github.com/google/uuid"
)

// API is the calls a host makes on alert analytics, whether the analytics
// run in its own process (a *Service) or behind the HTTP API of another
// (a *client.Client of the client package): the host holds an API, and
// switching between the two is the one line that makes it.
//
// It leaves out what only the process holding the database does: purging
// every tenant, rebuilding and checking kept totals, running the digest
// deliveries, and the Alertmanager receiver, which Alertmanager calls over
// HTTP itself.
type API interface {
	// RecordAlert stores an alert; see Service.RecordAlert.
	RecordAlert(ctx context.Context, tenantID uuid.UUID, in AlertInput) (Alert, bool, error)
	// RecordAlerts stores a batch of alerts; see Service.RecordAlerts.
	RecordAlerts(ctx context.Context, tenantID uuid.UUID, ins []AlertInput) (AlertBatchResult, error)
	// Alert reads one alert; see Service.Alert.
	Alert(ctx context.Context, tenantID, alertID uuid.UUID) (Alert, error)
	// RecordInteraction records one interaction; see
	// Service.RecordInteraction.
	RecordInteraction(ctx context.Context, tenantID, alertID, userID uuid.UUID, in InteractionInput) (RecordedInteraction, error)
	// RecordInteractions records a batch of interactions; see
	// Service.RecordInteractions.
	RecordInteractions(ctx context.Context, tenantID, userID uuid.UUID, ins []InteractionInput) (InteractionBatchResult, error)

	// Analytics summarises a window; see Service.Analytics.
	Analytics(ctx context.Context, tenantID uuid.UUID, w Window) (Analytics, error)
	// Trends counts a window's alerts per local day; see Service.Trends.
	Trends(ctx context.Context, tenantID uuid.UUID, w Window) ([]TrendPoint, error)
	// Dashboard describes a window with its comparison; see
	// Service.Dashboard.
	Dashboard(ctx context.Context, tenantID uuid.UUID, w Window) (Dashboard, error)
	// Compliance judges a window against response targets; see
	// Service.Compliance.
	Compliance(ctx context.Context, tenantID uuid.UUID, w Window, targets Targets) (Compliance, error)
	// Breakdown groups a window's alerts by a field; see Service.Breakdown.
	Breakdown(ctx context.Context, tenantID uuid.UUID, w Window, by BreakdownField, limit int) (Breakdown, error)
	// Hours places a window's alerts in local time; see Service.Hours.
	Hours(ctx context.Context, tenantID uuid.UUID, w Window, opts HoursOptions) (Hours, error)
	// Noisy ranks the kinds of alert that cost attention; see
	// Service.Noisy.
	Noisy(ctx context.Context, tenantID uuid.UUID, w Window, limit int) (Noisy, error)
	// People describes who responded; see Service.People.
	People(ctx context.Context, tenantID uuid.UUID, w Window, opts PeopleOptions) (People, error)
	// Flapping ranks the kinds of alert that fire and clear; see
	// Service.Flapping.
	Flapping(ctx context.Context, tenantID uuid.UUID, w Window, opts FlappingOptions) (Flapping, error)
	// Digest gathers a weekly summary; see Service.Digest.
	Digest(ctx context.Context, tenantID uuid.UUID, w Window) (Digest, error)
	// Export streams a tenant's rows into w; see Service.Export.
	Export(ctx context.Context, tenantID uuid.UUID, opts ExportOptions, w io.Writer) error

	// PurgeTenant applies a retention to one tenant; see
	// Service.PurgeTenant.
	PurgeTenant(ctx context.Context, tenantID uuid.UUID, r Retention) (PurgeResult, error)
	// RetentionReceipts lists a tenant's retention runs; see
	// Service.RetentionReceipts.
	RetentionReceipts(ctx context.Context, tenantID uuid.UUID) ([]RetentionReceipt, error)
	// PreviewTenantDeletion counts what a deletion would remove; see
	// Service.PreviewTenantDeletion.
	PreviewTenantDeletion(ctx context.Context, tenantID uuid.UUID) (TenantCounts, error)
	// DeleteTenant deletes a tenant's data; see Service.DeleteTenant.
	DeleteTenant(ctx context.Context, tenantID uuid.UUID, requestedBy string) (DeletionReceipt, error)
	// TenantDeletionReceipts lists a tenant's deletions; see
	// Service.TenantDeletionReceipts.
	TenantDeletionReceipts(ctx context.Context, tenantID uuid.UUID) ([]DeletionReceipt, error)

	// CreateSubscription subscribes a tenant to its digest; see
	// Service.CreateSubscription.
	CreateSubscription(ctx context.Context, tenantID uuid.UUID, in SubscriptionInput) (Subscription, error)
	// UpdateSubscription replaces a subscription; see
	// Service.UpdateSubscription.
	UpdateSubscription(ctx context.Context, tenantID, id uuid.UUID, in SubscriptionInput) (Subscription, error)
	// Subscriptions lists a tenant's subscriptions; see
	// Service.Subscriptions.
	Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]Subscription, error)
	// DeleteSubscription removes a subscription; see
	// Service.DeleteSubscription.
	DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error
	// Deliveries lists a tenant's digest deliveries; see
	// Service.Deliveries.
	Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]Delivery, error)
}

var _ API = (*Service)(nil)
