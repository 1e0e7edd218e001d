package alertanalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// AlertInput is an alert to ingest. Zero fields take their defaults: a new
// UUIDv7 id, category = alert_type, priority standard, type class
// action_needed, status active, created now. The tenant comes from the call,
// never from the input.
type AlertInput struct {
	// ID makes ingest idempotent: an alert with an id the tenant already has
	// is left as it is. Zero means generate a time-ordered UUIDv7.
	ID uuid.UUID `json:"id"`
	// AlertType is required, 1–100 characters, e.g. "low_stock_warning".
	AlertType string `json:"alert_type"`
	// Category is at most 100 characters; empty means AlertType.
	Category string `json:"category"`
	// Title is at most 500 characters.
	Title string `json:"title"`
	// Message is at most 10,000 characters.
	Message string `json:"message"`
	// Service names the system that raised the alert, at most 100 characters.
	Service string `json:"service"`
	// PriorityLevel defaults to standard.
	PriorityLevel Priority `json:"priority_level"`
	// PriorityScore, when set, is 0–100.
	PriorityScore *int `json:"priority_score"`
	// TypeClass defaults to action_needed.
	TypeClass TypeClass `json:"type_class"`
	// Status defaults to active.
	Status Status `json:"status"`
	// CreatedAt defaults to now. It may lie in the past (backfill) but at
	// most 5 minutes in the future.
	CreatedAt time.Time `json:"created_at"`
	// BusinessImpact is a JSON object of at most 64 KiB. Its
	// financial_impact_eur, when present and not null, must be a finite
	// number ≥ 0.
	BusinessImpact json.RawMessage `json:"business_impact"`
	// OrchestratorContext is a JSON object of at most 64 KiB. Its
	// estimated_savings_eur, when present and not null, must be a finite
	// number ≥ 0.
	OrchestratorContext json.RawMessage `json:"orchestrator_context"`
}

// newAlert validates in and returns the alert to store, with defaults filled in.
func newAlert(tenantID uuid.UUID, in AlertInput, now time.Time) (store.Alert, error) {
	a := store.Alert{
		ID:            in.ID,
		TenantID:      tenantID,
		AlertType:     in.AlertType,
		Category:      in.Category,
		Title:         in.Title,
		Message:       in.Message,
		Service:       in.Service,
		PriorityLevel: in.PriorityLevel,
		PriorityScore: in.PriorityScore,
		TypeClass:     in.TypeClass,
		Status:        in.Status,
		CreatedAt:     in.CreatedAt.UTC().Truncate(time.Millisecond),
	}
	if err := checkTenant(tenantID); err != nil {
		return a, err
	}
	for _, check := range []func(*store.Alert) error{checkAlertTexts, checkAlertEnums} {
		if err := check(&a); err != nil {
			return a, err
		}
	}
	if in.CreatedAt.IsZero() {
		a.CreatedAt = now
	} else if err := checkTime("created_at", a.CreatedAt, now); err != nil {
		return a, err
	}
	if err := setAlertDocuments(&a, in); err != nil {
		return a, err
	}
	if a.ID == uuid.Nil {
		var err error
		if a.ID, err = uuid.NewV7(); err != nil {
			return a, fmt.Errorf("generate alert id: %w", err)
		}
	}
	return a, nil
}

// checkAlertTexts checks the text fields and defaults the category to the
// alert type.
func checkAlertTexts(a *store.Alert) error {
	for _, c := range []struct {
		field, value string
		max          int
	}{
		{"alert_type", a.AlertType, maxAlertType},
		{"category", a.Category, maxCategory},
		{"title", a.Title, maxTitle},
		{"message", a.Message, maxMessage},
		{"service", a.Service, maxService},
	} {
		if err := checkText(c.field, c.value, c.max, c.field == "alert_type"); err != nil {
			return err
		}
	}
	if a.Category == "" {
		a.Category = a.AlertType
	}
	return nil
}

// checkAlertEnums checks the enum fields and the score, filling in the
// defaults.
func checkAlertEnums(a *store.Alert) error {
	if a.PriorityLevel == "" {
		a.PriorityLevel = store.PriorityStandard
	} else if !a.PriorityLevel.Valid() {
		return invalid("priority_level", "must be one of "+joinNames(store.Priorities()))
	}
	if a.PriorityScore != nil && (*a.PriorityScore < 0 || *a.PriorityScore > maxPriorityScore) {
		return invalid("priority_score", fmt.Sprintf("must be between 0 and %d", maxPriorityScore))
	}
	if a.TypeClass == "" {
		a.TypeClass = store.TypeClassActionNeeded
	} else if !a.TypeClass.Valid() {
		return invalid("type_class", "must be one of "+joinNames(store.TypeClasses()))
	}
	if a.Status == "" {
		a.Status = store.StatusActive
	} else if !a.Status.Valid() {
		return invalid("status", "must be one of "+joinNames(store.Statuses()))
	}
	return nil
}

