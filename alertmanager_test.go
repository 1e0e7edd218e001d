package alertanalytics_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

// amPayload is a notification as Alertmanager v0.35 sends it, extra keys
// (truncatedAlerts, notification_reason…) included.
const amPayload = `{"receiver":"analytics","status":"%s","alerts":[
 {"status":"%s","labels":{"alertname":"OvenTooHot","severity":"Critical","service":"oven","category":"equipment","instance":"oven-2"},
  "annotations":{"summary":"Oven 2 above 280 °C","description":"Temperature 291 °C for 5 minutes"},
  "startsAt":"2026-11-02T09:00:00.123456789Z","endsAt":"%s","generatorURL":"http://prometheus/graph?g0.expr=oven","fingerprint":"a1b2c3d4"},
 {"status":"firing","labels":{"job":"mixer-exporter","severity":"warning"},"annotations":{},
  "startsAt":"2026-11-02T09:30:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"ffee"},
 {"status":"firing","labels":{"alertname":"NoStart"},"annotations":{},"startsAt":"0001-01-01T00:00:00Z","fingerprint":"0000"}],
 "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4",
 "groupKey":"{}:{}","truncatedAlerts":0,"notification_reason":"new_alerts"}`

func TestAlertmanagerMapping(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
		tenant, integration := uuid.New(), uuid.New()
		var w alertanalytics.AlertmanagerWebhook
		firing := strings.Replace(strings.Replace(strings.Replace(amPayload, "%s", "firing", 2), "%s", "0001-01-01T00:00:00Z", 1), "%s", "", -1)
		require.NoError(t, json.Unmarshal([]byte(firing), &w))
		res, err := svc.RecordAlertmanager(ctx, tenant, integration, w, alertanalytics.AlertmanagerOptions{})
		require.NoError(t, err)
		require.Equal(t, 3, res.Received)
		require.Equal(t, 2, res.Created)
		require.Len(t, res.Rejected, 1)
		require.Equal(t, 2, res.Rejected[0].Index)

		id := alertanalytics.AlertmanagerID(tenant, "a1b2c3d4", time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC))
		require.Equal(t, uuid.NewSHA1(tenant, []byte("a1b2c3d4\n2026-11-02T09:00:00.123456789Z")), id)
		a, err := svc.Alert(ctx, tenant, id)
		require.NoError(t, err)
		require.Equal(t, "OvenTooHot", a.AlertType)
		require.Equal(t, "oven", a.Service)
		require.Equal(t, "equipment", a.Category)
		require.Equal(t, alertanalytics.PriorityCritical, a.PriorityLevel) // severity matched without regard to case
		require.Equal(t, "Oven 2 above 280 °C", a.Title)
		require.Equal(t, "Temperature 291 °C for 5 minutes", a.Message)
		require.Equal(t, time.Date(2026, 11, 2, 9, 0, 0, 123000000, time.UTC), a.CreatedAt)
		var kept map[string]map[string]any
		require.NoError(t, json.Unmarshal(a.OrchestratorContext, &kept))
		require.Equal(t, "a1b2c3d4", kept["alertmanager"]["fingerprint"])
		require.Equal(t, "oven-2", kept["alertmanager"]["labels"].(map[string]any)["instance"])

		// No alertname: alert_type "alertmanager", service from job, warning → important.
		b, err := svc.Alert(ctx, tenant, alertanalytics.AlertmanagerID(tenant, "ffee", time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)))
		require.NoError(t, err)
		require.Equal(t, "alertmanager", b.AlertType)
		require.Equal(t, "mixer-exporter", b.Service)
		require.Equal(t, alertanalytics.PriorityImportant, b.PriorityLevel)
		require.Equal(t, "alertmanager", b.Title)

		// The same notification again changes nothing.
		res, err = svc.RecordAlertmanager(ctx, tenant, integration, w, alertanalytics.AlertmanagerOptions{})
		require.NoError(t, err)
		require.Equal(t, 0, res.Created)
		require.Equal(t, 2, res.Existing)

		// Resolved: the alert is resolved at endsAt, once.
		resolved := strings.Replace(strings.Replace(amPayload, "%s", "resolved", 2), "%s", "2026-11-02T09:20:00Z", 1)
		require.NoError(t, json.Unmarshal([]byte(resolved), &w))
		for range 2 {
			res, err = svc.RecordAlertmanager(ctx, tenant, integration, w, alertanalytics.AlertmanagerOptions{})
			require.NoError(t, err)
		}
		require.Equal(t, 0, res.Resolved, "the second delivery records nothing new")
		a, err = svc.Alert(ctx, tenant, id)
		require.NoError(t, err)
		require.Equal(t, alertanalytics.StatusResolved, a.Status)
		require.Equal(t, time.Date(2026, 11, 2, 9, 20, 0, 0, time.UTC), *a.ResolvedAt)
		counts, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, int64(1), counts.AlertInteractions)

		// A mapping of one's own.
		other := uuid.New()
		res, err = svc.RecordAlertmanager(ctx, other, integration, w, alertanalytics.AlertmanagerOptions{
			Priorities: map[string]alertanalytics.Priority{"WARNING": alertanalytics.PriorityInfo}})
		require.NoError(t, err)
		require.Equal(t, 1, res.Resolved)
		b, err = svc.Alert(ctx, other, alertanalytics.AlertmanagerID(other, "ffee", time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)))
		require.NoError(t, err)
		require.Equal(t, alertanalytics.PriorityInfo, b.PriorityLevel)
	})
}
