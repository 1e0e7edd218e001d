package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

//go:embed openapi.json
var openAPIDocument []byte

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// A failed write means the client went away: nothing is left to tell it.
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// pathUUID reads a UUID path parameter.
func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, invalidField(name, "must be a UUID")
	}
	return id, nil
}

// tenant reads the tenant path parameter and checks the caller may act on it.
func tenant(r *http.Request, p Principal) (uuid.UUID, error) {
	id, err := pathUUID(r, "tenant_id")
	if err != nil {
		return uuid.Nil, err
	}
	if !p.CanAccess(id) {
		return uuid.Nil, forbidden("the caller may not act on this tenant")
	}
	return id, nil
}

// parseUUID reads an optional UUID field of a body.
func parseUUID(field string, s *string) (uuid.UUID, error) {
	if s == nil || *s == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(*s)
	if err != nil {
		return uuid.Nil, invalidField(field, "must be a UUID")
	}
	return id, nil
}

// parseTime reads an optional time field: RFC 3339, or an ISO 8601 date and
// time without offset, taken as UTC (as the Python service accepted).
func parseTime(field string, s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalidField(field, "must be an RFC 3339 date and time")
}

// alertRequest is the body of an alert, as clients send it.
type alertRequest struct {
	ID                  *string         `json:"id"`
	TenantID            *string         `json:"tenant_id"`
	AlertType           string          `json:"alert_type"`
	Category            string          `json:"category"`
	Title               string          `json:"title"`
	Message             string          `json:"message"`
	Service             string          `json:"service"`
	PriorityLevel       string          `json:"priority_level"`
	PriorityScore       *int            `json:"priority_score"`
	TypeClass           string          `json:"type_class"`
	Status              string          `json:"status"`
	CreatedAt           *string         `json:"created_at"`
	BusinessImpact      json.RawMessage `json:"business_impact"`
	OrchestratorContext json.RawMessage `json:"orchestrator_context"`
}

// input converts the body into a Service input. The tenant comes from the
// path; a tenant_id in the body, accepted for old clients, must match it.
func (a alertRequest) input(tenantID uuid.UUID) (alertanalytics.AlertInput, error) {
	in := alertanalytics.AlertInput{
		AlertType: a.AlertType, Category: a.Category, Title: a.Title, Message: a.Message, Service: a.Service,
		PriorityLevel: alertanalytics.Priority(a.PriorityLevel), PriorityScore: a.PriorityScore,
		TypeClass: alertanalytics.TypeClass(a.TypeClass), Status: alertanalytics.Status(a.Status),
		BusinessImpact: a.BusinessImpact, OrchestratorContext: a.OrchestratorContext,
	}
	var err error
	if in.ID, err = parseUUID("id", a.ID); err != nil {
		return in, err
	}
	if bodyTenant, err := parseUUID("tenant_id", a.TenantID); err != nil {
		return in, err
	} else if bodyTenant != uuid.Nil && bodyTenant != tenantID {
		return in, invalidField("tenant_id", "does not match the tenant in the path")
	}
	if in.CreatedAt, err = parseTime("created_at", a.CreatedAt); err != nil {
		return in, err
	}
	return in, nil
}

func (h *handler) createAlert(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	var body alertRequest
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	in, err := body.input(tenantID)
	if err != nil {
		return err
	}
	alert, created, err := h.svc.RecordAlert(r.Context(), tenantID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, alert)
}

// rejection is a batch item that was not stored.
type rejection struct {
	Index  int    `json:"index"`
	Detail string `json:"detail"`
}

// decodeItems decodes each batch item into a body B and converts it to a
// Service input. Items that fail are rejected with their index; the others
// come back with their positions in the batch.
func decodeItems[B, I any](items []json.RawMessage, convert func(B) (I, error)) (inputs []I, positions []int, rejected []rejection) {
	rejected = []rejection{}
	for i, raw := range items {
		var body B
		err := decodeObject(raw, &body)
		var in I
		if err == nil {
			in, err = convert(body)
		}
		if err != nil {
			rejected = append(rejected, rejection{Index: i, Detail: personDetail(err)})
			continue
		}
		inputs = append(inputs, in)
		positions = append(positions, i)
	}
	return inputs, positions, rejected
}

// allRejections adds the items the Service rejected (indexed within the
// inputs it was given) to those rejected while decoding, in batch order.
func allRejections(decoding []rejection, positions []int, service []alertanalytics.Rejection) []rejection {
	for _, rj := range service {
		decoding = append(decoding, rejection{Index: positions[rj.Index], Detail: personDetail(rj.Err)})
	}
	slices.SortFunc(decoding, func(a, b rejection) int { return a.Index - b.Index })
	return decoding
}

