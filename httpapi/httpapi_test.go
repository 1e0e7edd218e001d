package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
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
	tokenAB      = "tenant-ab-token"
)

func now() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

type env struct {
	svc     *alertanalytics.Service
	handler http.Handler
	logs    *bytes.Buffer
}

func setup(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(context.Background()))
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: now})
	auth, err := NewStaticTokens(map[string]Principal{
		tokenService: {UserID: uuid.MustParse(userService), Name: "gdpr-service", AllTenants: true, Service: true},
		tokenA:       {UserID: uuid.MustParse(userA), Tenants: []uuid.UUID{uuid.MustParse(tenantA)}},
		tokenAB:      {UserID: uuid.MustParse(userA), Tenants: []uuid.UUID{uuid.MustParse(tenantA), uuid.MustParse(tenantB)}},
	})
	require.NoError(t, err)
	logs := &bytes.Buffer{}
	h, err := New(svc, Config{Authenticator: auth, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	return &env{svc: svc, handler: h, logs: logs}
}

func (e *env) do(t *testing.T, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

// requireProblem checks a problem document with the status and, when
// field is not empty, the field at fault.
func requireProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, field string) map[string]any {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	p := decode(t, rec)
	require.Equal(t, float64(status), p["status"])
	require.Equal(t, http.StatusText(status), p["title"])
	require.NotEmpty(t, p["detail"])
	require.NotEmpty(t, p["request_id"])
	if field != "" {
		require.Equal(t, []any{map[string]any{"field": field, "detail": p["errors"].([]any)[0].(map[string]any)["detail"]}}, p["errors"], rec.Body.String())
	}
	return p
}

// concrete turns a route pattern into a request path with tenant A and a
// fixed alert id.
func concrete(pattern string) string {
	return strings.NewReplacer("{tenant_id}", tenantA, "{alert_id}", alertOne, "{subscription_id}", alertOne).Replace(pattern)
}

func TestEveryRouteRefusesMissingAndBadCredentials(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// The OpenAPI document holds no tenant data: anyone may read it.
	doc := e.do(t, http.MethodGet, "/api/v1/openapi.json", "", "")
	require.Equal(t, http.StatusOK, doc.Code)
	require.Equal(t, "application/json", doc.Header().Get("Content-Type"))
	for _, rt := range routes() {
		if rt.public() {
			continue
		}
		for _, token := range []string{"", "wrong-token", tokenService + "x"} {
			rec := e.do(t, rt.method, concrete(rt.path), token, `{}`)
			requireProblem(t, rec, http.StatusUnauthorized, "")
			require.NotEmpty(t, rec.Header().Get("WWW-Authenticate"))
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"), rt.path)
		}
		// Every answer carries nosniff, success included.
		rec := e.do(t, rt.method, concrete(rt.path), tokenService, `{}`)
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"), "%s %s: %d", rt.method, rt.path, rec.Code)
		// A malformed Authorization header too.
		req := httptest.NewRequest(rt.method, concrete(rt.path), strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Basic "+tokenService)
		rec = httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		requireProblem(t, rec, http.StatusUnauthorized, "")
	}
	// Unknown paths and methods answer 401 too until the caller is known.
	requireProblem(t, e.do(t, http.MethodGet, "/api/v1/nothing", "", ""), http.StatusUnauthorized, "")
	requireProblem(t, e.do(t, http.MethodPut, "/api/v1/tenants/"+tenantA+"/alerts", "", "{}"), http.StatusUnauthorized, "")
}

func TestEveryTenantRouteRefusesOtherTenants(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, rt := range routes() {
		if !strings.Contains(rt.path, "{tenant_id}") {
			continue
		}
		path := strings.NewReplacer("{tenant_id}", tenantB, "{alert_id}", alertOne, "{subscription_id}", alertOne).Replace(rt.path)
		rec := e.do(t, rt.method, path, tokenA, `{}`)
		requireProblem(t, rec, http.StatusForbidden, "")
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	}
}

func TestDeletionRoutesNeedAService(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, path := range []string{"/api/v1/alerts/tenant/" + tenantA, "/api/v1/alerts/tenant/" + tenantA + "/deletion-preview"} {
		method := http.MethodGet
		if !strings.HasSuffix(path, "preview") {
			method = http.MethodDelete
		}
		p := requireProblem(t, e.do(t, method, path, tokenA, ""), http.StatusForbidden, "")
		require.Contains(t, p["detail"], "service")
	}
}

func TestNewRequiresAnAuthenticator(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := New(e.svc, Config{})
	require.ErrorContains(t, err, "Authenticator is required")
	_, err = NewStaticTokens(map[string]Principal{"": {}})
	require.Error(t, err)
}

func createAlert(t *testing.T, e *env, tenant, body string) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/alerts", tokenAB, body)
}

func TestAlertLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{"id":"` + alertOne + `","alert_type":"low_stock_warning","category":"inventory","title":"Flour low",
		"priority_level":"critical","created_at":"2026-11-02T09:00:00Z","business_impact":{"financial_impact_eur":80.25}}`
	rec := createAlert(t, e, tenantA, body)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	created := decode(t, rec)
	require.Equal(t, alertOne, created["id"])
	require.Equal(t, tenantA, created["tenant_id"])
	require.Equal(t, "active", created["status"])
	require.Equal(t, map[string]any{"financial_impact_eur": 80.25}, created["business_impact"])

	// Redelivery: 200 and the alert unchanged.
	rec = createAlert(t, e, tenantA, strings.Replace(body, "Flour low", "Changed", 1))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, created, decode(t, rec))

	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne, tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, created, decode(t, rec))

	// An interaction: 200, as the replaced service answered (clients test
	// for 200); the same request again: 200, duplicate. A user_id in the
	// body is ignored: the caller is the user.
	ibody := `{"interaction_type":"acknowledged","interacted_at":"2026-11-02T09:05:30Z","idempotency_key":"k-1","metadata":{"device":"tablet"},"user_id":"` + userService + `"}`
	path := "/api/v1/tenants/" + tenantA + "/alerts/" + alertOne + "/interactions"
	rec = e.do(t, http.MethodPost, path, tokenA, ibody)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	first := decode(t, rec)
	// The replaced service's keys, and the rest of the interaction beside
	// them.
	require.Equal(t, map[string]any{"id": first["id"], "alert_id": alertOne, "interaction_type": "acknowledged",
		"interacted_at": "2026-11-02T09:05:30Z", "response_time_seconds": float64(330), "duplicate": false,
		"tenant_id": tenantA, "user_id": userA, "metadata": map[string]any{"device": "tablet"}, "idempotency_key": "k-1",
		"recorded_at": "2026-11-02T10:00:00Z"}, first)
	rec = e.do(t, http.MethodPost, path, tokenA, ibody)
	require.Equal(t, http.StatusOK, rec.Code)
	dup := decode(t, rec)
	require.Equal(t, true, dup["duplicate"])
	require.Equal(t, first["id"], dup["id"])
	require.Equal(t, "acknowledged", dup["interaction_type"])
	// The key reused for another type is a client bug, not a retry.
	p := requireProblem(t, e.do(t, http.MethodPost, path, tokenA, strings.Replace(ibody, "acknowledged", "resolved", 1)),
		http.StatusUnprocessableEntity, "idempotency_key")
	require.Equal(t, "idempotency_key was already used for another alert or interaction type", p["detail"])
	stored, err := e.svc.Alert(context.Background(), uuid.MustParse(tenantA), uuid.MustParse(alertOne))
	require.NoError(t, err)
	require.Equal(t, alertanalytics.StatusAcknowledged, stored.Status)

	// Unknown alert: 404.
	requireProblem(t, e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/"+uuid.NewString(), tokenA, ""), http.StatusNotFound, "")
	requireProblem(t, e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+uuid.NewString()+"/interactions", tokenA,
		`{"interaction_type":"resolved"}`), http.StatusNotFound, "")
}

func TestTenantIsolationThroughHTTP(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantB, `{"id":"`+alertOne+`","alert_type":"b_only"}`).Code)
	// A caller allowed on both tenants, asking under A for B's alert id, finds nothing.
	requireProblem(t, e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne, tokenAB, ""), http.StatusNotFound, "")
	requireProblem(t, e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne+"/interactions", tokenAB,
		`{"interaction_type":"resolved"}`), http.StatusNotFound, "")
	// A's analytics do not count B's alert.
	rec := e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, float64(0), decode(t, rec)["totalAlerts"])
	// A tenant-body mismatch is refused.
	requireProblem(t, createAlert(t, e, tenantA, `{"tenant_id":"`+tenantB+`","alert_type":"x"}`), http.StatusUnprocessableEntity, "tenant_id")
	// Deleting A leaves B.
	rec = e.do(t, http.MethodDelete, "/api/v1/alerts/tenant/"+tenantA, tokenService, "")
	require.Equal(t, http.StatusOK, rec.Code)
	rec = e.do(t, http.MethodGet, "/api/v1/alerts/tenant/"+tenantB+"/deletion-preview", tokenService, "")
	require.Equal(t, float64(1), decode(t, rec)["total_records"])
}

func TestMountedUnderPrefix(t *testing.T) {
	t.Parallel()
	e := setup(t)
	mux := http.NewServeMux()
	mux.Handle("/alert-processor/", http.StripPrefix("/alert-processor", e.handler))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/alert-processor/api/v1/tenants/"+tenantA+"/alerts/analytics/trends?days=3", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var trend []map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&trend))
	require.Len(t, trend, 3)
	require.Equal(t, "2026-11-02", trend[2]["date"])
	// Unprefixed paths are not served by the host.
	res2, err := http.Get(srv.URL + "/api/v1/tenants/" + tenantA + "/alerts/analytics/trends")
	require.NoError(t, err)
	res2.Body.Close()
	require.Equal(t, http.StatusNotFound, res2.StatusCode)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"t"}`).Code)
	alerts := "/api/v1/tenants/" + tenantA + "/alerts"
	interactions := alerts + "/" + alertOne + "/interactions"
	analytics := alerts + "/analytics"
	future := now().Add(6 * time.Minute).Format(time.RFC3339)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		// Request validation: 422, what the replaced FastAPI service answered.
		{"bad tenant uuid", "GET", "/api/v1/tenants/not-a-uuid/alerts/analytics", "", 422, "tenant_id"},
		{"bad alert uuid", "GET", alerts + "/123", "", 422, "alert_id"},
		{"bad body uuid", "POST", alerts, `{"id":"nope","alert_type":"t"}`, 422, "id"},
		{"unknown priority", "POST", alerts, `{"alert_type":"t","priority_level":"urgent"}`, 422, "priority_level"},
		{"unknown type class", "POST", alerts, `{"alert_type":"t","type_class":"x"}`, 422, "type_class"},
		{"unknown status", "POST", alerts, `{"alert_type":"t","status":"open"}`, 422, "status"},
		{"missing alert_type", "POST", alerts, `{}`, 422, "alert_type"},
		{"score as string", "POST", alerts, `{"alert_type":"t","priority_score":"high"}`, 422, "priority_score"},
		{"score out of range", "POST", alerts, `{"alert_type":"t","priority_score":101}`, 422, "priority_score"},
		{"huge score", "POST", alerts, `{"alert_type":"t","priority_score":1e400}`, 422, "priority_score"},
		{"negative impact", "POST", alerts, `{"alert_type":"t","business_impact":{"financial_impact_eur":-1}}`, 422, "business_impact.financial_impact_eur"},
		{"future created_at", "POST", alerts, `{"alert_type":"t","created_at":"` + future + `"}`, 422, "created_at"},
		{"bad created_at", "POST", alerts, `{"alert_type":"t","created_at":"yesterday"}`, 422, "created_at"},
		{"duplicate key", "POST", alerts, `{"alert_type":"t","alert_type":"u"}`, 422, "alert_type"},
		{"duplicate money key", "POST", alerts, `{"alert_type":"t","business_impact":{"financial_impact_eur":1,"financial_impact_eur":1000000}}`, 422, "business_impact.financial_impact_eur"},
		{"not an object", "POST", alerts, `["alert_type"]`, 422, ""},
		{"unknown interaction type", "POST", interactions, `{"interaction_type":"escalated"}`, 422, "interaction_type"},
		{"future interacted_at", "POST", interactions, `{"interaction_type":"resolved","interacted_at":"` + future + `"}`, 422, "interacted_at"},
		{"mismatched alert_id", "POST", interactions, `{"interaction_type":"resolved","alert_id":"` + uuid.NewString() + `"}`, 422, "alert_id"},
		{"days 0", "GET", analytics + "?days=0", "", 422, "days"},
		{"days 91", "GET", analytics + "?days=91", "", 422, "days"},
		{"days not a number", "GET", analytics + "/trends?days=seven", "", 422, "days"},
		{"days empty", "GET", analytics + "?days=", "", 422, "days"},
		{"days repeated", "GET", analytics + "?days=7&days=8", "", 422, "days"},
		{"days signed", "GET", analytics + "?days=+7", "", 422, "days"},
		{"days spaced", "GET", analytics + "?days=%207", "", 422, "days"},
		{"days exponent", "GET", analytics + "?days=1e1", "", 422, "days"},
		{"days huge", "GET", analytics + "?days=99999999999999999999", "", 422, "days"},
		{"dashboard days 91", "GET", analytics + "/dashboard?days=91", "", 422, "days"},
		{"unknown tz", "GET", analytics + "?tz=Mars/Olympus", "", 422, "tz"},
		{"tz Local", "GET", analytics + "/dashboard?tz=Local", "", 422, "tz"},
		{"tz empty", "GET", analytics + "?tz=", "", 422, "tz"},
		{"tz repeated", "GET", analytics + "?tz=UTC&tz=Europe/Madrid", "", 422, "tz"},
		{"batch not an array", "POST", alerts + "/batch", `{"alerts":{}}`, 422, "alerts"},
		{"batch null", "POST", alerts + "/batch", `{"alerts":null}`, 422, "alerts"},
		{"batch missing key", "POST", alerts + "/batch", `{"items":[]}`, 422, "alerts"},
		{"batch duplicate key", "POST", alerts + "/batch", `{"alerts":[],"alerts":[]}`, 422, "alerts"},
		{"interaction batch missing key", "POST", alerts + "/interactions/batch", `{}`, 422, "interactions"},
		// A body that is not JSON at all: 400.
		{"malformed json", "POST", alerts, `{"alert_type":`, 400, ""},
		{"trailing data", "POST", alerts, `{"alert_type":"t"} {}`, 400, ""},
		{"empty body", "POST", alerts, ``, 400, ""},
		{"invalid UTF-8", "POST", alerts, "{\"alert_type\":\"t\",\"business_impact\":{\"note\":\"\xff\"}}", 400, ""},
		{"invalid UTF-8 in a batch", "POST", alerts + "/batch", "{\"alerts\":[{\"alert_type\":\"t\"},{\"alert_type\":\"t\",\"metadata\":\"\xc3\x28\"}]}", 400, ""},
		{"wrong method", "PUT", alerts, `{}`, 405, ""},
		{"unknown route", "GET", "/api/v1/nothing", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.do(t, tc.method, tc.path, tokenA, tc.body)
			requireProblem(t, rec, tc.status, tc.field)
			if tc.status == 405 {
				require.Equal(t, []string{"POST"}, rec.Header().Values("Allow"))
			}
			p := decode(t, rec)
			require.NotContains(t, p["detail"], "invalid argument")
			if tc.field != "" {
				require.True(t, strings.HasPrefix(p["detail"].(string), tc.field+" "), p["detail"])
			}
		})
	}
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rec := createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"t","severity":"high","extra":{"a":[1,2]}}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "severity")
	// Unknown query parameters too.
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics?days=7&page=2&cache=no", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// Leading zeros are still digits.
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics/trends?days=03", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var trend []any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &trend))
	require.Len(t, trend, 3)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := setup(t)
	auth, err := NewStaticTokens(map[string]Principal{tokenA: {UserID: uuid.MustParse(userA), Tenants: []uuid.UUID{uuid.MustParse(tenantA)}}})
	require.NoError(t, err)
	h, err := New(e.svc, Config{Authenticator: auth, AllowedOrigins: []string{"https://console.example"}})
	require.NoError(t, err)
	path := "/api/v1/tenants/" + tenantA + "/alerts/interactions/batch"
	preflight := func(origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodOptions, path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// A preflight carries no credentials: it is answered before authentication.
	rec := preflight("https://console.example")
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.Equal(t, "https://console.example", rec.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "POST", rec.Header().Get("Access-Control-Allow-Methods"))
	require.Contains(t, rec.Header().Get("Access-Control-Allow-Headers"), "Authorization")
	require.Contains(t, rec.Header().Values("Vary"), "Origin")

	// Another origin gets no CORS headers (and, without credentials, a 401),
	// but Vary: Origin all the same, as does a request with no Origin: a
	// cache must not hand either answer to the allowed origin.
	rec = preflight("https://evil.example")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, []string{"Origin"}, rec.Header().Values("Vary"))
	req0 := httptest.NewRequest(http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics", nil)
	req0.Header.Set("Authorization", "Bearer "+tokenA)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req0)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, []string{"Origin"}, rec.Header().Values("Vary"))

	// The actual request from the allowed origin carries the headers.
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"interactions":[]}`))
	req.Header.Set("Origin", "https://console.example")
	req.Header.Set("Authorization", "Bearer "+tokenA)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "https://console.example", rec.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "X-Request-ID", rec.Header().Get("Access-Control-Expose-Headers"))

	// Off by default: the handler of setup sends no CORS headers at all.
	req = httptest.NewRequest(http.MethodOptions, path, nil)
	req.Header.Set("Origin", "https://console.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec = httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
	require.Empty(t, rec.Header().Values("Vary"))
}

func TestLimits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alerts := "/api/v1/tenants/" + tenantA + "/alerts"
	big := `{"alert_type":"t","message":"` + strings.Repeat("x", 1<<20) + `"}`
	requireProblem(t, e.do(t, http.MethodPost, alerts, tokenA, big), http.StatusRequestEntityTooLarge, "")

	items := make([]string, 1001)
	for i := range items {
		items[i] = `{"alert_type":"t"}`
	}
	requireProblem(t, e.do(t, http.MethodPost, alerts+"/batch", tokenA, `{"alerts":[`+strings.Join(items, ",")+`]}`),
		http.StatusRequestEntityTooLarge, "alerts")
	// 340,000 empty items in a 1 MiB body: refused at the 1,001st item,
	// without decoding the rest.
	requireProblem(t, e.do(t, http.MethodPost, alerts+"/batch", tokenA, `{"alerts":[`+strings.Repeat(`{},`, 340000)+`{}]}`),
		http.StatusRequestEntityTooLarge, "alerts")
	// 1,000 is allowed.
	rec := e.do(t, http.MethodPost, alerts+"/batch", tokenA, `{"alerts":[`+strings.Join(items[:1000], ",")+`]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, float64(1000), decode(t, rec)["created_count"])
}

