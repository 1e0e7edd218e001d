package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/alertanalytics/alertanalytics"
)

// ErrUnauthenticated is matched by an *Error for a 401: the server knows
// no such credentials.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden is matched by an *Error for a 403: the credentials may not
// act on the tenant, or not in that way.
var ErrForbidden = errors.New("forbidden")

// Error is an answer of the server other than success. It matches, under
// errors.Is and errors.As, what the embedded call returns for the same
// failure: see the package doc.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Detail is the problem document's detail.
	Detail string
	// RequestID is the server's id of the request, to quote when
	// reporting a failure.
	RequestID string
	// err is what the embedded call returns for the same failure.
	err error
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("alertanalytics server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the error the embedded call returns for the same failure:
// a *alertanalytics.FieldError, alertanalytics.ErrNotFound,
// alertanalytics.ErrOverloaded, alertanalytics.ErrInvalidArgument,
// ErrUnauthenticated or ErrForbidden; nil for a failure of the server
// itself (500).
func (e *Error) Unwrap() error { return e.err }

// problem is an RFC 9457 problem document as httpapi writes it.
type problem struct {
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// maxProblemBytes caps how much of an error answer is read.
const maxProblemBytes = 64 << 10

// readError turns a failed answer into an *Error, and closes its body.
func readError(resp *http.Response) *Error {
	defer resp.Body.Close()
	var p problem
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProblemBytes))
	if json.Unmarshal(body, &p) != nil {
		p.Detail = string(body)
	}
	e := &Error{StatusCode: resp.StatusCode, Detail: p.Detail, RequestID: p.RequestID}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Request-ID")
	}
	switch resp.StatusCode {
	case http.StatusUnprocessableEntity:
		if len(p.Errors) > 0 {
			e.err = &alertanalytics.FieldError{Field: p.Errors[0].Field, Detail: p.Errors[0].Detail}
		} else {
			e.err = alertanalytics.ErrInvalidArgument
		}
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		e.err = alertanalytics.ErrInvalidArgument
	case http.StatusNotFound:
		e.err = alertanalytics.ErrNotFound
	case http.StatusServiceUnavailable:
		e.err = alertanalytics.ErrOverloaded
	case http.StatusUnauthorized:
		e.err = ErrUnauthenticated
	case http.StatusForbidden:
		e.err = ErrForbidden
	}
	return e
}
