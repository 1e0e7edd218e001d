package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
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

// input converts the body into a Service input. The tenant comes from the
// path; a tenant_id in the body, accepted for old clients, must match it.
func alertInput(a wire.AlertRequest, tenantID uuid.UUID) (alertanalytics.AlertInput, error) {
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
	var body wire.AlertRequest
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	in, err := alertInput(body, tenantID)
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

// rejectionOf is the wire form of a batch item refused with err.
func rejectionOf(index int, err error) wire.Rejection {
	rj := wire.Rejection{Index: index, Detail: personDetail(err)}
	if field := new(alertanalytics.FieldError); errors.As(err, &field) {
		rj.Field = field.Field
	} else if api := new(apiError); errors.As(err, &api) && len(api.fields) == 1 {
		rj.Field = api.fields[0].Field
	}
	return rj
}

// decodeItems decodes each batch item into a body B and converts it to a
// Service input. Items that fail are rejected with their index; the others
// come back with their positions in the batch.
func decodeItems[B, I any](items []json.RawMessage, convert func(B) (I, error)) (inputs []I, positions []int, rejected []wire.Rejection) {
	rejected = []wire.Rejection{}
	for i, raw := range items {
		var body B
		err := decodeObject(raw, &body)
		var in I
		if err == nil {
			in, err = convert(body)
		}
		if err != nil {
			rejected = append(rejected, rejectionOf(i, err))
			continue
		}
		inputs = append(inputs, in)
		positions = append(positions, i)
	}
	return inputs, positions, rejected
}

// allRejections adds the items the Service rejected (indexed within the
// inputs it was given) to those rejected while decoding, in batch order.
func allRejections(decoding []wire.Rejection, positions []int, service []alertanalytics.Rejection) []wire.Rejection {
	for _, rj := range service {
		decoding = append(decoding, rejectionOf(positions[rj.Index], rj.Err))
	}
	slices.SortFunc(decoding, func(a, b wire.Rejection) int { return a.Index - b.Index })
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
	inputs, positions, rejected := decodeItems(items, func(b wire.AlertRequest) (alertanalytics.AlertInput, error) {
		return alertInput(b, tenantID)
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
	return writeJSON(w, http.StatusOK, wire.AlertBatch{
		CreatedCount: res.Created, ExistingCount: res.Existing, IDs: ids,
		Rejected: allRejections(rejected, positions, res.Rejected),
	})
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

func interactionInput(b wire.InteractionRequest) (alertanalytics.InteractionInput, error) {
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

// interactionUser is the user interactions are recorded under: the
// credentials' user, or the user_id query parameter's. A service caller
// may name any user it acts for; any other caller only itself.
func interactionUser(r *http.Request, p Principal) (uuid.UUID, error) {
	v, given, err := queryValue(r.URL.Query(), "user_id")
	if err != nil {
		return uuid.Nil, err
	}
	if given {
		id, err := uuid.Parse(v)
		if err != nil || id == uuid.Nil {
			return uuid.Nil, invalidField("user_id", "must be a UUID other than the nil UUID")
		}
		if id != p.UserID && !p.Service {
			return uuid.Nil, forbidden("only service callers may record interactions under another user")
		}
		return id, nil
	}
	if p.UserID == uuid.Nil {
		return uuid.Nil, forbidden("interactions are recorded under a user, and the credentials carry none (a service caller names one with user_id)")
	}
	return p.UserID, nil
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
	user, err := interactionUser(r, p)
	if err != nil {
		return err
	}
	var body wire.InteractionRequest
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	in, err := interactionInput(body)
	if err != nil {
		return err
	}
	res, err := h.svc.RecordInteraction(r.Context(), tenantID, alertID, user, in)
	if err != nil {
		return err
	}
	// 200 whether new or a repeat, as the replaced service answered; the
	// replaced service's keys, and the rest of the interaction beside them.
	return writeJSON(w, http.StatusOK, res)
}

func (h *handler) createInteractions(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	user, err := interactionUser(r, p)
	if err != nil {
		return err
	}
	items, err := decodeBatch(r.Body, "interactions", h.cfg.MaxBatchItems)
	if err != nil {
		return err
	}
	inputs, positions, rejected := decodeItems(items, interactionInput)
	res, err := h.svc.RecordInteractions(r.Context(), tenantID, user, inputs)
	if err != nil {
		return err
	}
	out := make([]wire.BatchInteraction, 0, res.Created)
	for _, it := range res.Interactions {
		if !it.Duplicate {
			out = append(out, wire.BatchInteraction{ID: it.ID, AlertID: it.AlertID, InteractionType: string(it.Type), InteractedAt: it.InteractedAt})
		}
	}
	recorded := res.Interactions
	if recorded == nil {
		recorded = []alertanalytics.RecordedInteraction{}
	}
	return writeJSON(w, http.StatusOK, wire.InteractionBatch[alertanalytics.RecordedInteraction]{
		CreatedCount: res.Created, DuplicateCount: res.Duplicates, Interactions: out, Recorded: recorded,
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

// requester names who asked for a deletion or purge on its receipt: the
// requested_by given (service callers only reach here), or the caller.
func requester(given string, p Principal) string {
	if given != "" {
		return given
	}
	return p.requester()
}

func (h *handler) deleteTenant(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	by, _, err := queryValue(r.URL.Query(), "requested_by")
	if err != nil {
		return err
	}
	receipt, err := h.svc.DeleteTenant(r.Context(), tenantID, requester(by, p))
	if err != nil {
		return err
	}
	d := receipt.Deleted
	return writeJSON(w, http.StatusOK, wire.Deletion{
		Message: deletionMessage,
		Summary: wire.DeletionSummary{TenantID: tenantID, Deleted: wire.CountsOf(d), TotalDeleted: d.Total(), DeletedAt: receipt.DeletedAt},
		Receipt: wire.DeletionReceiptOf(receipt),
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
	return writeJSON(w, http.StatusOK, wire.DeletionPreview{
		TenantID: tenantID, Service: "alert_processor", Preview: wire.CountsOf(c), TotalRecords: c.Total(), Warning: deletionWarning,
	})
}

// deletionReceipts lists the tenant's deletion receipts, oldest first
// (service callers only).
func (h *handler) deletionReceipts(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := serviceTenant(r, p)
	if err != nil {
		return err
	}
	receipts, err := h.svc.TenantDeletionReceipts(r.Context(), tenantID)
	if err != nil {
		return err
	}
	out := make([]wire.DeletionReceipt, len(receipts))
	for i, rc := range receipts {
		out[i] = wire.DeletionReceiptOf(rc)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) openAPI(w http.ResponseWriter, _ *http.Request, _ Principal) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
	return nil
}