func TestBatches(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alerts := "/api/v1/tenants/" + tenantA + "/alerts"
	rec := e.do(t, http.MethodPost, alerts+"/batch", tokenA, `{"alerts":[
		{"id":"`+alertOne+`","alert_type":"a"},
		{"alert_type":"b","priority_level":"urgent"},
		{"id":"`+alertOne+`","alert_type":"again"},
		{"alert_type":"c","colour":"red"},
		{"id":"bad","alert_type":"d"},
		{"alert_type":"e","business_impact":{"x":1,"x":2}}], "source":"legacy-client"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := decode(t, rec)
	// Item 3's unknown field is ignored, as the replaced service ignored it.
	require.Equal(t, float64(2), got["created_count"])
	require.Equal(t, float64(1), got["existing_count"])
	ids := got["ids"].([]any)
	require.Len(t, ids, 6)
	require.Equal(t, alertOne, ids[0])
	require.Nil(t, ids[1])
	require.Equal(t, alertOne, ids[2])
	require.NotEmpty(t, ids[3])
	require.Nil(t, ids[4])
	require.Nil(t, ids[5])
	stored, err := e.svc.Alert(context.Background(), uuid.MustParse(tenantA), uuid.MustParse(ids[3].(string)))
	require.NoError(t, err)
	require.Equal(t, "c", stored.AlertType)
	require.Equal(t, []any{
		map[string]any{"index": float64(1), "detail": "priority_level must be one of critical, important, standard, info", "field": "priority_level"},
		map[string]any{"index": float64(4), "detail": "id must be a UUID", "field": "id"},
		map[string]any{"index": float64(5), "detail": "business_impact.x is a duplicate key", "field": "business_impact.x"},
	}, got["rejected"])

	other := uuid.NewString()
	rec = e.do(t, http.MethodPost, alerts+"/interactions/batch", tokenA, `{"interactions":[
		{"alert_id":"`+alertOne+`","interaction_type":"acknowledged","idempotency_key":"x","user_id":"`+userService+`"},
		{"alert_id":"`+alertOne+`","interaction_type":"bogus"},
		{"alert_id":"`+other+`","interaction_type":"resolved"},
		{"alert_id":"`+alertOne+`","interaction_type":"acknowledged","idempotency_key":"x"},
		{"alert_id":"`+alertOne+`","interaction_type":"resolved","idempotency_key":"x"},
		{"interaction_type":"resolved"}]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got = decode(t, rec)
	// Item 0 carries a user_id, which is ignored (the caller is the user),
	// never a reason to drop it; item 3 repeats it; item 4 reuses its key
	// for another type.
	require.Equal(t, float64(1), got["created_count"])
	require.Equal(t, float64(1), got["duplicate_count"])
	ints := got["interactions"].([]any) // the newly stored ones only
	require.Len(t, ints, 1)
	require.Equal(t, []string{"alert_id", "id", "interacted_at", "interaction_type"}, keysOf(ints[0]))
	require.Equal(t, []any{
		map[string]any{"index": float64(1), "detail": "interaction_type must be one of acknowledged, resolved, snoozed, dismissed", "field": "interaction_type"},
		map[string]any{"index": float64(2), "detail": "alert not found"}, // no field: an alert the tenant does not have
		map[string]any{"index": float64(4), "detail": "idempotency_key was already used for another alert or interaction type", "field": "idempotency_key"},
		map[string]any{"index": float64(5), "detail": "alert_id is required", "field": "alert_id"},
	}, got["rejected"])
	// recorded lists the stored and the duplicate interaction whole, in
	// batch order: item 0, then item 3 marked duplicate with item 0's id.
	recorded := got["recorded"].([]any)
	require.Len(t, recorded, 2)
	require.Equal(t, ints[0].(map[string]any)["id"], recorded[0].(map[string]any)["id"])
	require.Equal(t, false, recorded[0].(map[string]any)["duplicate"])
	require.Equal(t, recorded[0].(map[string]any)["id"], recorded[1].(map[string]any)["id"])
	require.Equal(t, true, recorded[1].(map[string]any)["duplicate"])
	require.Equal(t, userA, recorded[0].(map[string]any)["user_id"])
	its, err := e.svc.RecordInteractions(context.Background(), uuid.MustParse(tenantA), uuid.MustParse(userA),
		[]alertanalytics.InteractionInput{{AlertID: uuid.MustParse(alertOne), Type: alertanalytics.InteractionAcknowledged, IdempotencyKey: "x"}})
	require.NoError(t, err)
	require.Equal(t, uuid.MustParse(userA), its.Interactions[0].UserID, "recorded as the caller, not the body's user_id")

	// Empty lists are [], never null.
	rec = e.do(t, http.MethodPost, alerts+"/batch", tokenA, `{"alerts":[]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"created_count":0,"existing_count":0,"ids":[],"rejected":[]}`, rec.Body.String())
	rec = e.do(t, http.MethodPost, alerts+"/interactions/batch", tokenA, `{"interactions":[]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"created_count":0,"duplicate_count":0,"interactions":[],"recorded":[],"rejected":[]}`, rec.Body.String())

	// A service caller records under the user it names; any other caller
	// only under itself.
	one := alerts + "/" + alertOne + "/interactions"
	rec = e.do(t, http.MethodPost, one+"?user_id="+userA, tokenService, `{"interaction_type":"snoozed"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, userA, decode(t, rec)["user_id"])
	rec = e.do(t, http.MethodPost, one+"?user_id="+userA, tokenA, `{"interaction_type":"snoozed"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	requireProblem(t, e.do(t, http.MethodPost, one+"?user_id="+userService, tokenA, `{"interaction_type":"snoozed"}`), http.StatusForbidden, "")
	requireProblem(t, e.do(t, http.MethodPost, alerts+"/interactions/batch?user_id=nope", tokenService, `{"interactions":[]}`),
		http.StatusUnprocessableEntity, "user_id")
}

func keysOf(v any) []string {
	m := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shape replaces every leaf of a JSON value with its JSON type, so two
// documents compare by keys and types alone.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "?"
}

func TestGoldenShapes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"t","category":"stock","created_at":"2026-11-01T10:00:00Z"}`).Code)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne+"/interactions", tokenA,
		`{"interaction_type":"acknowledged","interacted_at":"2026-11-01T10:10:00Z"}`).Code)
	get := func(path string, token string) any {
		rec := e.do(t, http.MethodGet, path, token, "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var v any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
		return shape(v)
	}
	base := "/api/v1/tenants/" + tenantA + "/alerts/analytics"
	trend := map[string]any{"date": "string", "count": "number", "critical": "number", "important": "number", "standard": "number", "info": "number"}
	require.Equal(t, map[string]any{
		"trends": []any{trend}, "averageResponseTime": "number",
		"topCategories": []any{map[string]any{"category": "string", "count": "number", "percentage": "number"}},
		"totalAlerts":   "number", "resolvedAlerts": "number", "activeAlerts": "number", "resolutionRate": "number",
		"predictedDailyAverage": "number", "busiestDay": "string",
	}, get(base+"?days=7&tz=Europe/Madrid", tokenA))
	require.Equal(t, []any{trend}, get(base+"/trends", tokenA))

	stats := map[string]any{"count": "number", "mean_seconds": "number", "p50_seconds": "number", "p75_seconds": "number",
		"p90_seconds": "number", "p95_seconds": "number", "p99_seconds": "number"}
	pair := map[string]any{"time_to_acknowledge": stats, "time_to_resolve": stats}
	period := map[string]any{"start": "string", "end": "string", "total_alerts": "number", "resolved_alerts": "number",
		"resolution_rate": "number", "average_response_time_minutes": "number"}
	classes := map[string]any{"action_needed": "number", "prevented_issue": "number", "trend_warning": "number", "escalation": "number", "information": "number"}
	require.Equal(t, map[string]any{
		"period_days": "number", "total_alerts": "number", "active_alerts": "number", "ai_handling_rate": "number",
		"prevented_issues_count": "number", "estimated_savings_eur": "number", "total_financial_impact_at_risk_eur": "number",
		"priority_distribution":   map[string]any{"critical": "number", "important": "number", "standard": "number", "info": "number"},
		"type_class_distribution": classes, "active_by_type_class": classes,
		"period_comparison": map[string]any{"current_period": period, "previous_period": period,
			// No alerts before the window: every change is null.
			"changes": map[string]any{"total_alerts": "null", "resolved_alerts": "null", "resolution_rate": "null", "average_response_time_minutes": "null"}},
		"response_times": map[string]any{"time_to_acknowledge": stats, "time_to_resolve": stats,
			"by_priority": map[string]any{"critical": pair, "important": pair, "standard": pair, "info": pair}},
	}, get(base+"/dashboard", tokenA))

	counts := map[string]any{"alerts": "number", "alert_interactions": "number", "audit_logs": "number"}
	require.Equal(t, map[string]any{"tenant_id": "string", "service": "string", "preview": counts, "total_records": "number", "warning": "string"},
		get("/api/v1/alerts/tenant/"+tenantA+"/deletion-preview", tokenService))
	rec := e.do(t, http.MethodGet, "/api/v1/alerts/tenant/"+tenantA+"/deletion-preview", tokenService, "")
	require.Equal(t, "These records will be permanently deleted and cannot be recovered", decode(t, rec)["warning"])
	rec = e.do(t, http.MethodDelete, "/api/v1/alerts/tenant/"+tenantA, tokenService, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "Tenant data deletion completed successfully", decode(t, rec)["message"])
	var del any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &del))
	// The replaced service's message and summary, unchanged; the receipt
	// kept is added beside them.
	require.Equal(t, map[string]any{"message": "string", "summary": map[string]any{"tenant_id": "string", "deleted": counts,
		"total_deleted": "number", "deleted_at": "string"},
		"receipt": map[string]any{"id": "string", "tenant_id": "string", "requested_by": "string", "deleted": counts, "deleted_at": "string"}},
		shape(del))
	require.Equal(t, float64(3), del.(map[string]any)["summary"].(map[string]any)["total_deleted"]) // 1 alert, 1 interaction, 1 audit row
}

func TestRequestIDAndLogging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics", nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	req.Header.Set("X-Request-ID", "abc-123")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	require.Equal(t, "abc-123", rec.Header().Get("X-Request-ID"))

	rec = e.do(t, http.MethodGet, "/api/v1/nowhere", tokenA, "")
	generated := rec.Header().Get("X-Request-ID")
	require.Len(t, generated, 32)
	require.Equal(t, generated, decode(t, rec)["request_id"])

	lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
	require.Len(t, lines, 2, "one log line per request")
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	require.Equal(t, "abc-123", line["request_id"])
	require.Equal(t, float64(200), line["status"])
}

func TestInternalErrorsAndPanics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	secret := "dial tcp 10.0.0.7:5432: connection refused"
	for name, auth := range map[string]Authenticator{
		"panic": AuthenticatorFunc(func(*http.Request) (Principal, error) { panic(secret) }),
		"error": AuthenticatorFunc(func(*http.Request) (Principal, error) { return Principal{}, errors.New(secret) }),
	} {
		logs := &bytes.Buffer{}
		h, err := New(e.svc, Config{Authenticator: auth, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics", nil))
		p := requireProblem(t, rec, http.StatusInternalServerError, "")
		require.NotContains(t, rec.Body.String(), "10.0.0.7", name)
		require.Contains(t, p["detail"], rec.Header().Get("X-Request-ID"))
		require.Contains(t, logs.String(), "10.0.0.7", "the log keeps the cause")
	}

	// A store failure is a 500 with no internal text.
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	require.NoError(t, st.Close())
	auth, _ := NewStaticTokens(map[string]Principal{tokenA: {UserID: uuid.New(), AllTenants: true}})
	h, err := New(alertanalytics.New(st, alertanalytics.Config{Clock: now}), Config{Authenticator: auth})
	require.NoError(t, err)
	broken := &env{handler: h}
	rec := broken.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics/dashboard", tokenA, "")
	requireProblem(t, rec, http.StatusInternalServerError, "")
	require.NotContains(t, rec.Body.String(), "sql")
}

func TestGatewayHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	h, err := New(e.svc, Config{Authenticator: GatewayHeaders{}})
	require.NoError(t, err)
	call := func(headers map[string]string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/alerts/tenant/"+tenantA+"/deletion-preview", nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, 401, call(nil))
	require.Equal(t, 401, call(map[string]string{"X-User-ID": "nope"}))
	require.Equal(t, 401, call(map[string]string{"X-User-ID": userA, "X-Tenant-IDs": "bad"}))
	require.Equal(t, 403, call(map[string]string{"X-User-ID": userA, "X-Tenant-IDs": tenantB, "X-Service": "true"}))
	require.Equal(t, 403, call(map[string]string{"X-User-ID": userA, "X-Tenant-IDs": tenantA}))
	require.Equal(t, 200, call(map[string]string{"X-User-ID": userA, "X-Tenant-IDs": tenantB + ", " + tenantA, "X-Service": "true"}))
	require.Equal(t, 200, call(map[string]string{"X-User-ID": userA, "X-Tenant-IDs": "*", "X-Service": "1"}))
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rec := e.do(t, http.MethodGet, "/api/v1/openapi.json", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, rt := range routes() {
		served = append(served, rt.method+" "+rt.path)
	}
	sort.Strings(documented)
	sort.Strings(served)
	require.Equal(t, served, documented)
}

func TestInteractionsNeedAUser(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"t"}`).Code)
	auth, err := NewStaticTokens(map[string]Principal{"robot": {AllTenants: true, Service: true}})
	require.NoError(t, err)
	h, err := New(e.svc, Config{Authenticator: auth})
	require.NoError(t, err)
	robot := &env{handler: h}
	p := requireProblem(t, robot.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne+"/interactions", "robot",
		`{"interaction_type":"resolved"}`), http.StatusForbidden, "")
	require.Contains(t, p["detail"], "user")
	requireProblem(t, robot.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/interactions/batch", "robot",
		`{"interactions":[]}`), http.StatusForbidden, "")
	// Reads need no user.
	require.Equal(t, http.StatusOK, robot.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne, "robot", "").Code)
}

func TestInsightRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"<b>t</b>","service":"db","created_at":"2026-11-02T09:00:00Z"}`).Code)
	base := "/api/v1/tenants/" + tenantA + "/alerts/analytics/"
	for _, tc := range []struct {
		query  string
		status int
		field  string
	}{
		{"compliance", 200, ""},
		{"compliance?ack.critical=2m&resolve.info=72h&days=7&tz=Europe/Madrid", 200, ""},
		{"compliance?ack.urgent=2m", 422, "ack.urgent"},
		{"compliance?ack.critical=soon", 422, "ack.critical"},
		{"compliance?resolve.info=1500ms", 422, "resolve.info"},
		{"compliance?ack.critical=-5m", 422, "ack.critical"},
		{"compliance?ack.critical=1m&ack.critical=2m", 422, "ack.critical"},
		{"breakdown?by=service&limit=5", 200, ""},
		{"breakdown", 422, "by"},
		{"breakdown?by=colour", 422, "by"},
		{"breakdown?by=category&limit=0", 422, "limit"},
		{"breakdown?by=category&limit=101", 422, "limit"},
		{"breakdown?by=category&limit=ten", 422, "limit"},
		{"hours?business_days=mon-sat&business_hours=08:00-18:30&sleep_hours=23:00-07:00", 200, ""},
		{"hours?business_hours=25:00-08:00", 422, "business_hours"},
		{"hours?sleep_hours=09:10-17:00", 422, "sleep_hours"},
		{"hours?business_days=mon-fry", 422, "business_days"},
		{"people?limit=3&business_days=sat-sun&sleep_hours=00:00-06:00", 200, ""},
		{"people?limit=0", 422, "limit"},
		{"people?business_hours=09:00-17:10", 422, "business_hours"},
		{"people?tz=Mars/Olympus", 422, "tz"},
		{"flapping?short=1s&limit=100", 200, ""},
		{"flapping?short=24h", 200, ""},
		{"flapping?short=0s", 422, "short"},
		{"flapping?short=24h0m1s", 422, "short"},
		{"flapping?short=1500ms", 422, "short"},
		{"flapping?short=soon", 422, "short"},
		{"flapping?short=", 422, "short"},
		{"flapping?limit=101", 422, "limit"},
		{"noisy?limit=3", 200, ""},
		{"noisy?limit=", 422, "limit"},
		{"noisy?days=91", 422, "days"},
		{"digest", 200, ""},
		{"digest?days=0", 422, "days"},
	} {
		rec := e.do(t, http.MethodGet, base+tc.query, tokenA, "")
		if tc.status != 200 {
			requireProblem(t, rec, tc.status, tc.field)
			continue
		}
		require.Equal(t, 200, rec.Code, "%s: %s", tc.query, rec.Body.String())
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"), tc.query)
	}
	rec := e.do(t, http.MethodGet, base+"noisy", tokenA, "")
	require.JSONEq(t, `{"period_days":30,"groups":1,"other_alerts":0,"rows":[{"alert_type":"<b>t</b>","service":"db","alerts":1,
		"acted":0,"dismissed":0,"noise":1,"noise_rate":100}]}`, rec.Body.String())

	// The digest by Accept.
	for accept, want := range map[string]string{"": "application/json", "text/plain": "text/plain; charset=utf-8",
		"text/html, text/plain;q=0.5": "text/html; charset=utf-8", "application/json;q=0.1, text/plain": "text/plain; charset=utf-8"} {
		req := httptest.NewRequest(http.MethodGet, base+"digest", nil)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, accept)
		require.Equal(t, want, rec.Header().Get("Content-Type"), accept)
		if strings.HasPrefix(want, "text/html") {
			require.NotContains(t, rec.Body.String(), "<b>t</b>")
			require.Contains(t, rec.Body.String(), "&lt;b&gt;t&lt;/b&gt;")
		}
	}
}

func TestExportRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"t","title":"=1+1","created_at":"2026-11-01T10:00:00Z"}`).Code)
	base := "/api/v1/tenants/" + tenantA + "/alerts/export"
	rec := e.do(t, http.MethodGet, base+"?kind=alerts", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "application/x-ndjson", rec.Header().Get("Content-Type"))
	require.Equal(t, `attachment; filename="alerts-`+tenantA+`.ndjson"`, rec.Header().Get("Content-Disposition"))
	require.Equal(t, 1, strings.Count(rec.Body.String(), "\n"))
	require.Contains(t, rec.Body.String(), `"id":"`+alertOne+`"`)

	rec = e.do(t, http.MethodGet, base+"?kind=alerts&format=csv&from=2026-11-01T10:00:00Z&to=2026-11-02T00:00:00Z", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Contains(t, rec.Body.String(), ",'=1+1,")

	for _, tc := range []struct{ query, field string }{
		{"", "kind"}, {"?kind=users", "kind"}, {"?kind=alerts&format=xlsx", "format"},
		{"?kind=alerts&from=yesterday", "from"}, {"?kind=alerts&from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"},
		{"?kind=alerts&kind=interactions", "kind"},
	} {
		requireProblem(t, e.do(t, http.MethodGet, base+tc.query, tokenA, ""), http.StatusUnprocessableEntity, tc.field)
	}
}

