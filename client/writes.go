package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// tenantPath is the path of a tenant's resources.
func tenantPath(tenantID uuid.UUID, rest string) string {
	return "/api/v1/tenants/" + tenantID.String() + rest
}

// timeText is t as the API reads it, nil for the zero time (the default).
func timeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// checkObject refuses a JSON value the request could not carry.
func checkObject(field string, raw json.RawMessage) error {
	if raw != nil && !json.Valid(raw) {
		return &alertanalytics.FieldError{Field: field, Detail: "must be a JSON object"}
	}
	return nil
}

// alertBody is in as the API reads it, with its id fixed: the one given,
// or a new UUIDv7, as the Service would generate.
func alertBody(in alertanalytics.AlertInput) (wire.AlertRequest, uuid.UUID, error) {
	id := in.ID
	if id == uuid.Nil {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return wire.AlertRequest{}, uuid.Nil, fmt.Errorf("client: generating an alert id: %w", err)
		}
	}
	idText := id.String()
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"business_impact", in.BusinessImpact}, {"orchestrator_context", in.OrchestratorContext}} {
		if err := checkObject(f.name, f.raw); err != nil {
			return wire.AlertRequest{}, uuid.Nil, err
		}
	}
	return wire.AlertRequest{
		ID: &idText, AlertType: in.AlertType, Category: in.Category, Title: in.Title, Message: in.Message, Service: in.Service,
		PriorityLevel: string(in.PriorityLevel), PriorityScore: in.PriorityScore, TypeClass: string(in.TypeClass),
		Status: string(in.Status), CreatedAt: timeText(in.CreatedAt),
		BusinessImpact: in.BusinessImpact, OrchestratorContext: in.OrchestratorContext,
	}, id, nil
}

// none turns a JSON null, which decodes into a json.RawMessage as the four
// bytes "null", back into the nil the Service returns for no object.
func none(raw *json.RawMessage) {
	if string(*raw) == "null" {
		*raw = nil
	}
}

// decoded puts an alert decoded from JSON in the Service's form.
func decoded(a alertanalytics.Alert) alertanalytics.Alert {
	none(&a.BusinessImpact)
	none(&a.OrchestratorContext)
	return a
}

// decodedInteraction puts an interaction decoded from JSON in the
// Service's form.
func decodedInteraction(i alertanalytics.RecordedInteraction) alertanalytics.RecordedInteraction {
	none(&i.Metadata)
	return i
}

// RecordAlert stores an alert, as Service.RecordAlert does. created is
// false when the tenant already had an alert with its id — which is also
// what a retried call whose first try was stored answers.
func (c *Client) RecordAlert(ctx context.Context, tenantID uuid.UUID, in alertanalytics.AlertInput) (alertanalytics.Alert, bool, error) {
	body, _, err := alertBody(in)
	if err != nil {
		return alertanalytics.Alert{}, false, err
	}
	var a alertanalytics.Alert
	status, err := c.getJSON(ctx, request{method: http.MethodPost, path: tenantPath(tenantID, "/alerts"), body: body, repeatable: true}, &a)
	return decoded(a), status == http.StatusCreated, err
}

// RecordAlerts stores a batch of alerts (at most the server's batch limit,
// 1,000 by default), as Service.RecordAlerts does.
func (c *Client) RecordAlerts(ctx context.Context, tenantID uuid.UUID, ins []alertanalytics.AlertInput) (alertanalytics.AlertBatchResult, error) {
	items := make([]wire.AlertRequest, len(ins))
	for i, in := range ins {
		body, _, err := alertBody(in)
		if err != nil {
			return alertanalytics.AlertBatchResult{}, err
		}
		items[i] = body
	}
	var got wire.AlertBatch
	if _, err := c.getJSON(ctx, request{method: http.MethodPost, path: tenantPath(tenantID, "/alerts/batch"),
		body: map[string]any{"alerts": items}, repeatable: true}, &got); err != nil {
		return alertanalytics.AlertBatchResult{}, err
	}
	out := alertanalytics.AlertBatchResult{Created: got.CreatedCount, Existing: got.ExistingCount,
		IDs: make([]uuid.UUID, len(got.IDs)), Rejected: rejections(got.Rejected)}
	for i, id := range got.IDs {
		if id != nil {
			out.IDs[i] = *id
		}
	}
	return out, nil
}

