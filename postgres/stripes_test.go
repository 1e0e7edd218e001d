package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/store"
)

// TestHeldTotalsDoNotBlockWriters holds every kept-total row of a tenant's
// day locked, as a writer in the middle of its commit does, and writes to
// that day: an alert and its acknowledgement go to new stripes instead of
// waiting (with a 200 ms lock timeout, waiting would fail with
// store.ErrOverloaded). An earlier acknowledgement, which replaces a kept
// time, must wait for every row of the day: it fails at the bound while
// the rows are held, having written nothing, and once they are free it
// folds the day's stripes into one row. The kept totals equal the rows
// throughout.
func TestHeldTotalsDoNotBlockWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool)
	st, err := postgres.New(pool, postgres.Config{Schema: schema, LockTimeout: 200 * time.Millisecond, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	tenant, user := uuid.New(), uuid.New()
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	newAlert := func(at time.Time) store.Alert {
		return store.Alert{ID: uuid.New(), TenantID: tenant, AlertType: "oven_temperature", Category: "production",
			PriorityLevel: store.PriorityCritical, TypeClass: store.TypeClassActionNeeded, Status: store.StatusActive,
			CreatedAt: at, FinancialImpactCents: 12_500}
	}
	first := newAlert(created)
	_, err = writeflow.Store{Store: st}.InsertAlerts(ctx, tenant, []store.Alert{first})
	require.NoError(t, err)
	dayRows := func() int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM "`+schema+`".rollup_days WHERE tenant_id = $1`, tenant).Scan(&n))
		return n
	}
	require.Equal(t, 1, dayRows())

	// Another transaction holds the day's row and the open-totals row.
	holder, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer holder.Rollback(ctx) //nolint:errcheck // closed below on the path that matters
	for _, table := range []string{"rollup_days", "open_totals"} {
		_, err = holder.Exec(ctx, `SELECT 1 FROM "`+schema+`".`+table+` WHERE tenant_id = $1 FOR UPDATE`, tenant)
		require.NoError(t, err)
	}

	second := newAlert(created.Add(time.Minute))
	_, err = writeflow.Store{Store: st}.InsertAlerts(ctx, tenant, []store.Alert{second})
	require.NoError(t, err, "an ingest must not wait for a held day row")
	ack := func(a store.Alert, at time.Time) store.Interaction {
		return store.Interaction{ID: uuid.New(), TenantID: tenant, AlertID: a.ID, UserID: user,
			Type: store.InteractionAcknowledged, InteractedAt: at, RecordedAt: at}
	}
	_, err = writeflow.Store{Store: st}.RecordInteractions(ctx, tenant, []store.Interaction{ack(second, second.CreatedAt.Add(10*time.Minute))})
	require.NoError(t, err, "a first acknowledgement only adds a time: it must not wait")
	require.Equal(t, 2, dayRows(), "the writes went to a second stripe")

	// 3 minutes is earlier than the kept 10: the kept time goes, which
	// needs every stripe, so this write waits for the holder and gives up.
	_, err = writeflow.Store{Store: st}.RecordInteractions(ctx, tenant, []store.Interaction{ack(second, second.CreatedAt.Add(3*time.Minute))})
	require.ErrorIs(t, err, store.ErrOverloaded)
	require.NoError(t, holder.Rollback(ctx))
	require.NoError(t, rollup.Verify(ctx, st, tenant))

	_, err = writeflow.Store{Store: st}.RecordInteractions(ctx, tenant, []store.Interaction{ack(second, second.CreatedAt.Add(3*time.Minute))})
	require.NoError(t, err)
	require.Equal(t, 1, dayRows(), "the write that removed a time folded the day's stripes")
	require.NoError(t, rollup.Verify(ctx, st, tenant))
	got, err := st.Alert(ctx, tenant, second.ID)
	require.NoError(t, err)
	require.Equal(t, second.CreatedAt.Add(3*time.Minute), *got.AcknowledgedAt)

	// Two alerts are open, 125 € each, summed over the open-totals stripes.
	open, err := st.OpenTotals(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, []store.OpenTotal{{TypeClass: store.TypeClassActionNeeded, Alerts: 2, FinancialImpactCents: 25_000}}, open)
	var openRows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM "`+schema+`".open_totals WHERE tenant_id = $1`, tenant).Scan(&openRows))
	require.Equal(t, 2, openRows, "the second alert's total went to a stripe of its own")
}