// failingExports is a store whose exports fail after the first rows, or
// wait for the request to be cancelled.
type failingExports struct {
	store.Store
	stop     chan struct{} // closed when the export notices the cancellation
	waitDone bool
}

func (f *failingExports) ExportAlerts(ctx context.Context, tenantID uuid.UUID, from, to time.Time, fn func(*store.Alert) error) error {
	a := &store.Alert{ID: uuid.New(), TenantID: tenantID, AlertType: "t", Category: "t", PriorityLevel: "info", TypeClass: "information",
		Status: "active", CreatedAt: from}
	if f.waitDone {
		defer close(f.stop)
	}
	// More than one chunk, so the client has the headers and a first part.
	for i := 0; i < 600; i++ {
		if err := fn(a); err != nil {
			return err
		}
	}
	if f.waitDone {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("connection to the database lost")
}

func TestExportAbortsAfterTheFirstByte(t *testing.T) {
	t.Parallel()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Migrate(context.Background()))
	for _, waitDone := range []bool{false, true} {
		fs := &failingExports{Store: st, stop: make(chan struct{}), waitDone: waitDone}
		svc := alertanalytics.New(fs, alertanalytics.Config{Clock: now})
		auth, err := NewStaticTokens(map[string]Principal{tokenA: {UserID: uuid.MustParse(userA), AllTenants: true}})
		require.NoError(t, err)
		h, err := New(svc, Config{Authenticator: auth})
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/tenants/"+tenantA+"/alerts/export?kind=alerts", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode)
		if waitDone {
			// The client goes away mid-export: the database work stops.
			buf := make([]byte, 4096)
			_, err = io.ReadFull(res.Body, buf)
			require.NoError(t, err)
			cancel()
			select {
			case <-fs.stop:
			case <-time.After(10 * time.Second):
				t.Fatal("the export went on after the client left")
			}
		} else {
			// A failure after the first byte breaks the transfer: the
			// client never sees a clean end of a short file.
			_, err = io.ReadAll(res.Body)
			require.Error(t, err)
			cancel()
		}
		res.Body.Close()
		srv.Close()
	}
}

func TestPurgeRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"alert_type":"t","status":"resolved","created_at":"2025-01-01T10:00:00Z"}`).Code)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"alert_type":"t","created_at":"2026-11-01T10:00:00Z"}`).Code)
	path := "/api/v1/tenants/" + tenantA + "/retention/purge"
	rec := e.do(t, http.MethodPost, path, tokenService, `{"max_age":"400d","dry_run":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"dry_run":true,"cutoff":"2025-09-28T10:00:00Z","summary":{"deleted":{"alerts":1,"alert_interactions":0,"audit_logs":0},"total_deleted":1},"receipts":[]}`, rec.Body.String())
	rec = e.do(t, http.MethodPost, path, tokenService, `{"max_age":"9600h"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	purged := decode(t, rec)
	require.Equal(t, float64(1), purged["summary"].(map[string]any)["total_deleted"])
	// 9600 h = 400 days before 2026-11-02T10:00:00Z.
	receipt := purged["receipts"].([]any)[0].(map[string]any)
	require.Equal(t, "gdpr-service", receipt["requested_by"])
	require.Equal(t, "2025-09-28T10:00:00Z", receipt["cutoff"])
	// The receipts route lists the same receipt; a purge naming who asked
	// puts that name on its receipt.
	rec = e.do(t, http.MethodPost, path, tokenService, `{"max_age":"400d","requested_by":"retention-cron"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/retention/receipts", tokenService, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var listed []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &listed))
	require.Len(t, listed, 2)
	require.Equal(t, receipt, listed[0])
	require.Equal(t, "retention-cron", listed[1]["requested_by"])
	require.Equal(t, map[string]any{"alerts": float64(0), "alert_interactions": float64(0), "audit_logs": float64(0)}, listed[1]["deleted"])
	requireProblem(t, e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/retention/receipts", tokenA, ""), http.StatusForbidden, "")
	requireProblem(t, e.do(t, http.MethodPost, path, tokenA, `{"max_age":"400d"}`), http.StatusForbidden, "")
	requireProblem(t, e.do(t, http.MethodPost, path, tokenService, `{"max_age":"12h"}`), http.StatusUnprocessableEntity, "max_age")
	requireProblem(t, e.do(t, http.MethodPost, path, tokenService, `{"max_age":"400x"}`), http.StatusUnprocessableEntity, "max_age")
	requireProblem(t, e.do(t, http.MethodPost, path, tokenService, `{}`), http.StatusUnprocessableEntity, "max_age")
}

func TestAlertmanagerRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := "/api/v1/tenants/" + tenantA + "/integrations/alertmanager"
	body := `{"version":"4","status":"firing","receiver":"r","truncatedAlerts":0,"notification_reason":"new_alerts","alerts":[
		{"status":"firing","labels":{"alertname":"A","severity":"critical"},"annotations":{"summary":"s"},
		 "startsAt":"2026-11-02T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1","routeLabels":{"x":"y"}},
		{"status":"firing","labels":{"alertname":"B"},"startsAt":"not a time","fingerprint":"f2"},
		{"status":"resolved","labels":{"alertname":"C"},"startsAt":"2026-11-02T08:00:00Z","endsAt":"2026-11-02T08:30:00Z","fingerprint":"f3"}]}`
	rec := e.do(t, http.MethodPost, path, tokenA, body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := decode(t, rec)
	require.Equal(t, float64(3), got["received"])
	require.Equal(t, float64(2), got["created"])
	require.Equal(t, float64(1), got["resolved"])
	require.Len(t, got["rejected"], 1)
	require.Equal(t, float64(1), got["rejected"].([]any)[0].(map[string]any)["index"])

	items := make([]string, 1001)
	for i := range items {
		items[i] = `{"labels":{},"startsAt":"2026-11-02T09:00:00Z","fingerprint":"x"}`
	}
	p := requireProblem(t, e.do(t, http.MethodPost, path, tokenA, `{"alerts":[`+strings.Join(items, ",")+`]}`), http.StatusRequestEntityTooLarge, "alerts")
	require.Contains(t, p["detail"], "max_alerts")
}

// TestAnonymousSlowBodyIsAnsweredAtOnce sends a POST without credentials
// that announces a body it never sends: the 401 comes at once, with the
// connection closed, instead of after net/http waits to drain the body.
func TestAnonymousSlowBodyIsAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /api/v1/tenants/%s/alerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", tenantA)
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "no answer while the body is outstanding")
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.True(t, res.Close, "the connection is closed, not kept for the rest of the body")
}

