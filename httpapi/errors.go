package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/alertanalytics/alertanalytics"
)

// fieldProblem names one field at fault.
type fieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// problemDoc is an RFC 9457 problem document.
type problemDoc struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Errors    []fieldProblem `json:"errors,omitempty"`
	RequestID string         `json:"request_id"`
}

// apiError is an error that maps to a status other than 500.
type apiError struct {
	status int
	detail string
	fields []fieldProblem
}

// Error implements error.
func (e *apiError) Error() string { return e.detail }

// invalidField is a request validation failure of one field: 422, as the
// replaced FastAPI service answered request validation errors.
func invalidField(field, detail string) error {
	return &apiError{status: http.StatusUnprocessableEntity, detail: field + " " + detail, fields: []fieldProblem{{field, detail}}}
}

// notJSON is a body that is not JSON at all: the only 400.
func notJSON(detail string) error { return &apiError{status: http.StatusBadRequest, detail: detail} }

func forbidden(detail string) error { return &apiError{status: http.StatusForbidden, detail: detail} }

// personDetail is the words a person reads for err, without Go error
// prefixes: "alert_type is required", "alert not found".
func personDetail(err error) string {
	var (
		api   *apiError
		field *alertanalytics.FieldError
	)
	switch {
	case errors.As(err, &api):
		return api.detail
	case errors.As(err, &field):
		return field.Field + " " + field.Detail
	case errors.Is(err, alertanalytics.ErrNotFound):
		return "alert not found"
	}
	return "internal error"
}

func (h *handler) problem(w http.ResponseWriter, r *http.Request, status int, detail string, fields []fieldProblem) {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	if status == http.StatusInternalServerError {
		detail = "internal error; quote request id " + id + " when reporting it"
		fields = nil
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problemDoc{
		Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Errors: fields, RequestID: id,
	})
}

func (h *handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	h.logger.ErrorContext(r.Context(), "internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "error", err)
	h.problem(w, r, http.StatusInternalServerError, "", nil)
}

// writeError answers with the problem document err maps to.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		api    *apiError
		field  *alertanalytics.FieldError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &api):
		if api.status == http.StatusForbidden {
			closeUnread(w, r)
		}
		h.problem(w, r, api.status, api.detail, api.fields)
	case errors.As(err, &field):
		h.problem(w, r, http.StatusUnprocessableEntity, personDetail(field), []fieldProblem{{field.Field, field.Detail}})
	case errors.As(err, &tooBig):
		h.problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit), nil)
	case errors.Is(err, alertanalytics.ErrNotFound):
		h.problem(w, r, http.StatusNotFound, personDetail(err), nil)
	case errors.Is(err, alertanalytics.ErrNoDeliveries):
		h.problem(w, r, http.StatusNotImplemented, "this server's store keeps no digest subscriptions", nil)
	case errors.Is(err, alertanalytics.ErrOverloaded), errors.Is(err, alertanalytics.ErrConflict):
		// Nothing was written; Alertmanager and well-behaved clients retry
		// a 503. A conflict reaches here only after the Service's own
		// retries.
		w.Header().Set("Retry-After", "1")
		h.problem(w, r, http.StatusServiceUnavailable, "the service is busy; nothing was written, retry in a second", nil)
	default:
		h.internalError(w, r, err)
	}
}
