// Package wire holds the JSON shapes of the HTTP API's answers that are not
// the root package's types themselves (batch outcomes, receipts, deletion
// and retention answers), so the handler that writes them and the client
// that reads them share one definition. It knows the store's receipt types
// and nothing above them.
package wire

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Rejection is a batch item that was not stored. Field names the input
// field at fault when the item was invalid; it is empty when the item named
// an alert the tenant does not have.
type Rejection struct {
	Index  int    `json:"index"`
	Detail string `json:"detail"`
	Field  string `json:"field,omitempty"`
}

// AlertBatch answers an alert batch. IDs[i] is item i's id, nil (JSON null)
// when it was rejected.
type AlertBatch struct {
	CreatedCount  int          `json:"created_count"`
	ExistingCount int          `json:"existing_count"`
	IDs           []*uuid.UUID `json:"ids"`
	Rejected      []Rejection  `json:"rejected"`
}

// InteractionBatch answers an interaction batch. Interactions lists the
// newly stored ones in the replaced service's short form; Recorded lists
// every stored and duplicate interaction in input order, whole (I is the
// root package's RecordedInteraction).
type InteractionBatch[I any] struct {
	CreatedCount   int                `json:"created_count"`
	DuplicateCount int                `json:"duplicate_count"`
	Interactions   []BatchInteraction `json:"interactions"`
	Recorded       []I                `json:"recorded"`
	Rejected       []Rejection        `json:"rejected"`
}

// BatchInteraction is a newly stored interaction of a batch, as the
// replaced service listed it.
type BatchInteraction struct {
	ID              uuid.UUID `json:"id"`
	AlertID         uuid.UUID `json:"alert_id"`
	InteractionType string    `json:"interaction_type"`
	InteractedAt    time.Time `json:"interacted_at"`
}

// RowCounts is how the API has always named a tenant's rows in deletion
// and retention answers: by the replaced service's table names.
type RowCounts struct {
	Alerts            int64 `json:"alerts"`
	AlertInteractions int64 `json:"alert_interactions"`
	AuditLogs         int64 `json:"audit_logs"`
}

// CountsOf returns c's wire form.
func CountsOf(c store.TenantCounts) RowCounts {
	return RowCounts{Alerts: c.Alerts, AlertInteractions: c.AlertInteractions, AuditLogs: c.AuditLogs}
}

// Counts returns the store's form of r.
func (r RowCounts) Counts() store.TenantCounts {
	return store.TenantCounts{Alerts: r.Alerts, AlertInteractions: r.AlertInteractions, AuditLogs: r.AuditLogs}
}

// DeletionReceipt is a tenant deletion's receipt.
type DeletionReceipt struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	RequestedBy string    `json:"requested_by"`
	Deleted     RowCounts `json:"deleted"`
	DeletedAt   time.Time `json:"deleted_at"`
}

// DeletionReceiptOf returns r's wire form.
func DeletionReceiptOf(r store.DeletionReceipt) DeletionReceipt {
	return DeletionReceipt{ID: r.ID, TenantID: r.TenantID, RequestedBy: r.RequestedBy, Deleted: CountsOf(r.Deleted), DeletedAt: r.DeletedAt}
}

// Receipt returns the store's form of r.
func (r DeletionReceipt) Receipt() store.DeletionReceipt {
	return store.DeletionReceipt{ID: r.ID, TenantID: r.TenantID, RequestedBy: r.RequestedBy, Deleted: r.Deleted.Counts(),
		DeletedAt: r.DeletedAt.UTC()}
}