// TestPeopleAndFlappingOverHTTP records interactions as two callers and
// reads who did what, and which kind flapped, through the routes.
func TestPeopleAndFlappingOverHTTP(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tenant := "/api/v1/tenants/" + tenantA
	const flap = "01900000-0000-7000-8000-000000000002"
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+alertOne+`","alert_type":"oven","service":"db","created_at":"2026-11-02T09:00:00Z"}`).Code)
	require.Equal(t, http.StatusCreated, createAlert(t, e, tenantA, `{"id":"`+flap+`","alert_type":"flap","service":"db","created_at":"2026-11-02T09:10:00Z"}`).Code)
	// Caller A acknowledges the oven alert after 2 minutes (a first
	// acknowledgement, Monday 09:02: business); the service caller
	// resolves it at 09:05 (acknowledged before: not short) and the flap
	// alert at 09:11 (60 s, nobody looked: short).
	for _, c := range []struct{ alert, token, body string }{
		{alertOne, tokenA, `{"interaction_type":"acknowledged","interacted_at":"2026-11-02T09:02:00Z"}`},
		{alertOne, tokenService, `{"interaction_type":"resolved","interacted_at":"2026-11-02T09:05:00Z"}`},
		{flap, tokenService, `{"interaction_type":"resolved","interacted_at":"2026-11-02T09:11:00Z"}`},
	} {
		rec := e.do(t, http.MethodPost, tenant+"/alerts/"+c.alert+"/interactions", c.token, c.body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	rec := e.do(t, http.MethodGet, tenant+"/alerts/analytics/people", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"period_days":30,"people":2,"other_interactions":0,"rows":[
		{"user_id":"`+userService+`","interactions":2,"by_type":{"acknowledged":0,"resolved":2,"snoozed":0,"dismissed":0},
		 "first_acknowledgements":{"count":0,"mean_seconds":0,"p50_seconds":0},"business":2,"off_hours":0,"sleep":0,"disrupted_nights":0},
		{"user_id":"`+userA+`","interactions":1,"by_type":{"acknowledged":1,"resolved":0,"snoozed":0,"dismissed":0},
		 "first_acknowledgements":{"count":1,"mean_seconds":120,"p50_seconds":120},"business":1,"off_hours":0,"sleep":0,"disrupted_nights":0}]}`,
		rec.Body.String())
	rec = e.do(t, http.MethodGet, tenant+"/alerts/analytics/flapping?short=1m", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"period_days":30,"short_seconds":60,"groups":1,"other_short_episodes":0,"rows":[
		{"alert_type":"flap","service":"db","alerts":1,"short_episodes":1,"flap_rate":100,"p50_short_seconds":60}]}`, rec.Body.String())
	rec = e.do(t, http.MethodGet, tenant+"/alerts/analytics/flapping?short=59s", tokenA, "")
	require.JSONEq(t, `{"period_days":30,"short_seconds":59,"groups":0,"other_short_episodes":0,"rows":[]}`, rec.Body.String())
	// Another tenant's caller sees none of it.
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantB+"/alerts/analytics/people", tokenA, "")
	require.Equal(t, http.StatusForbidden, rec.Code)
}

func TestDigestSubscriptionRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	base := "/api/v1/tenants/" + tenantA + "/digest/subscriptions"
	body := `{"schedule":{"every":"weekly","weekday":"monday","at":"08:00","tz":"Europe/Madrid"},
		"webhook":{"url":"https://203.0.113.10/hook","secret":"0123456789abcdef-secret"}}`
	rec := e.do(t, http.MethodPost, base, tokenA, body)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	created := decode(t, rec)
	// Now is Monday 2 November 2026 10:00Z (11:00 in Madrid): the first
	// delivery is the next Monday, 08:00 CET = 07:00Z. No secret comes
	// back.
	require.Equal(t, "2026-11-09T07:00:00Z", created["next_delivery"])
	require.Equal(t, map[string]any{"every": "weekly", "weekday": "monday", "at": "08:00", "tz": "Europe/Madrid"}, created["schedule"])
	require.Equal(t, map[string]any{"url": "https://203.0.113.10/hook", "format": "json"}, created["webhook"])
	require.Equal(t, float64(7), created["days"])
	require.NotContains(t, rec.Body.String(), "secret")
	id := created["id"].(string)

	rec = e.do(t, http.MethodGet, base, tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Equal(t, []map[string]any{created}, list)

	rec = e.do(t, http.MethodPut, base+"/"+id, tokenA, `{"schedule":{"every":"daily","at":"07:30","tz":"UTC"},"days":2,"email":{"to":["ops@example.com"]}}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	updated := decode(t, rec)
	require.Equal(t, "2026-11-03T07:30:00Z", updated["next_delivery"])
	require.Equal(t, map[string]any{"to": []any{"ops@example.com"}}, updated["email"])
	require.Nil(t, updated["webhook"])

	for _, c := range []struct{ body, field string }{
		{`{"schedule":{"every":"weekly","weekday":"someday","at":"08:00","tz":"UTC"},"email":{"to":["a@example.com"]}}`, "schedule.weekday"},
		{`{"schedule":{"every":"daily","at":"8am","tz":"UTC"},"email":{"to":["a@example.com"]}}`, "schedule.at"},
		{`{"schedule":{"every":"daily","at":"08:00","tz":"Mars/Olympus"},"email":{"to":["a@example.com"]}}`, "schedule.tz"},
		{`{"schedule":{"every":"daily","at":"08:00","tz":"UTC"}}`, "channel"},
		{`{"schedule":{"every":"daily","at":"08:00","tz":"UTC"},"webhook":{"url":"http://127.0.0.1/x","secret":"0123456789abcdef"}}`, "webhook.url"},
	} {
		requireProblem(t, e.do(t, http.MethodPost, base, tokenA, c.body), http.StatusUnprocessableEntity, c.field)
	}
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/digest/deliveries?limit=5", tokenA, "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `[]`, rec.Body.String())
	rec = e.do(t, http.MethodDelete, base+"/"+id, tokenA, "")
	require.Equal(t, http.StatusNoContent, rec.Code)
	requireProblem(t, e.do(t, http.MethodDelete, base+"/"+id, tokenA, ""), http.StatusNotFound, "")
	rec = e.do(t, http.MethodGet, base, tokenA, "")
	require.JSONEq(t, `[]`, rec.Body.String())
}