func (h *handler) createAlerts(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	items, err := decodeBatch(r.Body, "alerts", h.cfg.MaxBatchItems)
	if err != nil {
		return err
	}
	inputs, positions, rejected := decodeItems(items, func(b alertRequest) (alertanalytics.AlertInput, error) {
		return b.input(tenantID)
	})
	res, err := h.svc.RecordAlerts(r.Context(), tenantID, inputs)
	if err != nil {
		return err
	}
	ids := make([]*uuid.UUID, len(items))
	for j, id := range res.IDs {
		if id != uuid.Nil {
			ids[positions[j]] = &id
		}
	}
	return writeJSON(w, http.StatusOK, alertBatchResponse{
		CreatedCount: res.Created, ExistingCount: res.Existing, IDs: ids,
		Rejected: allRejections(rejected, positions, res.Rejected),
	})
}

// alertBatchResponse answers an alert batch. IDs[i] is item i's id, nil
// (JSON null) when it was rejected.
type alertBatchResponse struct {
	CreatedCount  int          `json:"created_count"`
	ExistingCount int          `json:"existing_count"`
	IDs           []*uuid.UUID `json:"ids"`
	Rejected      []rejection  `json:"rejected"`
}

func (h *handler) getAlert(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	alertID, err := pathUUID(r, "alert_id")
	if err != nil {
		return err
	}
	alert, err := h.svc.Alert(r.Context(), tenantID, alertID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, alert)
}

// interactionRequest is the body of an interaction, as clients send it.
type interactionRequest struct {
	AlertID         *string         `json:"alert_id"`
	InteractionType string          `json:"interaction_type"`
	InteractedAt    *string         `json:"interacted_at"`
	Metadata        json.RawMessage `json:"metadata"`
	IdempotencyKey  string          `json:"idempotency_key"`
}

func (b interactionRequest) input() (alertanalytics.InteractionInput, error) {
	in := alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionType(b.InteractionType), Metadata: b.Metadata, IdempotencyKey: b.IdempotencyKey,
	}
	var err error
	if in.AlertID, err = parseUUID("alert_id", b.AlertID); err != nil {
		return in, err
	}
	if in.InteractedAt, err = parseTime("interacted_at", b.InteractedAt); err != nil {
		return in, err
	}
	return in, nil
}

// interactionUser is the user interactions are recorded under.
func interactionUser(p Principal) (uuid.UUID, error) {
	if p.UserID == uuid.Nil {
		return uuid.Nil, forbidden("interactions are recorded under a user, and the credentials carry none")
	}
	return p.UserID, nil
}

type interactionResponse struct {
	ID                  uuid.UUID `json:"id"`
	AlertID             uuid.UUID `json:"alert_id"`
	InteractionType     string    `json:"interaction_type"`
	InteractedAt        time.Time `json:"interacted_at"`
	ResponseTimeSeconds int64     `json:"response_time_seconds"`
	Duplicate           bool      `json:"duplicate"`
}

func (h *handler) createInteraction(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	alertID, err := pathUUID(r, "alert_id")
	if err != nil {
		return err
	}
	user, err := interactionUser(p)
	if err != nil {
		return err
	}
	var body interactionRequest
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	res, err := h.svc.RecordInteraction(r.Context(), tenantID, alertID, user, in)
	if err != nil {
		return err
	}
	// 200 whether new or a repeat, as the replaced service answered.
	return writeJSON(w, http.StatusOK, interactionResponse{
		ID: res.ID, AlertID: res.AlertID, InteractionType: string(res.Type), InteractedAt: res.InteractedAt,
		ResponseTimeSeconds: res.ResponseTimeSeconds, Duplicate: res.Duplicate,
	})
}

// interactionBatchResponse answers an interaction batch; Interactions lists
// the newly stored ones.
type interactionBatchResponse struct {
	CreatedCount   int                `json:"created_count"`
	DuplicateCount int                `json:"duplicate_count"`
	Interactions   []batchInteraction `json:"interactions"`
	Rejected       []rejection        `json:"rejected"`
}

type batchInteraction struct {
	ID              uuid.UUID `json:"id"`
	AlertID         uuid.UUID `json:"alert_id"`
	InteractionType string    `json:"interaction_type"`
	InteractedAt    time.Time `json:"interacted_at"`
}

func (h *handler) createInteractions(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	user, err := interactionUser(p)
	if err != nil {
		return err
	}
	items, err := decodeBatch(r.Body, "interactions", h.cfg.MaxBatchItems)
	if err != nil {
		return err
	}
	inputs, positions, rejected := decodeItems(items, interactionRequest.input)
	res, err := h.svc.RecordInteractions(r.Context(), tenantID, user, inputs)
	if err != nil {
		return err
	}
	out := make([]batchInteraction, 0, res.Created)
	for _, it := range res.Interactions {
		if !it.Duplicate {
			out = append(out, batchInteraction{ID: it.ID, AlertID: it.AlertID, InteractionType: string(it.Type), InteractedAt: it.InteractedAt})
		}
	}
	return writeJSON(w, http.StatusOK, interactionBatchResponse{
		CreatedCount: res.Created, DuplicateCount: res.Duplicates, Interactions: out,
		Rejected: allRejections(rejected, positions, res.Rejected),
	})
}

