package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

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

func badRequest(field, detail string) error {
	return &apiError{status: http.StatusBadRequest, detail: field + ": " + detail, fields: []fieldProblem{{field, detail}}}
}

func forbidden(detail string) error { return &apiError{status: http.StatusForbidden, detail: detail} }

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
		h.problem(w, r, api.status, api.detail, api.fields)
	case errors.As(err, &field):
		h.problem(w, r, http.StatusBadRequest, field.Error(), []fieldProblem{{field.Field, field.Detail}})
	case errors.As(err, &tooBig):
		h.problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit), nil)
	case errors.Is(err, alertanalytics.ErrNotFound):
		h.problem(w, r, http.StatusNotFound, "alert not found", nil)
	default:
		h.internalError(w, r, err)
	}
}

// decodeJSON decodes one JSON value from data into dst, refusing unknown
// fields and trailing data, and maps decoding errors onto client errors
// naming the field.
func decodeJSON(data io.Reader, dst any) error {
	dec := json.NewDecoder(data)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return &apiError{status: http.StatusBadRequest, detail: "malformed JSON: data after the JSON value"}
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return &apiError{status: http.StatusBadRequest, detail: "request body is empty"}
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return &apiError{status: http.StatusBadRequest, detail: "malformed JSON: " + err.Error()}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &apiError{status: http.StatusBadRequest, detail: "malformed JSON: the body must be a JSON object"}
		}
		return badRequest(field, "must be a JSON "+jsonKind(typeErr.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(field, "unknown field")
	}
	return &apiError{status: http.StatusBadRequest, detail: "malformed JSON: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "string":
		return "string"
	case goKind == "slice" || goKind == "array":
		return "array"
	case goKind == "bool":
		return "boolean"
	}
	return "object"
}
