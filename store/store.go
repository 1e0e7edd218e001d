// Package store defines the storage contract of alertanalytics: the domain
// types every backend reads and writes, the Store interface, and the sentinel
// errors backends map their database errors onto.
//
// A Store only stores. Validation, defaults, the metric maths, the encoding
// of the kept day rows and the order of a write's statements live in the
// root package; a backend trusts its input, runs the statements it is given
// inside a transaction, and answers plain reads: rows and opaque day-row
// bytes, no aggregate. The conformance suite in store/storetest checks the
// contract of every method; each backend runs it unchanged.
//
// This package imports nothing else of the module, so backends never depend on
// the root package.
package store

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Priority is the urgency of an alert.
type Priority string

// The priority levels, from most to least urgent.
const (
	PriorityCritical  Priority = "critical"
	PriorityImportant Priority = "important"
	PriorityStandard  Priority = "standard"
	PriorityInfo      Priority = "info"
)

// Priorities returns every priority level, most urgent first.
func Priorities() []Priority {
	return []Priority{PriorityCritical, PriorityImportant, PriorityStandard, PriorityInfo}
}

// Valid reports whether p is one of the defined priority levels.
func (p Priority) Valid() bool { return slices.Contains(Priorities(), p) }

// TypeClass says what kind of situation an alert describes.
type TypeClass string

// The type classes.
const (
	TypeClassActionNeeded   TypeClass = "action_needed"
	TypeClassPreventedIssue TypeClass = "prevented_issue"
	TypeClassTrendWarning   TypeClass = "trend_warning"
	TypeClassEscalation     TypeClass = "escalation"
	TypeClassInformation    TypeClass = "information"
)

// TypeClasses returns every type class in their canonical order.
func TypeClasses() []TypeClass {
	return []TypeClass{TypeClassActionNeeded, TypeClassPreventedIssue, TypeClassTrendWarning, TypeClassEscalation, TypeClassInformation}
}

// Valid reports whether c is one of the defined type classes.
func (c TypeClass) Valid() bool { return slices.Contains(TypeClasses(), c) }

// Status is where an alert stands in its life cycle.
type Status string

// The alert statuses. Active, acknowledged and snoozed are open; resolved and
// dismissed are closed.
const (
	StatusActive       Status = "active"
	StatusAcknowledged Status = "acknowledged"
	StatusSnoozed      Status = "snoozed"
	StatusResolved     Status = "resolved"
	StatusDismissed    Status = "dismissed"
)

// Statuses returns every status, open ones first.
func Statuses() []Status {
	return []Status{StatusActive, StatusAcknowledged, StatusSnoozed, StatusResolved, StatusDismissed}
}

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// OpenStatuses returns the open statuses: active, acknowledged, snoozed.
// Every other status is closed.
func OpenStatuses() []Status { return []Status{StatusActive, StatusAcknowledged, StatusSnoozed} }

// Open reports whether s is an open status.
func (s Status) Open() bool { return slices.Contains(OpenStatuses(), s) }

// InteractionType is what a person did about an alert.
type InteractionType string

// The interaction types.
const (
	InteractionAcknowledged InteractionType = "acknowledged"
	InteractionResolved     InteractionType = "resolved"
	InteractionSnoozed      InteractionType = "snoozed"
	InteractionDismissed    InteractionType = "dismissed"
)

// InteractionTypes returns every interaction type.
func InteractionTypes() []InteractionType {
	return []InteractionType{InteractionAcknowledged, InteractionResolved, InteractionSnoozed, InteractionDismissed}
}

// Valid reports whether t is one of the defined interaction types.
func (t InteractionType) Valid() bool { return slices.Contains(InteractionTypes(), t) }

// NextStatus returns the status an alert in status from moves to when an
// interaction of type t is recorded:
//
//   - acknowledged: active → acknowledged;
//   - snoozed: active or acknowledged → snoozed;
//   - resolved: any open status → resolved;
//   - dismissed: any open status → dismissed.
//
// Every other combination leaves the status where it is; in particular a
// closed alert never moves. The root package's write flow applies it
// inside the interaction's transaction (see AlertState.Apply), so the rule
// is written once.
func NextStatus(from Status, t InteractionType) Status {
	switch {
	case t == InteractionAcknowledged && from == StatusActive:
		return StatusAcknowledged
	case t == InteractionSnoozed && (from == StatusActive || from == StatusAcknowledged):
		return StatusSnoozed
	case t == InteractionResolved && from.Open():
		return StatusResolved
	case t == InteractionDismissed && from.Open():
		return StatusDismissed
	}
	return from
}

