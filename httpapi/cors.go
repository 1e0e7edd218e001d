package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// corsAllowedHeaders are the request headers a browser may send across
// origins: credentials, the JSON body's type and the request id.
const corsAllowedHeaders = "Authorization, Content-Type, X-Request-ID"

// corsAllowed reports whether origin may call the API from a browser.
func (h *handler) corsAllowed(origin string) bool {
	return origin != "" && (slices.Contains(h.cfg.AllowedOrigins, origin) || slices.Contains(h.cfg.AllowedOrigins, "*"))
}

// cors adds the CORS headers for an allowed origin and answers a preflight
// request itself, before authentication: a browser sends no credentials on
// a preflight. It reports true when the request has been answered. Requests
// from other origins get no CORS headers, so browsers keep them out.
//
// With CORS on, every answer carries Vary: Origin, allowed origin or not:
// the answer depends on the Origin header, so a shared cache must not
// serve one origin's answer (with or without the CORS headers) to another.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) bool {
	if len(h.cfg.AllowedOrigins) == 0 {
		return false
	}
	header := w.Header()
	header.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if !h.corsAllowed(origin) {
		return false
	}
	header.Set("Access-Control-Allow-Origin", origin)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		header.Set("Access-Control-Expose-Headers", "X-Request-ID")
		return false
	}
	methods := h.allowedMethods(r)
	if len(methods) == 0 {
		header.Del("Access-Control-Allow-Origin")
		return false // an unknown path: answered as any other
	}
	header.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	header.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
	header.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// allowedMethods lists the methods the route at r's path takes.
func (h *handler) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}