// RetentionReceipt is a retention run's receipt; FinishedAt is null until
// the run completes.
type RetentionReceipt struct {
	ID          uuid.UUID  `json:"id"`
	TenantID    uuid.UUID  `json:"tenant_id"`
	RequestedBy string     `json:"requested_by"`
	Cutoff      time.Time  `json:"cutoff"`
	IncludeOpen bool       `json:"include_open"`
	Deleted     RowCounts  `json:"deleted"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
}

// RetentionReceiptOf returns r's wire form.
func RetentionReceiptOf(r store.RetentionReceipt) RetentionReceipt {
	out := RetentionReceipt{ID: r.ID, TenantID: r.TenantID, RequestedBy: r.RequestedBy, Cutoff: r.Cutoff, IncludeOpen: r.IncludeOpen,
		Deleted: CountsOf(r.Deleted), StartedAt: r.StartedAt}
	if !r.FinishedAt.IsZero() {
		out.FinishedAt = &r.FinishedAt
	}
	return out
}

// Receipt returns the store's form of r.
func (r RetentionReceipt) Receipt() store.RetentionReceipt {
	out := store.RetentionReceipt{ID: r.ID, TenantID: r.TenantID, RequestedBy: r.RequestedBy, Cutoff: r.Cutoff.UTC(),
		IncludeOpen: r.IncludeOpen, Deleted: r.Deleted.Counts(), StartedAt: r.StartedAt.UTC()}
	if r.FinishedAt != nil {
		out.FinishedAt = r.FinishedAt.UTC()
	}
	return out
}

// Deletion answers a tenant deletion: the replaced service's message and
// summary, and the receipt kept.
type Deletion struct {
	Message string          `json:"message"`
	Summary DeletionSummary `json:"summary"`
	Receipt DeletionReceipt `json:"receipt"`
}

// DeletionSummary is the replaced service's summary of a deletion.
type DeletionSummary struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	Deleted      RowCounts `json:"deleted"`
	TotalDeleted int64     `json:"total_deleted"`
	DeletedAt    time.Time `json:"deleted_at"`
}

// DeletionPreview answers a deletion preview.
type DeletionPreview struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	Service      string    `json:"service"`
	Preview      RowCounts `json:"preview"`
	TotalRecords int64     `json:"total_records"`
	Warning      string    `json:"warning"`
}

// PurgeRequest is the body of a retention purge. RequestedBy, when set,
// names who asked on the receipts instead of the credentials.
type PurgeRequest struct {
	MaxAge      *string `json:"max_age"`
	IncludeOpen bool    `json:"include_open"`
	DryRun      bool    `json:"dry_run"`
	RequestedBy string  `json:"requested_by,omitempty"`
}

// Purge answers a retention purge; Receipts lists the receipt of the run,
// none in a dry run.
type Purge struct {
	DryRun   bool               `json:"dry_run"`
	Cutoff   time.Time          `json:"cutoff"`
	Summary  PurgeSummary       `json:"summary"`
	Receipts []RetentionReceipt `json:"receipts"`
}

// PurgeSummary is what a purge deleted (or would).
type PurgeSummary struct {
	Deleted      RowCounts `json:"deleted"`
	TotalDeleted int64     `json:"total_deleted"`
}

// AlertRequest is the body of an alert, as clients send it. Times are
// RFC 3339 (or an ISO 8601 date and time without offset, taken as UTC);
// TenantID, accepted for old clients, must match the path.
type AlertRequest struct {
	ID                  *string         `json:"id,omitempty"`
	TenantID            *string         `json:"tenant_id,omitempty"`
	AlertType           string          `json:"alert_type"`
	Category            string          `json:"category,omitempty"`
	Title               string          `json:"title,omitempty"`
	Message             string          `json:"message,omitempty"`
	Service             string          `json:"service,omitempty"`
	PriorityLevel       string          `json:"priority_level,omitempty"`
	PriorityScore       *int            `json:"priority_score,omitempty"`
	TypeClass           string          `json:"type_class,omitempty"`
	Status              string          `json:"status,omitempty"`
	CreatedAt           *string         `json:"created_at,omitempty"`
	BusinessImpact      json.RawMessage `json:"business_impact,omitempty"`
	OrchestratorContext json.RawMessage `json:"orchestrator_context,omitempty"`
}

// InteractionRequest is the body of an interaction, as clients send it.
type InteractionRequest struct {
	AlertID         *string         `json:"alert_id,omitempty"`
	InteractionType string          `json:"interaction_type"`
	InteractedAt    *string         `json:"interacted_at,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	IdempotencyKey  string          `json:"idempotency_key,omitempty"`
}

// Delivery is one period of a digest subscription in the ledger: its
// attempts and outcome. The times of what has not happened are null.
type Delivery struct {
	ID             uuid.UUID  `json:"id"`
	SubscriptionID uuid.UUID  `json:"subscription_id"`
	Period         time.Time  `json:"period"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastError      string     `json:"last_error"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// DeliveryOf returns d's wire form; the claim (owner and lease) stays
// inside.
func DeliveryOf(d store.Delivery) Delivery {
	out := Delivery{ID: d.ID, SubscriptionID: d.SubscriptionID, Period: d.Period, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: d.CreatedAt}
	if d.Status == store.DeliveryPending && !d.NextAttemptAt.IsZero() {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	if !d.DeliveredAt.IsZero() {
		out.DeliveredAt = &d.DeliveredAt
	}
	return out
}

// Delivery returns the store's form of d for the tenant.
func (d Delivery) Delivery(tenantID uuid.UUID) store.Delivery {
	out := store.Delivery{ID: d.ID, TenantID: tenantID, SubscriptionID: d.SubscriptionID, Period: d.Period.UTC(), Status: d.Status,
		Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC()}
	if d.NextAttemptAt != nil {
		out.NextAttemptAt = d.NextAttemptAt.UTC()
	}
	if d.DeliveredAt != nil {
		out.DeliveredAt = d.DeliveredAt.UTC()
	}
	return out
}
