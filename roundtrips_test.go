package alertanalytics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/netdelay"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
)

// TestRoundTrips pins how many requests each Service call sends to
// PostgreSQL, counted on the connections (a read after a write is one
// round trip): the floor of section 16 of the specification is one for a
// read and two for a write that reads before it writes. A change that adds
// one fails here. The pool has one connection, so every statement is
// prepared on it by the warm-up calls and the count is exact; with more
// connections the parts of a call counted apart here (Dashboard's four)
// are sent side by side, each one round trip.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	var c netdelay.Counter
	pool := pgtest.CountedPool(t, &c, 1)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool), Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	svc := fallBackService(t, st)
	ctx := context.Background()
	tenant := uuid.MustParse(fixtureTenant)
	w := alertanalytics.Window{Days: 30, Location: madrid(t)}
	next := 0
	newAlert := func() alertanalytics.AlertInput {
		next++
		return alertanalytics.AlertInput{ID: uuid.New(), AlertType: "x", Category: "stock", PriorityLevel: "critical",
			CreatedAt: fixtureNow().Add(-time.Duration(next) * time.Minute)}
	}
	// Alerts for the interactions, three calls each.
	var open []uuid.UUID
	for range 6 {
		a := newAlert()
		_, _, err := svc.RecordAlert(ctx, tenant, a)
		require.NoError(t, err)
		open = append(open, a.ID)
	}
	user := uuid.New()
	key := 0
	var firstKeyed uuid.UUID
	for _, call := range []struct {
		name  string
		trips int64
		fn    func() error
	}{
		// Reads: one request each part; the parts of one call go side by side.
		{"Trends", 1, func() error { _, err := svc.Trends(ctx, tenant, w); return err }},
		{"Analytics (trends, top categories)", 2, func() error { _, err := svc.Analytics(ctx, tenant, w); return err }},
		{"Dashboard (window, previous window, response times, open totals)", 4, func() error {
			_, err := svc.Dashboard(ctx, tenant, w)
			return err
		}},
		{"Compliance (counters, times)", 2, func() error { _, err := svc.Compliance(ctx, tenant, w, alertanalytics.Targets{}); return err }},
		{"Hours (counters, times)", 2, func() error { _, err := svc.Hours(ctx, tenant, w, alertanalytics.HoursOptions{}); return err }},
		{"Breakdown", 1, func() error { _, err := svc.Breakdown(ctx, tenant, w, alertanalytics.ByCategory, 10); return err }},
		{"Noisy", 1, func() error { _, err := svc.Noisy(ctx, tenant, w, 10); return err }},
		{"People (interactions, first acknowledgements)", 2, func() error {
			_, err := svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{})
			return err
		}},
		{"Flapping (short episodes, kinds)", 2, func() error { _, err := svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{}); return err }},
		{"Digest (the parts of seven insights)", 14, func() error { _, err := svc.Digest(ctx, tenant, alertanalytics.Window{Days: 7}); return err }},
		{"Alert", 1, func() error { _, err := svc.Alert(ctx, tenant, fixtureID(1)); return err }},
		{"PreviewTenantDeletion", 1, func() error { _, err := svc.PreviewTenantDeletion(ctx, tenant); return err }},
		{"Export", 1, func() error {
			var b bytes.Buffer
			return svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &b)
		}},
		// Writes: the insert or the lock and read, then the rest with COMMIT.
		{"RecordAlert", 2, func() error { _, _, err := svc.RecordAlert(ctx, tenant, newAlert()); return err }},
		{"RecordAlerts (a batch of 20)", 2, func() error {
			batch := make([]alertanalytics.AlertInput, 20)
			for i := range batch {
				batch[i] = newAlert()
			}
			_, err := svc.RecordAlerts(ctx, tenant, batch)
			return err
		}},
		{"RecordAlerts (a batch of 1,000 over two days)", 2, func() error {
			batch := make([]alertanalytics.AlertInput, 1000)
			for i := range batch {
				batch[i] = newAlert()
				batch[i].CreatedAt = fixtureNow().Add(-time.Duration(next) * 3 * time.Minute)
			}
			_, err := svc.RecordAlerts(ctx, tenant, batch)
			return err
		}},
		{"RecordInteraction", 2, func() error {
			a := open[0]
			open = open[1:]
			_, err := svc.RecordInteraction(ctx, tenant, a, user, alertanalytics.InteractionInput{Type: "acknowledged"})
			return err
		}},
		{"RecordInteraction with an idempotency key", 2, func() error {
			a := open[0]
			open = open[1:]
			key++
			if key == 1 {
				firstKeyed = a
			}
			_, err := svc.RecordInteraction(ctx, tenant, a, user, alertanalytics.InteractionInput{Type: "acknowledged",
				IdempotencyKey: fmt.Sprint("k", key)})
			return err
		}},
		{"RecordInteraction repeating a key", 2, func() error {
			r, err := svc.RecordInteraction(ctx, tenant, firstKeyed, user, alertanalytics.InteractionInput{Type: "acknowledged",
				IdempotencyKey: "k1"})
			if err == nil && !r.Duplicate {
				err = errors.New("not a duplicate")
			}
			return err
		}},
	} {
		// Two warm-up calls prepare the call's statements on the connection.
		for range 2 {
			require.NoError(t, call.fn(), call.name)
		}
		before := c.Trips()
		require.NoError(t, call.fn(), call.name)
		require.Equal(t, call.trips, c.Trips()-before, "round trips of %s", call.name)
	}
}
