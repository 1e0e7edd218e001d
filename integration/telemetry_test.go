package integration

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/alertanalytics/alertanalytics"
)

func TestTelemetry(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(memoryStore(t), alertanalytics.Config{Clock: func() time.Time { return now }, TracerProvider: tp, MeterProvider: mp})
	ctx, tenant := context.Background(), uuid.New()

	res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{{AlertType: "a"}, {AlertType: "b"}, {AlertType: ""}})
	require.NoError(t, err)
	_, err = svc.RecordInteraction(ctx, tenant, res.IDs[0], uuid.New(), alertanalytics.InteractionInput{Type: alertanalytics.InteractionAcknowledged})
	require.NoError(t, err)
	_, err = svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
	require.NoError(t, err)
	_, err = svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 91})
	require.ErrorIs(t, err, alertanalytics.ErrInvalidArgument)

	// A span per Service call, and one per write transaction beneath the
	// Service call that made it, with the tenant id.
	ended := spans.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	require.Len(t, byName["alertanalytics.Service.Dashboard"], 2)
	dash := byName["alertanalytics.Service.Dashboard"][0]
	require.Contains(t, dash.Attributes(), attributeKV("alertanalytics.tenant_id", tenant.String()))
	writes := byName["alertanalytics.store.Write"]
	require.Len(t, writes, 2, "one write transaction for the alerts, one for the interaction")
	parents := map[string]string{}
	for _, s := range ended {
		parents[s.SpanContext().SpanID().String()] = s.Name()
	}
	require.Equal(t, "alertanalytics.Service.RecordAlerts", parents[writes[0].Parent().SpanID().String()])
	require.Equal(t, "alertanalytics.Service.RecordInteraction", parents[writes[1].Parent().SpanID().String()])
	for _, w := range writes {
		require.Contains(t, w.Attributes(), attributeKV("alertanalytics.tenant_id", tenant.String()))
	}
	require.Equal(t, "Error", byName["alertanalytics.Service.Dashboard"][1].Status().Code.String())

	// Metrics: alerts ingested, interactions recorded, errors by kind; no
	// tenant id anywhere in them.
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	sums := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			data, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, m.Name)
			for _, dp := range data.DataPoints {
				sums[m.Name] += dp.Value
				for _, kv := range dp.Attributes.ToSlice() {
					require.NotEqual(t, tenant.String(), kv.Value.AsString())
				}
				if m.Name == "alertanalytics.errors" {
					v, _ := dp.Attributes.Value("error.type")
					require.Equal(t, "invalid", v.AsString())
				}
			}
		}
	}
	require.Equal(t, map[string]int64{"alertanalytics.alerts.ingested": 2, "alertanalytics.interactions.recorded": 1,
		"alertanalytics.errors": 1}, sums)
}

func attributeKV(k, v string) attribute.KeyValue { return attribute.String(k, v) }
