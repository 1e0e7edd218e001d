package httpapi

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// RoutePattern receives the ServeMux pattern of the route that served a
// request, such as "GET /api/v1/tenants/{tenant_id}/alerts/{alert_id}" —
// never the raw path, so it is safe as a metric attribute. A middleware
// outside the handler (behind http.StripPrefix, which copies the request,
// too) installs one with WithRoutePattern before calling the handler and
// reads it afterwards; the handler fills it. Unmatched requests leave it
// empty.
type RoutePattern struct{ Pattern string }

type routePatternKey struct{}

// WithRoutePattern returns a copy of ctx carrying rp, for the handler to
// fill.
func WithRoutePattern(ctx context.Context, rp *RoutePattern) context.Context {
	return context.WithValue(ctx, routePatternKey{}, rp)
}

func routePatternFrom(ctx context.Context) *RoutePattern {
	rp, _ := ctx.Value(routePatternKey{}).(*RoutePattern)
	return rp
}

// durationBounds are the bucket boundaries, in seconds, of the request
// duration histogram: OpenTelemetry's semantic-convention advice for
// http.server.request.duration. The SDK's default boundaries (0, 5, 10,
// 25, … as if seconds were milliseconds) would put every request under
// 5 s in one bucket.
func durationBounds() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// instruments are the handler's metrics. Attributes are the route pattern,
// the method and the status: never tenant ids or raw paths.
type instruments struct {
	duration metric.Float64Histogram
}

func newInstruments(mp metric.MeterProvider) instruments {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter("github.com/alertanalytics/alertanalytics/httpapi")
	// Creating an instrument fails only for an invalid name; a failed
	// instrument is a working no-op.
	d, _ := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the requests the API served, by route pattern, method and status."),
		metric.WithExplicitBucketBoundaries(durationBounds()...))
	return instruments{duration: d}
}