// queryValue returns the one value of a query parameter, and whether it was
// given. A parameter given more than once is refused: which one would count
// is a guess.
func queryValue(q url.Values, name string) (string, bool, error) {
	v, ok := q[name]
	switch {
	case !ok:
		return "", false, nil
	case len(v) > 1:
		return "", true, invalidField(name, "must be given once")
	}
	return v[0], true, nil
}

// queryInt reads a whole-number query parameter in [min, max]: digits only,
// def when absent.
func queryInt(q url.Values, name string, def, min, max int) (int, error) {
	s, ok, err := queryValue(q, name)
	if err != nil || !ok {
		return def, err
	}
	outOfRange := invalidField(name, fmt.Sprintf("must be a whole number between %d and %d", min, max))
	if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, outOfRange
	}
	n, _ := strconv.Atoi(s)
	if n < min || n > max {
		return 0, outOfRange
	}
	return n, nil
}

// queryZone reads the tz query parameter: an IANA time zone name in exact
// case, UTC when absent. Local and the empty string are refused, so an
// answer never depends on the host's zone.
func queryZone(q url.Values) (*time.Location, error) {
	tz, ok, err := queryValue(q, "tz")
	if err != nil || !ok {
		return time.UTC, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return nil, invalidField("tz", "must be an IANA time zone name such as Europe/Madrid")
	}
	return loc, nil
}

// window reads the days and tz query parameters.
func window(r *http.Request, defaultDays int) (alertanalytics.Window, error) {
	q := r.URL.Query()
	days, err := queryInt(q, "days", defaultDays, alertanalytics.MinWindowDays, alertanalytics.MaxWindowDays)
	if err != nil {
		return alertanalytics.Window{}, err
	}
	loc, err := queryZone(q)
	if err != nil {
		return alertanalytics.Window{}, err
	}
	return alertanalytics.Window{Days: days, Location: loc}, nil
}

// windowRoute serves a read over a window of the tenant's days, taken from
// the days (defaultDays when absent) and tz query parameters.
func windowRoute[T any](defaultDays int, read func(*alertanalytics.Service, context.Context, uuid.UUID, alertanalytics.Window) (T, error)) func(*handler, http.ResponseWriter, *http.Request, Principal) error {
	return func(h *handler, w http.ResponseWriter, r *http.Request, p Principal) error {
		tenantID, err := tenant(r, p)
		if err != nil {
			return err
		}
		win, err := window(r, defaultDays)
		if err != nil {
			return err
		}
		v, err := read(h.svc, r.Context(), tenantID, win)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
}

// serviceTenant checks that the caller is a service allowed on the tenant.
func serviceTenant(r *http.Request, p Principal) (uuid.UUID, error) {
	tenantID, err := tenant(r, p)
	if err != nil {
		return uuid.Nil, err
	}
	if !p.Service {
		return uuid.Nil, forbidden("only service callers may preview, delete or purge a tenant's data")
	}
	return tenantID, nil
}

// The texts of the replaced service's deletion answers, which its clients
// may show or match.
const (
	deletionMessage = "Tenant data deletion completed successfully"
	deletionWarning = "These records will be permanently deleted and cannot be recovered"
)

// deletionResponse answers a tenant deletion.
type deletionResponse struct {
	Message string          `json:"message"`
	Summary deletionSummary `json:"summary"`
}

type deletionSummary struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	Deleted      rowCounts `json:"deleted"`
	TotalDeleted int64     `json:"total_deleted"`
	DeletedAt    time.Time `json:"deleted_at"`
}

// rowCounts is how the API has always named a tenant's rows per table in
// deletion and retention answers: by the replaced service's table names.
type rowCounts struct {
	Alerts            int64 `json:"alerts"`
	AlertInteractions int64 `json:"alert_interactions"`
	AuditLogs         int64 `json:"audit_logs"`
}

func rowCountsOf(c alertanalytics.TenantCounts) rowCounts {
	return rowCounts{Alerts: c.Alerts, AlertInteractions: c.AlertInteractions, AuditLogs: c.AuditLogs}
}

// deletionPreviewResponse answers a deletion preview.
type deletionPreviewResponse struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	Service      string    `json:"service"`
	Preview      rowCounts `json:"preview"`
	TotalRecords int64     `json:"total_records"`
	Warning      string    `json:"warning"`
}

func (h *handler) deleteTenant(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	receipt, err := h.svc.DeleteTenant(r.Context(), tenantID, p.requester())
	if err != nil {
		return err
	}
	d := receipt.Deleted
	return writeJSON(w, http.StatusOK, deletionResponse{
		Message: deletionMessage,
		Summary: deletionSummary{TenantID: tenantID, Deleted: rowCountsOf(d), TotalDeleted: d.Total(), DeletedAt: receipt.DeletedAt},
	})
}

func (h *handler) deletionPreview(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	c, err := h.svc.PreviewTenantDeletion(r.Context(), tenantID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deletionPreviewResponse{
		TenantID: tenantID, Service: "alert_processor", Preview: rowCountsOf(c), TotalRecords: c.Total(), Warning: deletionWarning,
	})
}

func (h *handler) openAPI(w http.ResponseWriter, _ *http.Request, _ Principal) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
	return nil
}
