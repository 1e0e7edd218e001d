package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/store"
)

// testContractErrors calls the contract's methods directly, as the root
// package's flows would, and checks each documented error case: a missing
// row wraps store.ErrNotFound, a repeated idempotency key is reported, not
// failed, fn's error comes back through Write and rolls back, and a
// cancelled context writes nothing.
func testContractErrors(t *testing.T, st flows) {
	ctx := context.Background()
	base := at(t, "2026-11-02T08:00:00Z")
	insert(t, st, tenantA(), alert(tenantA(), 1, base))

	// Reads: a missing alert, and another tenant's alert, are not found.
	_, err := st.Alert(ctx, tenantA(), id(2))
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.Alert(ctx, tenantB(), id(1))
	require.ErrorIs(t, err, store.ErrNotFound)
	// No day rows in a range is not an error, and fn is never called.
	calls := 0
	require.NoError(t, st.DayRows(ctx, tenantB(), 0, 1<<40, store.AllDayColumns, func(*store.DayRow) error { calls++; return nil }))
	require.Zero(t, calls)
	// The one alert's day (2026-11-02 is day 20,759 since 1970-01-01) has one row
	// through DayRows, carrying the columns asked for only.
	require.NoError(t, st.DayRows(ctx, tenantA(), 20759, 20760, store.DayCounts, func(r *store.DayRow) error {
		calls++
		require.Equal(t, int64(20759), r.Day)
		require.Equal(t, 1, r.Stripes)
		require.NotEmpty(t, r.Counts)
		require.Nil(t, r.Groups)
		return nil
	}))
	require.Equal(t, 1, calls)

	// Inside a write: missing rows wrap ErrNotFound; a repeated key reports
	// false; fn's error is what Write returns, and what fn wrote is gone.
	boom := errors.New("boom")
	in := interaction(tenantA(), id(1), store.InteractionAcknowledged, base.Add(60e9))
	in.IdempotencyKey = "k1"
	err = st.Write(ctx, tenantA(), store.WriteOptions{}, func(tx store.Tx) error {
		if _, err := tx.AlertForUpdate(ctx, tenantA(), id(2)); !errors.Is(err, store.ErrNotFound) {
			return errors.Join(errors.New("AlertForUpdate of a missing alert"), err)
		}
		if _, err := tx.InteractionByKey(ctx, tenantA(), "k1"); !errors.Is(err, store.ErrNotFound) {
			return errors.Join(errors.New("InteractionByKey of an unused key"), err)
		}
		if ok, err := tx.InsertInteraction(ctx, in); !ok || err != nil {
			return errors.Join(errors.New("first InsertInteraction"), err)
		}
		again := in
		again.ID = id(50)
		if ok, err := tx.InsertInteraction(ctx, again); ok || err != nil {
			return errors.Join(errors.New("InsertInteraction of a used key must report false without error"), err)
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantA()), "the rolled-back write left nothing")

	// A cancelled context: the write fails with the context's error and
	// stores nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = st.Write(cctx, tenantA(), store.WriteOptions{Exclusive: true}, func(tx store.Tx) error {
		_, err := tx.InsertAlerts(cctx, tenantA(), []store.Alert{alert(tenantA(), 3, base)})
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, store.TenantCounts{Alerts: 1}, counts(t, st, tenantA()))
}