// setAlertDocuments checks the two JSON objects and extracts their euro
// figures in cents.
func setAlertDocuments(a *store.Alert, in AlertInput) error {
	var err error
	if a.BusinessImpact, err = normalizeJSON("business_impact", in.BusinessImpact, maxAlertJSON); err != nil {
		return err
	}
	if a.OrchestratorContext, err = normalizeJSON("orchestrator_context", in.OrchestratorContext, maxAlertJSON); err != nil {
		return err
	}
	if a.FinancialImpactCents, err = euroCents("business_impact", "financial_impact_eur", a.BusinessImpact); err != nil {
		return err
	}
	a.EstimatedSavingsCents, err = euroCents("orchestrator_context", "estimated_savings_eur", a.OrchestratorContext)
	return err
}

// RecordAlert ingests one alert for the tenant and returns it as stored.
// Ingest is idempotent: when the tenant already has an alert with in.ID, that
// alert is returned unchanged with created false. Invalid input returns a
// *FieldError (ErrInvalidArgument) and writes nothing.
func (s *Service) RecordAlert(ctx context.Context, tenantID uuid.UUID, in AlertInput) (alert Alert, created bool, err error) {
	ctx, end, err := s.call(ctx, "RecordAlert", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	a, err := newAlert(tenantID, in, s.now())
	if err != nil {
		return Alert{}, false, err
	}
	flags, err := s.store.InsertAlerts(ctx, tenantID, []store.Alert{a})
	if err != nil {
		return Alert{}, false, fmt.Errorf("record alert: %w", err)
	}
	if flags[0] {
		s.tel.alertsIngested.Add(ctx, 1)
		return alertOf(a), true, nil
	}
	existing, err := s.store.Alert(ctx, tenantID, a.ID)
	if err != nil {
		return Alert{}, false, fmt.Errorf("record alert: %w", err)
	}
	return alertOf(existing), false, nil
}

// Rejection is an item of a batch that was not stored, and why.
type Rejection struct {
	// Index is the item's position in the batch.
	Index int
	// Err is a *FieldError for invalid input, or wraps ErrNotFound for an
	// interaction on an alert the tenant does not have.
	Err error
}

// validItems validates each item of a batch with check: failures become
// rejections with their index, the rest come back with their positions.
func validItems[I, O any](ins []I, check func(I) (O, error)) (valid []O, positions []int, rejected []Rejection) {
	valid = make([]O, 0, len(ins))
	positions = make([]int, 0, len(ins))
	for i, in := range ins {
		out, err := check(in)
		if err != nil {
			rejected = append(rejected, Rejection{Index: i, Err: err})
			continue
		}
		valid = append(valid, out)
		positions = append(positions, i)
	}
	return valid, positions, rejected
}

// AlertBatchResult is the outcome of RecordAlerts.
type AlertBatchResult struct {
	// Created and Existing count the valid alerts that were new and that the
	// tenant already had.
	Created, Existing int
	// IDs holds, per input position, the id of the alert (generated when the
	// input had none), or uuid.Nil for rejected items.
	IDs []uuid.UUID
	// Rejected lists the invalid items in input order.
	Rejected []Rejection
}

// RecordAlerts ingests a batch of alerts for the tenant. Invalid items are
// listed in Rejected and skipped; the valid ones are stored together in one
// transaction, so a storage error stores none of them. A repeated id, within
// the batch or from earlier, counts as existing and changes nothing.
func (s *Service) RecordAlerts(ctx context.Context, tenantID uuid.UUID, ins []AlertInput) (_ AlertBatchResult, err error) {
	ctx, end, err := s.call(ctx, "RecordAlerts", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return AlertBatchResult{}, err
	}
	now := s.now()
	res := AlertBatchResult{IDs: make([]uuid.UUID, len(ins))}
	valid, positions, rejected := validItems(ins, func(in AlertInput) (store.Alert, error) { return newAlert(tenantID, in, now) })
	res.Rejected = rejected
	if len(valid) > 0 {
		created, err := s.store.InsertAlerts(ctx, tenantID, valid)
		if err != nil {
			return AlertBatchResult{}, fmt.Errorf("record alerts: %w", err)
		}
		defer func() { s.tel.alertsIngested.Add(ctx, int64(res.Created)) }()
		for j, ok := range created {
			res.IDs[positions[j]] = valid[j].ID
			if ok {
				res.Created++
			} else {
				res.Existing++
			}
		}
	}
	return res, nil
}

// Alert returns one of the tenant's alerts, or an error wrapping ErrNotFound.
func (s *Service) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (_ Alert, err error) {
	ctx, end, err := s.call(ctx, "Alert", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return Alert{}, err
	}
	a, err := s.store.Alert(ctx, tenantID, alertID)
	if err != nil {
		return Alert{}, fmt.Errorf("alert: %w", err)
	}
	return alertOf(a), nil
}