// AlertState is the part of an alert that interactions change.
type AlertState struct {
	Status                     Status
	AcknowledgedAt, ResolvedAt *time.Time
}

// Apply returns the state after an interaction of type t at time at: the
// status moves as NextStatus says, and acknowledged_at / resolved_at stay at
// the earliest acknowledged / resolved interaction, whatever the status.
// The root package's write flow calls it inside the interaction's
// transaction.
func (s AlertState) Apply(t InteractionType, at time.Time) AlertState {
	next := s
	next.Status = NextStatus(s.Status, t)
	switch {
	case t == InteractionAcknowledged && (s.AcknowledgedAt == nil || at.Before(*s.AcknowledgedAt)):
		next.AcknowledgedAt = &at
	case t == InteractionResolved && (s.ResolvedAt == nil || at.Before(*s.ResolvedAt)):
		next.ResolvedAt = &at
	}
	return next
}

// ResponseTimeSeconds returns interactedAt − createdAt in whole seconds
// (fractions dropped), clamped at 0.
func ResponseTimeSeconds(createdAt, interactedAt time.Time) int64 {
	d := interactedAt.Sub(createdAt)
	if d <= 0 {
		return 0
	}
	return int64(d / time.Second)
}

// Alert is one operational alert of a tenant, as stored. Times are UTC with
// millisecond precision.
type Alert struct {
	ID             uuid.UUID
	TenantID       uuid.UUID
	AlertType      string
	Category       string
	Title          string
	Message        string
	Service        string
	PriorityLevel  Priority
	PriorityScore  *int
	TypeClass      TypeClass
	Status         Status
	CreatedAt      time.Time
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	// BusinessImpact and OrchestratorContext are the JSON objects given at
	// ingest, kept as they were sent; nil when none was given.
	BusinessImpact      json.RawMessage
	OrchestratorContext json.RawMessage
	// FinancialImpactCents is business_impact.financial_impact_eur in euro
	// cents (0 when absent), extracted at ingest so aggregates never parse JSON.
	FinancialImpactCents int64
	// EstimatedSavingsCents is orchestrator_context.estimated_savings_eur in
	// euro cents (0 when absent).
	EstimatedSavingsCents int64
}

// Interaction is one thing a person did about an alert.
type Interaction struct {
	ID                  uuid.UUID
	TenantID            uuid.UUID
	AlertID             uuid.UUID
	UserID              uuid.UUID
	Type                InteractionType
	InteractedAt        time.Time
	ResponseTimeSeconds int64
	Metadata            json.RawMessage
	IdempotencyKey      string
	// RecordedAt is when the interaction reached the service; status changes
	// it causes are audited at this time.
	RecordedAt time.Time
}

// OpenTotal is the total of a tenant's open alerts of one type class,
// whenever they were created: how many, and the financial impact they carry.
// The root package's write flows add to them (Tx.AddOpenTotals) in the
// transaction of every write that opens or closes an alert, so reading
// them costs a handful of rows, not every open alert.
type OpenTotal struct {
	TypeClass            TypeClass
	Alerts               int64
	FinancialImpactCents int64
}

// TenantCounts is the number of rows a tenant owns in each table.
type TenantCounts struct {
	Alerts            int64
	AlertInteractions int64
	AuditLogs         int64
}

// Total is the number of rows in all three tables.
func (c TenantCounts) Total() int64 { return c.Alerts + c.AlertInteractions + c.AuditLogs }

// DeletionReceipt records a tenant deletion. It carries no tenant payload and
// survives the deletion.
type DeletionReceipt struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	RequestedBy string
	Deleted     TenantCounts
	DeletedAt   time.Time
}

// AuditLog is one status change of an alert, written with the interaction
// that caused it.
type AuditLog struct {
	ID, TenantID, AlertID, UserID, InteractionID uuid.UUID
	From, To                                     Status
	// ChangedAt is when the interaction that moved the status was recorded.
	ChangedAt time.Time
}

// RetentionReceipt records one retention run over a tenant: what it was
// asked, and what it deleted so far. Backends add each batch's counts to it
// in the batch's transaction, so a run stopped half-way leaves a receipt
// of exactly what it deleted.
type RetentionReceipt struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	RequestedBy string
	// Cutoff: alerts created before it are purged; closed ones only unless
	// IncludeOpen.
	Cutoff      time.Time
	IncludeOpen bool
	Deleted     TenantCounts
	StartedAt   time.Time
	// FinishedAt is the zero time until the run completes.
	FinishedAt time.Time
}