// Alert reads one alert, as Service.Alert does.
func (c *Client) Alert(ctx context.Context, tenantID, alertID uuid.UUID) (alertanalytics.Alert, error) {
	var a alertanalytics.Alert
	_, err := c.getJSON(ctx, request{method: http.MethodGet, path: tenantPath(tenantID, "/alerts/"+alertID.String()), repeatable: true}, &a)
	return decoded(a), err
}

// interactionBody is in as the API reads it.
func interactionBody(in alertanalytics.InteractionInput) (wire.InteractionRequest, error) {
	if err := checkObject("metadata", in.Metadata); err != nil {
		return wire.InteractionRequest{}, err
	}
	b := wire.InteractionRequest{InteractionType: string(in.Type), InteractedAt: timeText(in.InteractedAt), Metadata: in.Metadata,
		IdempotencyKey: in.IdempotencyKey}
	if in.AlertID != uuid.Nil {
		s := in.AlertID.String()
		b.AlertID = &s
	}
	return b, nil
}

// userQuery names the user interactions are recorded under; none (the
// credentials' user) for the nil UUID.
func userQuery(userID uuid.UUID) url.Values {
	if userID == uuid.Nil {
		return nil
	}
	return url.Values{"user_id": {userID.String()}}
}

// RecordInteraction records one interaction, as Service.RecordInteraction
// does. userID is the user it is recorded under: the server lets a service
// caller name any user and any other caller only itself; uuid.Nil means
// the credentials' user.
func (c *Client) RecordInteraction(ctx context.Context, tenantID, alertID, userID uuid.UUID, in alertanalytics.InteractionInput) (alertanalytics.RecordedInteraction, error) {
	body, err := interactionBody(in)
	if err != nil {
		return alertanalytics.RecordedInteraction{}, err
	}
	var got alertanalytics.RecordedInteraction
	_, err = c.getJSON(ctx, request{method: http.MethodPost, path: tenantPath(tenantID, "/alerts/"+alertID.String()+"/interactions"),
		query: userQuery(userID), body: body, repeatable: in.IdempotencyKey != ""}, &got)
	return decodedInteraction(got), err
}

// RecordInteractions records a batch of interactions (at most the server's
// batch limit, 1,000 by default), as Service.RecordInteractions does;
// userID as for RecordInteraction.
func (c *Client) RecordInteractions(ctx context.Context, tenantID, userID uuid.UUID, ins []alertanalytics.InteractionInput) (alertanalytics.InteractionBatchResult, error) {
	items := make([]wire.InteractionRequest, len(ins))
	keyed := true
	for i, in := range ins {
		body, err := interactionBody(in)
		if err != nil {
			return alertanalytics.InteractionBatchResult{}, err
		}
		items[i] = body
		keyed = keyed && in.IdempotencyKey != ""
	}
	var got wire.InteractionBatch[alertanalytics.RecordedInteraction]
	if _, err := c.getJSON(ctx, request{method: http.MethodPost, path: tenantPath(tenantID, "/alerts/interactions/batch"),
		query: userQuery(userID), body: map[string]any{"interactions": items}, repeatable: keyed}, &got); err != nil {
		return alertanalytics.InteractionBatchResult{}, err
	}
	out := alertanalytics.InteractionBatchResult{Created: got.CreatedCount, Duplicates: got.DuplicateCount,
		Interactions: got.Recorded, Rejected: rejections(got.Rejected)}
	if len(out.Interactions) == 0 {
		out.Interactions = nil // as the Service leaves an empty list
	}
	for i := range out.Interactions {
		out.Interactions[i] = decodedInteraction(out.Interactions[i])
	}
	return out, nil
}

// rejections turns the wire's rejected items into the Service's: a
// *FieldError for an invalid item, an error wrapping ErrNotFound for an
// alert the tenant does not have.
func rejections(in []wire.Rejection) []alertanalytics.Rejection {
	if len(in) == 0 {
		return nil // as the Service leaves an empty list
	}
	out := make([]alertanalytics.Rejection, len(in))
	for i, rj := range in {
		out[i] = alertanalytics.Rejection{Index: rj.Index}
		if rj.Field != "" {
			out[i].Err = &alertanalytics.FieldError{Field: rj.Field, Detail: strings.TrimPrefix(rj.Detail, rj.Field+" ")}
		} else {
			out[i].Err = fmt.Errorf("%s: %w", rj.Detail, alertanalytics.ErrNotFound)
		}
	}
	return out
}
