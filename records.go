package alertanalytics

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Alert is one operational alert as the Service returns it. Its JSON keys
// are those of the HTTP API (and of an export), the shape the replaced
// service answered with. Times are UTC with millisecond precision.
type Alert struct {
	ID             uuid.UUID  `json:"id"`
	TenantID       uuid.UUID  `json:"tenant_id"`
	AlertType      string     `json:"alert_type"`
	Category       string     `json:"category"`
	Title          string     `json:"title"`
	Message        string     `json:"message"`
	Service        string     `json:"service"`
	PriorityLevel  Priority   `json:"priority_level"`
	PriorityScore  *int       `json:"priority_score"`
	TypeClass      TypeClass  `json:"type_class"`
	Status         Status     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	// BusinessImpact and OrchestratorContext are the JSON objects given at
	// ingest, unchanged; null when none was given.
	BusinessImpact      json.RawMessage `json:"business_impact"`
	OrchestratorContext json.RawMessage `json:"orchestrator_context"`
}

func alertOf(a store.Alert) Alert {
	return Alert{
		ID: a.ID, TenantID: a.TenantID, AlertType: a.AlertType, Category: a.Category, Title: a.Title,
		Message: a.Message, Service: a.Service, PriorityLevel: a.PriorityLevel, PriorityScore: a.PriorityScore,
		TypeClass: a.TypeClass, Status: a.Status, CreatedAt: a.CreatedAt, AcknowledgedAt: a.AcknowledgedAt,
		ResolvedAt: a.ResolvedAt, BusinessImpact: a.BusinessImpact, OrchestratorContext: a.OrchestratorContext,
	}
}

// Interaction is one thing a person did about an alert, as the Service
// returns it, with the JSON keys of the HTTP API.
type Interaction struct {
	ID                  uuid.UUID       `json:"id"`
	TenantID            uuid.UUID       `json:"tenant_id"`
	AlertID             uuid.UUID       `json:"alert_id"`
	UserID              uuid.UUID       `json:"user_id"`
	Type                InteractionType `json:"interaction_type"`
	InteractedAt        time.Time       `json:"interacted_at"`
	ResponseTimeSeconds int64           `json:"response_time_seconds"`
	Metadata            json.RawMessage `json:"metadata"`
	IdempotencyKey      string          `json:"idempotency_key,omitempty"`
	// RecordedAt is when the interaction reached the service; status
	// changes it caused are audited at this time.
	RecordedAt time.Time `json:"recorded_at"`
}

func interactionOf(in store.Interaction) Interaction {
	return Interaction{
		ID: in.ID, TenantID: in.TenantID, AlertID: in.AlertID, UserID: in.UserID, Type: in.Type,
		InteractedAt: in.InteractedAt, ResponseTimeSeconds: in.ResponseTimeSeconds, Metadata: in.Metadata,
		IdempotencyKey: in.IdempotencyKey, RecordedAt: in.RecordedAt,
	}
}
