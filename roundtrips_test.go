package alertanalytics_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/netdelay"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
)

func TestRoundTripsExplore(t *testing.T) {
	var c netdelay.Counter
	pool := pgtest.CountedPool(t, &c, 4)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool)})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	svc := fallBackService(t, st)
	ctx := context.Background()
	tenant := uuid.MustParse(fixtureTenant)
	w := alertanalytics.Window{Days: 30}
	calls := []struct {
		name string
		fn   func() error
	}{
		{"Analytics", func() error { _, err := svc.Analytics(ctx, tenant, w); return err }},
		{"Dashboard", func() error { _, err := svc.Dashboard(ctx, tenant, w); return err }},
		{"Trends", func() error { _, err := svc.Trends(ctx, tenant, w); return err }},
		{"Compliance", func() error { _, err := svc.Compliance(ctx, tenant, w, alertanalytics.Targets{}); return err }},
		{"Hours", func() error { _, err := svc.Hours(ctx, tenant, w, alertanalytics.HoursOptions{}); return err }},
		{"Breakdown", func() error { _, err := svc.Breakdown(ctx, tenant, w, alertanalytics.ByCategory, 10); return err }},
		{"Noisy", func() error { _, err := svc.Noisy(ctx, tenant, w, 10); return err }},
		{"People", func() error { _, err := svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{}); return err }},
		{"Flapping", func() error { _, err := svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{}); return err }},
		{"Digest", func() error { _, err := svc.Digest(ctx, tenant, alertanalytics.Window{Days: 7}); return err }},
		{"Alert", func() error { _, err := svc.Alert(ctx, tenant, fixtureID(1)); return err }},
		{"Preview", func() error { _, err := svc.PreviewTenantDeletion(ctx, tenant); return err }},
		{"RecordAlert", func() error {
			_, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "x", Category: "stock", PriorityLevel: "critical", CreatedAt: fixtureNow()})
			return err
		}},
		{"RecordInteraction", func() error {
			_, err := svc.RecordInteraction(ctx, tenant, fixtureID(8), uuid.New(), alertanalytics.InteractionInput{Type: "acknowledged", InteractedAt: fixtureNow()})
			return err
		}},
		{"RecordInteraction key", func() error {
			_, err := svc.RecordInteraction(ctx, tenant, fixtureID(5), uuid.New(), alertanalytics.InteractionInput{Type: "resolved", InteractedAt: fixtureNow(), IdempotencyKey: "k1"})
			return err
		}},
	}
	for _, call := range calls {
		var got []int64
		for range 6 {
			before := c.Trips()
			require.NoError(t, call.fn(), call.name)
			got = append(got, c.Trips()-before)
		}
		t.Logf("%-24s %v", call.name, got)
	}
}
