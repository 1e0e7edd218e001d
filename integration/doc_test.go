// Package integration holds the tests that need heavy dependencies the
// library's own module must not carry: the dashboard page in headless
// Chromium (chromedp), every answer and request checked against the
// OpenAPI document (libopenapi-validator), and the telemetry the library
// and its HTTP adapter emit, read through the OpenTelemetry SDK. It is a
// module of its own with a replace to the library, so importers of the
// library never see these requirements; it tests only the public API.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

const (
	tenantA     = "aaaaaaaa-0000-4000-8000-000000000001"
	tenantB     = "bbbbbbbb-0000-4000-8000-000000000002"
	userA       = "0000000a-0000-4000-8000-00000000000a"
	userService = "0000000f-0000-4000-8000-00000000000f"
	alertOne    = "01900000-0000-7000-8000-000000000001"
	// Tokens and what they may do.
	tokenService = "service-token"  // service, every tenant
	tokenA       = "tenant-a-token" // user of tenant A only
)

// now is the clock of every test here: Monday 2 November 2026, 10:00 UTC.
func now() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

// memoryStore returns a migrated in-memory SQLite store, closed when the
// test ends.
func memoryStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(context.Background()))
	return st
}

type env struct {
	svc     *alertanalytics.Service
	handler http.Handler
}

// setup returns a Service on a fresh store and its handler, with a
// service token and a token of tenant A's user, as a host would mount it.
func setup(t testing.TB, cfg httpapi.Config) *env {
	t.Helper()
	svc := alertanalytics.New(memoryStore(t), alertanalytics.Config{Clock: now})
	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{
		tokenService: {UserID: uuid.MustParse(userService), Name: "gdpr-service", AllTenants: true, Service: true},
		tokenA:       {UserID: uuid.MustParse(userA), Tenants: []uuid.UUID{uuid.MustParse(tenantA)}},
	})
	require.NoError(t, err)
	cfg.Authenticator = auth
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	}
	h, err := httpapi.New(svc, cfg)
	require.NoError(t, err)
	return &env{svc: svc, handler: h}
}

func (e *env) do(t *testing.T, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// id returns the id of the alert or interaction a 2xx answer carries.
func id(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	require.Less(t, rec.Code, 300, rec.Body.String())
	var v struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v.ID
}
