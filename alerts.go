package alertanalytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// Field limits of section 3 of the specification.
const (
	maxAlertType     = 100
	maxCategory      = 100
	maxTitle         = 500
	maxMessage       = 10000
	maxService       = 100
	maxAlertJSON     = 64 << 10
	maxMetadataJSON  = 16 << 10
	maxIdempotency   = 128
	maxRequestedBy   = 200
	maxEuroCents     = 1 << 53 // keeps sums of cents exact
	maxPriorityScore = 100
)

// checkText validates a string field: valid UTF-8, no NUL, at most max
// characters, and at least one when required.
func checkText(field, v string, max int, required bool) error {
	if required && v == "" {
		return invalid(field, "is required")
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return invalid(field, "must not contain NUL characters")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalid(field, fmt.Sprintf("is %d characters long, at most %d allowed", n, max))
	}
	return nil
}

// checkTime validates a client time: not after now + 5 minutes.
func checkTime(field string, t, now time.Time) error {
	if t.After(now.Add(maxFuture)) {
		return invalid(field, "is more than 5 minutes in the future")
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return invalid(field, "must be between 1970 and 9999")
	}
	return nil
}

// normalizeJSON returns nil for an absent or null object, and checks that
// anything else is a JSON object of at most max bytes.
func normalizeJSON(field string, raw json.RawMessage, max int) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if len(raw) > max {
		return nil, invalid(field, fmt.Sprintf("is %d bytes, at most %d allowed", len(raw), max))
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, invalid(field, "must be a JSON object")
	}
	return append(json.RawMessage(nil), trimmed...), nil
}

// euroCents reads the euro amount under key in a JSON object and returns it
// in cents, rounded half away from zero; 0 when the key is absent or null.
// The number is read as the exact decimal it is written as, so 12.345 is
// 1235 cents, not the 1234 a binary float would give.
func euroCents(field, key string, obj json.RawMessage) (int64, error) {
	if obj == nil {
		return 0, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return 0, invalid(field, "must be a JSON object")
	}
	raw := bytes.TrimSpace(m[key])
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	name := field + "." + key
	if cents, ok := plainCents(raw); ok {
		return cents, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, invalid(name, "must be a finite number")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, invalid(name, "must be a finite number")
	case f < 0:
		return 0, invalid(name, "must be ≥ 0")
	case err != nil || f > maxEuroCents/100:
		return 0, invalid(name, "is too large")
	}
	if bytes.ContainsAny(raw, "eE") {
		// Exponent notation: a binary float is as exact as the writer meant.
		return int64(math.Round(f * 100)), nil
	}
	eur, ok := new(big.Rat).SetString(string(raw))
	if !ok {
		return 0, invalid(name, "must be a finite number")
	}
	// cents = round(eur × 100) = floor((200·num + den) / (2·den)) for eur ≥ 0.
	num := new(big.Int).Mul(eur.Num(), big.NewInt(200))
	num.Add(num, eur.Denom())
	return num.Quo(num, new(big.Int).Mul(eur.Denom(), big.NewInt(2))).Int64(), nil
}

// plainCents converts the common case — digits with at most two decimals,
// no sign or exponent, like 40 or 80.25 — without allocating. It reports
// false for anything else, which takes the general path.
func plainCents(raw []byte) (int64, bool) {
	var units, cents int64
	i, digits := 0, 0
	for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
		units = units*10 + int64(raw[i]-'0')
		digits++
	}
	if digits == 0 || digits > 13 || (digits > 1 && raw[0] == '0') {
		return 0, false
	}
	if i == len(raw) {
		return units * 100, true
	}
	if raw[i] != '.' || len(raw)-i-1 < 1 || len(raw)-i-1 > 2 {
		return 0, false
	}
	for j, scale := i+1, int64(10); j < len(raw); j, scale = j+1, scale/10 {
		if raw[j] < '0' || raw[j] > '9' {
			return 0, false
		}
		cents += int64(raw[j]-'0') * scale
	}
	return units*100 + cents, true
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
	if tenantID == uuid.Nil {
		return a, invalid("tenant_id", "is required")
	}
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
			return a, err
		}
	}
	if a.Category == "" {
		a.Category = a.AlertType
	}
	if a.PriorityLevel == "" {
		a.PriorityLevel = store.PriorityStandard
	} else if !a.PriorityLevel.Valid() {
		return a, invalid("priority_level", "must be one of critical, important, standard, info")
	}
	if a.PriorityScore != nil && (*a.PriorityScore < 0 || *a.PriorityScore > maxPriorityScore) {
		return a, invalid("priority_score", "must be between 0 and 100")
	}
	if a.TypeClass == "" {
		a.TypeClass = store.TypeClassActionNeeded
	} else if !a.TypeClass.Valid() {
		return a, invalid("type_class", "must be one of action_needed, prevented_issue, trend_warning, escalation, information")
	}
	if a.Status == "" {
		a.Status = store.StatusActive
	} else if !a.Status.Valid() {
		return a, invalid("status", "must be one of active, acknowledged, snoozed, resolved, dismissed")
	}
	if in.CreatedAt.IsZero() {
		a.CreatedAt = now
	} else if err := checkTime("created_at", a.CreatedAt, now); err != nil {
		return a, err
	}
	var err error
	if a.BusinessImpact, err = normalizeJSON("business_impact", in.BusinessImpact, maxAlertJSON); err != nil {
		return a, err
	}
	if a.OrchestratorContext, err = normalizeJSON("orchestrator_context", in.OrchestratorContext, maxAlertJSON); err != nil {
		return a, err
	}
	if a.FinancialImpactCents, err = euroCents("business_impact", "financial_impact_eur", a.BusinessImpact); err != nil {
		return a, err
	}
	if a.EstimatedSavingsCents, err = euroCents("orchestrator_context", "estimated_savings_eur", a.OrchestratorContext); err != nil {
		return a, err
	}
	if a.ID == uuid.Nil {
		if a.ID, err = uuid.NewV7(); err != nil {
			return a, fmt.Errorf("generate alert id: %w", err)
		}
	}
	return a, nil
}

// RecordAlert ingests one alert for the tenant and returns it as stored.
// Ingest is idempotent: when the tenant already has an alert with in.ID, that
// alert is returned unchanged with created false. Invalid input returns a
// *FieldError (ErrInvalidArgument) and writes nothing.
func (s *Service) RecordAlert(ctx context.Context, tenantID uuid.UUID, in AlertInput) (alert Alert, created bool, err error) {
	a, err := newAlert(tenantID, in, s.now())
	if err != nil {
		return Alert{}, false, err
	}
	flags, err := s.store.InsertAlerts(ctx, tenantID, []store.Alert{a})
	if err != nil {
		return Alert{}, false, fmt.Errorf("record alert: %w", err)
	}
	if flags[0] {
		return a, true, nil
	}
	existing, err := s.store.Alert(ctx, tenantID, a.ID)
	if err != nil {
		return Alert{}, false, fmt.Errorf("record alert: %w", err)
	}
	return existing, false, nil
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
func (s *Service) RecordAlerts(ctx context.Context, tenantID uuid.UUID, ins []AlertInput) (AlertBatchResult, error) {
	if tenantID == uuid.Nil {
		return AlertBatchResult{}, invalid("tenant_id", "is required")
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
func (s *Service) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (Alert, error) {
	a, err := s.store.Alert(ctx, tenantID, alertID)
	if err != nil {
		return Alert{}, fmt.Errorf("alert: %w", err)
	}
	return a, nil
}
