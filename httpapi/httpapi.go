// Package httpapi is an optional net/http adapter for an
// alertanalytics.Service, wire-compatible with the Python/FastAPI service it
// replaces: same routes, query parameters, JSON keys and status codes.
//
// New returns an http.Handler on the standard library's ServeMux. Its paths
// are relative, so it can be mounted under any prefix:
//
//	h, err := httpapi.New(svc, httpapi.Config{Authenticator: auth})
//	mux.Handle("/alerts-svc/", http.StripPrefix("/alerts-svc", h))
//
// Every route needs credentials but the OpenAPI document's
// (/api/v1/openapi.json, which holds no tenant data): the Config's
// Authenticator is required and there is no open mode. Errors are RFC 9457 problem documents
// (application/problem+json) naming the fields at fault; a 500 carries a
// generic detail and the request id, never an internal error text. Every
// request gets a request id (X-Request-ID, echoed when the client sent a
// sane one) and one log line.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alertanalytics/alertanalytics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Defaults of Config.
const (
	DefaultMaxBodyBytes  = 1 << 20
	DefaultMaxBatchItems = 1000
)

// Config configures the handler.
type Config struct {
	// Authenticator decides who a request acts for. Required.
	Authenticator Authenticator
	// Logger receives one line per request and the details of internal
	// errors. Defaults to a logger that discards everything.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies; larger ones answer 413. Defaults to
	// 1 MiB.
	MaxBodyBytes int64
	// MaxBatchItems caps the items of a batch; more answer 413. Defaults to
	// 1,000.
	MaxBatchItems int
	// AllowedOrigins lists the origins (scheme://host[:port], exactly as
	// browsers send them in Origin) whose front ends may call the API from
	// a browser (CORS); "*" allows every origin. A preflight OPTIONS from an
	// allowed origin is answered before authentication, with the methods
	// the route takes. Defaults to none: no CORS headers at all.
	AllowedOrigins []string
	// AlertmanagerPriorities maps severity label values of Alertmanager
	// alerts onto priority levels, before the default mapping (see
	// alertanalytics.AlertmanagerOptions).
	AlertmanagerPriorities map[string]alertanalytics.Priority
	// MeterProvider gives the meter of the request metrics
	// (http.server.request.duration by http.route, method and status).
	// Defaults to the global provider, which does nothing until the program
	// sets it.
	MeterProvider metric.MeterProvider
}

// handler serves the API for one Service.
type handler struct {
	svc    *alertanalytics.Service
	cfg    Config
	mux    *http.ServeMux
	logger *slog.Logger
	inst   instruments
	// page is the dashboard page's template, parsed once.
	page *template.Template
}

// route is one operation of the API; the mux and the OpenAPI test both
// read this table.
type route struct {
	method, path string
	serve        func(h *handler, w http.ResponseWriter, r *http.Request, p Principal) error
}

// page reports whether the route is a page a person opens in a browser
// (those outside /api/): it challenges with HTTP Basic (the token as the
// password) instead of Bearer.
func (rt route) page() bool { return !strings.HasPrefix(rt.path, "/api/") }

// openAPIPath is the route of the OpenAPI document.
const openAPIPath = "/api/v1/openapi.json"

// public reports whether the route is served without credentials: only
// the OpenAPI document, which holds no tenant data, so that client
// generators and API tools can fetch it as they find it.
func (rt route) public() bool { return rt.path == openAPIPath }

func routes() []route {
	return []route{
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/alerts", (*handler).createAlert},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/alerts/batch", (*handler).createAlerts},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/{alert_id}", (*handler).getAlert},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/alerts/{alert_id}/interactions", (*handler).createInteraction},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/alerts/interactions/batch", (*handler).createInteractions},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics",
			windowRoute(alertanalytics.DefaultAnalyticsDays, (*alertanalytics.Service).Analytics)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/trends",
			windowRoute(alertanalytics.DefaultAnalyticsDays, (*alertanalytics.Service).Trends)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/dashboard",
			windowRoute(alertanalytics.DefaultDashboardDays, (*alertanalytics.Service).Dashboard)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/compliance",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).compliance)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/breakdown",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).breakdown)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/hours",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).hours)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/noisy",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).noisy)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/people",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).people)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/flapping",
			insightRoute(alertanalytics.DefaultInsightDays, (*handler).flapping)},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/analytics/digest", (*handler).digest},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/alerts/export", (*handler).export},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/integrations/alertmanager", (*handler).alertmanager},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/digest/subscriptions", (*handler).createSubscription},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/digest/subscriptions", (*handler).listSubscriptions},
		{http.MethodPut, "/api/v1/tenants/{tenant_id}/digest/subscriptions/{subscription_id}", (*handler).updateSubscription},
		{http.MethodDelete, "/api/v1/tenants/{tenant_id}/digest/subscriptions/{subscription_id}", (*handler).deleteSubscription},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/digest/deliveries", (*handler).listDeliveries},
		{http.MethodPost, "/api/v1/tenants/{tenant_id}/retention/purge", (*handler).purge},
		{http.MethodGet, "/api/v1/tenants/{tenant_id}/retention/receipts", (*handler).retentionReceipts},
		{http.MethodDelete, "/api/v1/alerts/tenant/{tenant_id}", (*handler).deleteTenant},
		{http.MethodGet, "/api/v1/alerts/tenant/{tenant_id}/deletion-preview", (*handler).deletionPreview},
		{http.MethodGet, "/api/v1/alerts/tenant/{tenant_id}/deletion-receipts", (*handler).deletionReceipts},
		{http.MethodGet, openAPIPath, (*handler).openAPI},
		{http.MethodGet, "/tenants/{tenant_id}/dashboard", (*handler).dashboardPage},
	}
}

