package integration

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/httpapi"
)

// TestOpenAPIDescribesLiveResponses sends a request that succeeds and the
// usual failures to every route and checks each answer — status, content
// type and body — against openapi.json, and each request the handler took
// (parameters and body), so the document cannot drift from what the
// handler reads and writes.
func TestOpenAPIDescribesLiveResponses(t *testing.T) {
	t.Parallel()
	e := setup(t, httpapi.Config{})
	// The document the handler serves, the one it embeds.
	served := e.do(t, "GET", "/api/v1/openapi.json", tokenA, "")
	require.Equal(t, 200, served.Code)
	spec := served.Body.Bytes()
	doc, err := libopenapi.NewDocument(spec)
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)

	tenant := "/api/v1/tenants/" + tenantA
	alert := tenant + "/alerts/" + alertOne
	checked := map[string]bool{}
	check := func(method, path, token, body string) *httptest.ResponseRecorder {
		c := struct{ method, path, token, body string }{method, path, token, body}
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		resp := rec.Result()
		// The validator reads the request again to find the operation.
		again := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(c.body)))
		ok, verrs := v.ValidateHttpResponse(again, resp)
		for _, ve := range verrs {
			t.Errorf("%s %s → %d: %s (%s)", c.method, c.path, rec.Code, ve.Message, ve.Reason)
			for _, se := range ve.SchemaValidationErrors {
				t.Errorf("    %s: %s", se.FieldPath, se.Reason)
			}
		}
		require.Equal(t, ok, len(verrs) == 0)
		if rec.Code < 300 && !strings.Contains(rec.Body.String(), `"rejected":[{`) {
			// A request the handler took whole must be one the document
			// allows: its parameters and its body. (A batch answers 200
			// with its invalid items listed as rejected; the document's
			// item schema says what a valid item is.)
			sent := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(c.body)))
			sent.Header = req.Header.Clone()
			_, rerrs := v.ValidateHttpRequest(sent)
			for _, ve := range rerrs {
				t.Errorf("request %s %s: %s (%s)", c.method, c.path, ve.Message, ve.Reason)
				for _, se := range ve.SchemaValidationErrors {
					t.Errorf("    %s: %s", se.FieldPath, se.Reason)
				}
			}
		}
		checked[c.method+" "+strings.SplitN(c.path, "?", 2)[0]] = true
		_ = resp.Body.Close()
		return rec
	}
	for _, c := range []struct{ method, path, token, body string }{
		{"POST", tenant + "/alerts", tokenA, `{"id":"` + alertOne + `","alert_type":"low_stock","priority_level":"critical","created_at":"2026-11-02T08:00:00Z","business_impact":{"financial_impact_eur":12.5}}`},
		{"POST", tenant + "/alerts", tokenA, `{"id":"` + alertOne + `","alert_type":"low_stock"}`},
		{"POST", tenant + "/alerts", tokenA, `{"alert_type":""}`},
		{"POST", tenant + "/alerts", tokenA, `{`},
		{"POST", tenant + "/alerts", "", `{}`},
		{"POST", "/api/v1/tenants/" + tenantB + "/alerts", tokenA, `{"alert_type":"t"}`},
		{"POST", tenant + "/alerts/batch", tokenA, `{"alerts":[{"alert_type":"a","created_at":"2026-11-03T08:00:00Z"},{"alert_type":""}]}`},
		{"POST", tenant + "/alerts/batch", tokenA, `{"alerts":[{"alert_type":"b","category":"stock","priority_level":"info","business_impact":{"financial_impact_eur":3}}]}`},
		{"GET", alert, tokenA, ""},
		{"GET", tenant + "/alerts/01900000-0000-7000-8000-0000000000ff", tokenA, ""},
		{"POST", alert + "/interactions", tokenA, `{"interaction_type":"acknowledged","interacted_at":"2026-11-02T08:10:00Z","idempotency_key":"k1"}`},
		{"POST", alert + "/interactions", tokenA, `{"interaction_type":"acknowledged","idempotency_key":"k1"}`},
		{"POST", alert + "/interactions", tokenA, `{"interaction_type":"x"}`},
		{"POST", tenant + "/alerts/01900000-0000-7000-8000-0000000000ff" + "/interactions", tokenA, `{"interaction_type":"resolved"}`},
		{"POST", tenant + "/alerts/interactions/batch", tokenA, `{"interactions":[{"alert_id":"` + alertOne + `","interaction_type":"resolved"},{"interaction_type":"resolved"}]}`},
		{"POST", tenant + "/alerts/interactions/batch", tokenA, `{"interactions":[{"alert_id":"` + alertOne + `","interaction_type":"snoozed","idempotency_key":"b1","metadata":{"via":"pager"}}]}`},
		{"GET", tenant + "/alerts/analytics?days=7", tokenA, ""},
		{"GET", tenant + "/alerts/analytics?days=0", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/trends?days=7&tz=Europe/Madrid", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/dashboard", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/compliance?ack.critical=5m", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/compliance?ack.urgent=5m", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/breakdown?by=service", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/hours", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/noisy?limit=5", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/people?limit=5&sleep_hours=23:00-07:00", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/people?sleep_hours=23:05-07:00", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/flapping?short=90s", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/flapping?short=25h", tokenA, ""},
		{"GET", tenant + "/alerts/analytics/digest", tokenA, ""},
		{"GET", tenant + "/alerts/export?format=ndjson", tokenA, ""},
		{"GET", tenant + "/alerts/export?format=xml", tokenA, ""},
		{"POST", tenant + "/integrations/alertmanager", tokenA, `{"version":"4","status":"firing","receiver":"r","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","severity":"critical"},"annotations":{},"startsAt":"2026-11-02T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}]}`},
		{"POST", tenant + "/retention/purge", tokenService, `{"max_age":"400d","dry_run":true}`},
		{"POST", tenant + "/retention/purge", tokenA, `{"max_age":"400d"}`},
		{"POST", tenant + "/retention/purge", tokenService, `{"max_age":"400d","requested_by":"retention-cron"}`},
		{"GET", tenant + "/retention/receipts", tokenService, ""},
		{"GET", tenant + "/retention/receipts", tokenA, ""},
		{"POST", alert + "/interactions?user_id=" + tenantB, tokenService, `{"interaction_type":"snoozed"}`},
		{"GET", "/api/v1/alerts/tenant/" + tenantA + "/deletion-preview", tokenService, ""},
		{"DELETE", "/api/v1/alerts/tenant/" + tenantA + "?requested_by=gdpr-ticket-7", tokenService, ""},
		{"GET", "/api/v1/alerts/tenant/" + tenantA + "/deletion-receipts", tokenService, ""},
		{"GET", "/api/v1/openapi.json", "", ""},
		{"GET", "/api/v1/openapi.json", tokenA, ""},
		{"GET", "/tenants/" + tenantA + "/dashboard?days=7", tokenA, ""},
	} {
		check(c.method, c.path, c.token, c.body)
	}
	// The subscription routes need the id a create answers.
	created := check("POST", tenant+"/digest/subscriptions", tokenA,
		`{"schedule":{"every":"weekly","weekday":"monday","at":"08:00","tz":"Europe/Madrid"},"webhook":{"url":"https://203.0.113.10/hook","secret":"0123456789abcdef"}}`)
	var sub struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(created.Body.Bytes(), &sub))
	for _, c := range []struct{ method, path, token, body string }{
		{"POST", tenant + "/digest/subscriptions", tokenA, `{"schedule":{"every":"daily","at":"25:00","tz":"UTC"},"email":{"to":["a@example.com"]}}`},
		{"GET", tenant + "/digest/subscriptions", tokenA, ""},
		{"PUT", tenant + "/digest/subscriptions/" + sub.ID, tokenA, `{"schedule":{"every":"daily","at":"07:30","tz":"UTC"},"days":2,"email":{"to":["ops@example.com"]}}`},
		{"PUT", tenant + "/digest/subscriptions/" + alertOne, tokenA, `{"schedule":{"every":"daily","at":"07:30","tz":"UTC"},"email":{"to":["ops@example.com"]}}`},
		{"GET", tenant + "/digest/deliveries?limit=5", tokenA, ""},
		{"DELETE", tenant + "/digest/subscriptions/" + sub.ID, tokenA, ""},
		{"DELETE", tenant + "/digest/subscriptions/" + sub.ID, tokenA, ""},
	} {
		check(c.method, c.path, c.token, c.body)
	}
	// Every operation of the document was exercised at least once (and
	// httpapi's TestOpenAPIMatchesRoutes holds the document to the routes).
	var paths struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(spec, &paths))
	for path, ops := range paths.Paths {
		for method := range ops {
			found := false
			for k := range checked {
				if matches(strings.ToUpper(method)+" "+path, k) {
					found = true
				}
			}
			require.True(t, found, "no live check of %s %s", strings.ToUpper(method), path)
		}
	}
}

// matches reports whether concrete fills the {placeholders} of pattern.
func matches(pattern, concrete string) bool {
	p, c := strings.Split(pattern, "/"), strings.Split(concrete, "/")
	if len(p) != len(c) {
		return false
	}
	for i := range p {
		if !strings.HasPrefix(p[i], "{") && p[i] != c[i] {
			return false
		}
	}
	return true
}
