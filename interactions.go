package alertanalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// InteractionInput is something a person did about an alert.
type InteractionInput struct {
	// AlertID names the alert. RecordInteractions requires it; for
	// RecordInteraction it may be zero, and otherwise must equal the alertID
	// argument.
	AlertID uuid.UUID `json:"alert_id"`
	// Type is acknowledged, resolved, snoozed or dismissed.
	Type InteractionType `json:"interaction_type"`
	// InteractedAt defaults to now. A client time (offline sync) is accepted
	// up to 5 minutes in the future.
	InteractedAt time.Time `json:"interacted_at"`
	// Metadata is an optional JSON object of at most 16 KiB.
	Metadata json.RawMessage `json:"metadata"`
	// IdempotencyKey, at most 128 characters, makes the call safe to repeat:
	// a key the tenant used before returns the first interaction, marked
	// duplicate, and changes nothing.
	IdempotencyKey string `json:"idempotency_key"`
}

// RecordedInteraction is an interaction as stored, and whether it was a
// repeat of an earlier one with the same idempotency key.
type RecordedInteraction struct {
	Interaction
	// Duplicate is true when the idempotency key had been used: the
	// interaction is the first one recorded with it, and nothing changed.
	Duplicate bool `json:"duplicate"`
}

// newInteraction validates in and returns the interaction to store.
func newInteraction(tenantID, userID uuid.UUID, in InteractionInput, now time.Time) (store.Interaction, error) {
	it := store.Interaction{
		TenantID:       tenantID,
		AlertID:        in.AlertID,
		UserID:         userID,
		Type:           in.Type,
		InteractedAt:   in.InteractedAt.UTC().Truncate(time.Millisecond),
		IdempotencyKey: in.IdempotencyKey,
		RecordedAt:     now,
	}
	switch {
	case userID == uuid.Nil:
		return it, invalid("user_id", "is required")
	case in.AlertID == uuid.Nil:
		return it, invalid("alert_id", "is required")
	case in.Type == "":
		return it, invalid("interaction_type", "is required")
	case !in.Type.Valid():
		return it, invalid("interaction_type", "must be one of "+joinNames(store.InteractionTypes()))
	}
	if in.InteractedAt.IsZero() {
		it.InteractedAt = now
	} else if err := checkTime("interacted_at", it.InteractedAt, now); err != nil {
		return it, err
	}
	var err error
	if it.Metadata, err = normalizeJSON("metadata", in.Metadata, maxMetadataJSON); err != nil {
		return it, err
	}
	if err := checkText("idempotency_key", in.IdempotencyKey, maxIdempotency, false); err != nil {
		return it, err
	}
	if it.ID, err = uuid.NewV7(); err != nil {
		return it, fmt.Errorf("generate interaction id: %w", err)
	}
	return it, nil
}

// RecordInteraction records what userID did about one of the tenant's alerts
// and moves the alert's status in the same transaction (see
// store.NextStatus), writing an audit-log row when it changes. The response
// time is interacted_at − the alert's created_at in whole seconds, clamped
// at 0. A repeated idempotency key returns the first interaction with
// Duplicate set and changes nothing; the same key on another alert or with
// another type is a *FieldError for "idempotency_key". An unknown alert returns an error
// wrapping ErrNotFound; invalid input a *FieldError.
func (s *Service) RecordInteraction(ctx context.Context, tenantID, alertID, userID uuid.UUID, in InteractionInput) (_ RecordedInteraction, err error) {
	ctx, end, err := s.call(ctx, "RecordInteraction", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return RecordedInteraction{}, err
	}
	if in.AlertID != uuid.Nil && in.AlertID != alertID {
		return RecordedInteraction{}, invalid("alert_id", "does not match the alert the interaction is recorded on")
	}
	in.AlertID = alertID
	it, err := newInteraction(tenantID, userID, in, s.now())
	if err != nil {
		return RecordedInteraction{}, err
	}
	results, err := s.store.RecordInteractions(ctx, tenantID, []store.Interaction{it})
	if err != nil {
		return RecordedInteraction{}, fmt.Errorf("record interaction: %w", err)
	}
	r := results[0]
	if r.Err != nil {
		return RecordedInteraction{}, fmt.Errorf("record interaction: %w", r.Err)
	}
	if err := checkRepeat(it, r); err != nil {
		return RecordedInteraction{}, err
	}
	if !r.Duplicate {
		s.tel.interactionsRecorded.Add(ctx, 1)
	}
	return RecordedInteraction{Interaction: interactionOf(r.Interaction), Duplicate: r.Duplicate}, nil
}

// checkRepeat refuses an idempotency key reused for another alert or another
// interaction type: that is a client bug, not a retry, and answering it as a
// duplicate would hide that the second interaction was never recorded.
func checkRepeat(in store.Interaction, r writeflow.InteractionResult) error {
	if r.Duplicate && (r.Interaction.AlertID != in.AlertID || r.Interaction.Type != in.Type) {
		return invalid("idempotency_key", "was already used for another alert or interaction type")
	}
	return nil
}

// InteractionBatchResult is the outcome of RecordInteractions.
type InteractionBatchResult struct {
	// Created counts the interactions stored; Duplicates those whose
	// idempotency key had been used before.
	Created, Duplicates int
	// Interactions lists the stored and duplicate interactions in input order.
	Interactions []RecordedInteraction
	// Rejected lists, in input order, the invalid items, those naming an
	// alert the tenant does not have, and those whose idempotency key was
	// used before for another alert or type.
	Rejected []Rejection
}

// RecordInteractions records a batch of interactions by userID, in input
// order, as RecordInteraction does for one. Invalid items and items on
// unknown alerts are listed in Rejected; the others are stored in one
// transaction, so a storage error stores none of them.
func (s *Service) RecordInteractions(ctx context.Context, tenantID, userID uuid.UUID, ins []InteractionInput) (_ InteractionBatchResult, err error) {
	ctx, end, err := s.call(ctx, "RecordInteractions", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return InteractionBatchResult{}, err
	}
	now := s.now()
	var res InteractionBatchResult
	valid, positions, rejected := validItems(ins, func(in InteractionInput) (store.Interaction, error) {
		return newInteraction(tenantID, userID, in, now)
	})
	res.Rejected = rejected
	if len(valid) == 0 {
		return res, nil
	}
	results, err := s.store.RecordInteractions(ctx, tenantID, valid)
	if err != nil {
		return InteractionBatchResult{}, fmt.Errorf("record interactions: %w", err)
	}
	var notFound []Rejection
	for j, r := range results {
		if r.Err == nil {
			r.Err = checkRepeat(valid[j], r)
		}
		switch {
		case r.Err != nil:
			notFound = append(notFound, Rejection{Index: positions[j], Err: r.Err})
		case r.Duplicate:
			res.Duplicates++
			res.Interactions = append(res.Interactions, RecordedInteraction{Interaction: interactionOf(r.Interaction), Duplicate: true})
		default:
			res.Created++
			res.Interactions = append(res.Interactions, RecordedInteraction{Interaction: interactionOf(r.Interaction)})
		}
	}
	res.Rejected = mergeRejections(res.Rejected, notFound)
	s.tel.interactionsRecorded.Add(ctx, int64(res.Created))
	return res, nil
}

// mergeRejections merges two lists sorted by index into one.
func mergeRejections(a, b []Rejection) []Rejection {
	if len(b) == 0 {
		return a
	}
	out := make([]Rejection, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Index < b[0].Index {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