// New returns the API handler for svc. It fails when cfg has no
// Authenticator.
func New(svc *alertanalytics.Service, cfg Config) (http.Handler, error) {
	if svc == nil {
		return nil, errors.New("httpapi: nil service")
	}
	if cfg.Authenticator == nil {
		return nil, errors.New("httpapi: Config.Authenticator is required: the API has no open mode")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxBatchItems <= 0 {
		cfg.MaxBatchItems = DefaultMaxBatchItems
	}
	h := &handler{svc: svc, cfg: cfg, mux: http.NewServeMux(), logger: cfg.Logger, inst: newInstruments(cfg.MeterProvider),
		page: pageTemplate()}
	for _, rt := range routes() {
		h.mux.Handle(rt.method+" "+rt.path, h.endpoint(rt))
	}
	return h, nil
}

// requestIDKey keys the request id in a request's context.
type requestIDKey struct{}

// requestID returns a client's X-Request-ID when it is short and printable,
// or a new random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 128 {
		ok := true
		for i := 0; i < len(id); i++ {
			if id[i] < 0x21 || id[i] > 0x7e {
				ok = false
				break
			}
		}
		if ok {
			return id
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the first status written.
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the underlying writer, for Flush
// and write deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Write records the bytes written (and an implicit 200).
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// ServeHTTP gives the request an id, logs it, turns panics into 500s, and
// answers unknown paths and methods with problem documents.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	id := requestID(r)
	w.Header().Set("X-Request-ID", id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	rec := &statusRecorder{ResponseWriter: w}
	rec.Header().Set("X-Content-Type-Options", "nosniff")
	_, pattern := h.mux.Handler(r)
	if rp := routePatternFrom(r.Context()); rp != nil {
		rp.Pattern = pattern
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.logger.ErrorContext(r.Context(), "panic serving request", "request_id", id, "panic", fmt.Sprint(v))
			if rec.status == 0 {
				h.problem(rec, r, http.StatusInternalServerError, "", nil)
			}
		}
		took := time.Since(began)
		h.logger.InfoContext(r.Context(), "request", "request_id", id, "method", r.Method, "route", pattern,
			"status", rec.status, "bytes", rec.bytes, "duration", took)
		_, route, _ := strings.Cut(pattern, " ") // the path template, without the method
		h.inst.duration.Record(r.Context(), took.Seconds(), metric.WithAttributes(attribute.String("http.route", route),
			attribute.String("http.request.method", r.Method), attribute.Int("http.response.status_code", rec.status)))
	}()
	if h.cors(rec, r) {
		return
	}
	if pattern == "" {
		h.unrouted(rec, r)
		return
	}
	h.mux.ServeHTTP(rec, r)
}

// unrouted answers a request no route takes: 405 with Allow when the path
// exists under another method, 404 otherwise — but only to a caller with
// valid credentials, so the API's shape is not probed anonymously.
func (h *handler) unrouted(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authenticate(w, r); !ok {
		return
	}
	allow := h.allowedMethods(r)
	if len(allow) == 0 {
		h.problem(w, r, http.StatusNotFound, "no such route", nil)
		return
	}
	for _, m := range allow {
		w.Header().Add("Allow", m)
	}
	h.problem(w, r, http.StatusMethodNotAllowed, r.Method+" is not allowed here", nil)
}

// authenticate returns the request's principal, or answers 401 (or 500
// when the Authenticator fails) and reports false.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request) (Principal, bool) {
	return h.authenticateAs(w, r, `Bearer realm="alertanalytics"`)
}

// authenticateAs is authenticate with the challenge a 401 carries.
func (h *handler) authenticateAs(w http.ResponseWriter, r *http.Request, challenge string) (Principal, bool) {
	p, err := h.cfg.Authenticator.Authenticate(r)
	if err == nil {
		return p, true
	}
	if errors.Is(err, ErrUnauthenticated) {
		w.Header().Set("WWW-Authenticate", challenge)
		closeUnread(w, r)
		h.problem(w, r, http.StatusUnauthorized, "missing or invalid credentials", nil)
	} else {
		h.internalError(w, r, fmt.Errorf("authenticate: %w", err))
	}
	return Principal{}, false
}

// closeUnread asks net/http to close the connection after an answer that
// leaves the request body unread: it otherwise reads (drains) the body
// before writing the answer, so an anonymous client sending its body a
// byte a second would hold the connection, unanswered, for as long as it
// likes.
func closeUnread(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
}

// endpoint authenticates the request, caps its body and runs the route,
// writing any error it returns as a problem document.
func (h *handler) endpoint(rt route) http.Handler {
	challenge := `Bearer realm="alertanalytics"`
	if rt.page() {
		challenge = `Basic realm="alertanalytics", charset="UTF-8"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p Principal
		if !rt.public() {
			var ok bool
			if p, ok = h.authenticateAs(w, r, challenge); !ok {
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
		if err := rt.serve(h, w, r, p); err != nil {
			h.writeError(w, r, err)
		}
	})
}
