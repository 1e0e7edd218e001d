package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
)

// fuzzBody posts arbitrary bodies to path and checks the handler answers
// every one with an allowed status and a well-formed JSON document — never a
// 500, a panic or a dropped connection.
func fuzzBody(f *testing.F, path string, seeds []string, allowed ...int) {
	fuzzBodyAs(f, tokenA, path, seeds, allowed...)
}

// fuzzBodyAs is fuzzBody with the caller's token.
func fuzzBodyAs(f *testing.F, token, path string, seeds []string, allowed ...int) {
	for _, s := range seeds {
		f.Add(s)
	}
	e := setup(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := e.do(t, http.MethodPost, path, token, body)
		if !slices.Contains(allowed, rec.Code) {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer for %q: %s", body, rec.Body.String())
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("error without a problem document for %q", body)
		}
	})
}

func FuzzAlertBody(f *testing.F) {
	fuzzBody(f, "/api/v1/tenants/"+tenantA+"/alerts", []string{
		`{"alert_type":"low_stock","priority_level":"critical","business_impact":{"financial_impact_eur":12.5}}`,
		`{"id":"` + alertOne + `","alert_type":"t","created_at":"2026-11-01T10:00:00Z","priority_score":50}`,
		`{"alert_type":"t","orchestrator_context":{"estimated_savings_eur":1e400}}`,
		`{"alert_type":"t","business_impact":{"financial_impact_eur":"1"}}`,
		`{"alert_type":"\u0000"}`, `{`, `[]`, `null`, `{"alert_type":1}`,
	}, 200, 201, 400, 413, 422)
}

func FuzzInteractionBody(f *testing.F) {
	fuzzBody(f, "/api/v1/tenants/"+tenantA+"/alerts/"+alertOne+"/interactions", []string{
		`{"interaction_type":"acknowledged","metadata":{"a":1},"idempotency_key":"k"}`,
		`{"interaction_type":"resolved","interacted_at":"2026-11-02T09:00:00"}`,
		`{"interaction_type":"x","alert_id":"` + alertOne + `"}`, `{"metadata":[]}`,
	}, 200, 400, 404, 413, 422)
}

func FuzzAlertBatchBody(f *testing.F) {
	fuzzBody(f, "/api/v1/tenants/"+tenantA+"/alerts/batch", []string{
		`{"alerts":[{"alert_type":"a"},{"alert_type":""},{"nope":1}]}`, `{"alerts":null}`, `{"alerts":[1,"x",null]}`,
	}, 200, 400, 413, 422)
}

func FuzzInteractionBatchBody(f *testing.F) {
	fuzzBody(f, "/api/v1/tenants/"+tenantA+"/alerts/interactions/batch", []string{
		`{"interactions":[{"alert_id":"` + alertOne + `","interaction_type":"resolved"},{"interaction_type":"resolved"}]}`,
		`{"interactions":[{}]}`, `{"interactions":"x"}`,
	}, 200, 400, 413, 422)
}

// FuzzAnalyticsQuery checks that every days and tz value is answered with
// 200 or a 422 naming the parameter.
func FuzzAnalyticsQuery(f *testing.F) {
	for _, seed := range [][2]string{{"7", "UTC"}, {"0", ""}, {"91", "Europe/Madrid"}, {"-1", "../etc/passwd"}, {"1e3", "Local"}, {"30", "America/St_Johns"}} {
		f.Add(seed[0], seed[1])
	}
	e := setup(f)
	f.Fuzz(func(t *testing.T, days, tz string) {
		q := url.Values{"days": {days}, "tz": {tz}}.Encode()
		for _, route := range []string{"", "/trends", "/dashboard"} {
			rec := e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics"+route+"?"+q, tokenA, "")
			switch rec.Code {
			case http.StatusOK:
			case http.StatusUnprocessableEntity:
				var p problemDoc
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Errors) != 1 ||
					(p.Errors[0].Field != "days" && p.Errors[0].Field != "tz") {
					t.Fatalf("days=%q tz=%q: %s", days, tz, rec.Body.String())
				}
			default:
				t.Fatalf("days=%q tz=%q: status %d: %s", days, tz, rec.Code, rec.Body.String())
			}
		}
	})
}

// FuzzInsightQuery checks that every value of the insights' parameters is
// answered with 200 or a 422 naming a parameter.
func FuzzInsightQuery(f *testing.F) {
	for _, seed := range []string{"ack.critical=2m", "ack.urgent=1h", "by=service&limit=3", "by=&limit=0",
		"business_hours=25:00-08:00&business_days=mon-fry", "sleep_hours=22:00-08:00", "limit=100", "resolve.info=1e9h",
		"short=90s", "short=24h0m1s&limit=5", "short=-1s", "short=1.5s", "sleep_hours=00:00-00:00&business_days=sun-sat"} {
		f.Add(seed)
	}
	e := setup(f)
	f.Fuzz(func(t *testing.T, query string) {
		for _, route := range []string{"compliance", "breakdown", "hours", "noisy", "people", "flapping", "digest"} {
			requireRawQueryAnswered(t, e, "/api/v1/tenants/"+tenantA+"/alerts/analytics/"+route, query)
		}
	})
}

// requireRawQueryAnswered sends query to path as the client wrote it,
// spaces and all, and requires a 200 or a 422 naming one parameter.
func requireRawQueryAnswered(t *testing.T, e *env, path, query string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.URL.RawQuery = query
	req.Header.Set("Authorization", "Bearer "+tokenA)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	switch rec.Code {
	case http.StatusOK:
	case http.StatusUnprocessableEntity:
		var p problemDoc
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Errors) != 1 || p.Errors[0].Field == "" {
			t.Fatalf("%s?%s: %s", path, query, rec.Body.String())
		}
	default:
		t.Fatalf("%s?%s: status %d: %s", path, query, rec.Code, rec.Body.String())
	}
}

func FuzzAlertmanagerBody(f *testing.F) {
	fuzzBody(f, "/api/v1/tenants/"+tenantA+"/integrations/alertmanager", []string{
		`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Disk","severity":"critical"},"startsAt":"2026-11-01T10:00:00Z","fingerprint":"ab12"}]}`,
		`{"alerts":[{"status":"resolved","labels":{},"startsAt":"x","endsAt":"2026-11-01T10:00:00Z"}]}`,
		`{"alerts":null}`, `{"alerts":[{"labels":{"alertname":1}}]}`,
	}, 200, 400, 413, 422)
}

func FuzzPurgeBody(f *testing.F) {
	fuzzBodyAs(f, tokenService, "/api/v1/tenants/"+tenantA+"/retention/purge", []string{
		`{"max_age":"90d","dry_run":true}`, `{"max_age":"0d"}`, `{"max_age":"1h","include_open":true,"batch_size":5}`,
		`{"max_age":"99999999999d"}`, `{}`,
	}, 200, 400, 413, 422)
}

// FuzzExportQuery checks that every export query is answered with a 200
// stream or a 422 naming a parameter, before any row is written.
func FuzzExportQuery(f *testing.F) {
	for _, seed := range []string{"format=csv", "format=ndjson&table=interactions", "from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
		"format=xml", "table=audit"} {
		f.Add(seed)
	}
	e := setup(f)
	f.Fuzz(func(t *testing.T, query string) {
		requireRawQueryAnswered(t, e, "/api/v1/tenants/"+tenantA+"/alerts/export", query)
	})
}
