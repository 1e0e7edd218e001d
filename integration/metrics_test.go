package integration

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/alertanalytics/alertanalytics/httpapi"
)

// TestRoutePatternReachesMiddlewareMetricsAndLog mounts the handler behind
// http.StripPrefix with a middleware of the host's own: the middleware, the
// built-in metrics and the request log all see the route pattern, never the
// raw path with its ids.
func TestRoutePatternReachesMiddlewareMetricsAndLog(t *testing.T) {
	t.Parallel()
	e := setup(t, httpapi.Config{})
	reader := sdkmetric.NewManualReader()
	logs := &bytes.Buffer{}
	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{tokenA: {UserID: uuid.MustParse(userA), AllTenants: true}})
	require.NoError(t, err)
	h, err := httpapi.New(e.svc, httpapi.Config{Authenticator: auth, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	require.NoError(t, err)
	var seen string
	middleware := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rp := &httpapi.RoutePattern{}
			next.ServeHTTP(w, r.WithContext(httpapi.WithRoutePattern(r.Context(), rp)))
			seen = rp.Pattern
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/alerts-svc/", middleware(http.StripPrefix("/alerts-svc", h)))
	req := httptest.NewRequest(http.MethodGet, "/alerts-svc/api/v1/tenants/"+tenantA+"/alerts/"+alertOne, nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "GET /api/v1/tenants/{tenant_id}/alerts/{alert_id}", seen)
	require.Contains(t, logs.String(), `"route":"GET /api/v1/tenants/{tenant_id}/alerts/{alert_id}"`)
	require.NotContains(t, logs.String(), alertOne)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	hist := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64])
	require.Len(t, hist.DataPoints, 1)
	route, _ := hist.DataPoints[0].Attributes.Value("http.route")
	status, _ := hist.DataPoints[0].Attributes.Value("http.response.status_code")
	require.Equal(t, "/api/v1/tenants/{tenant_id}/alerts/{alert_id}", route.AsString())
	require.Equal(t, int64(404), status.AsInt64())
	// Seconds with the semantic-convention boundaries, so /metrics tells a
	// millisecond from a second: the one request lands in the first bucket
	// whose bound holds its duration.
	dp := hist.DataPoints[0]
	require.Equal(t, []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}, dp.Bounds)
	want := make([]uint64, len(dp.Bounds)+1)
	want[sort.SearchFloat64s(dp.Bounds, dp.Sum)] = 1
	require.Equal(t, want, dp.BucketCounts, "a request of %g s", dp.Sum)
}
