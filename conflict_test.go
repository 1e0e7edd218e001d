package alertanalytics_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// conflicting runs each write through to the backend and then aborts the
// first fails of them with a serialization failure, as PostgreSQL does
// when a concurrent write wins: the transaction is rolled back.
type conflicting struct {
	store.Store
	fails, writes atomic.Int32
}

func (c *conflicting) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	c.writes.Add(1)
	return c.Store.Write(ctx, tenantID, opts, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if c.fails.Add(-1) >= 0 {
			return fmt.Errorf("could not serialize access: %w", store.ErrConflict)
		}
		return nil
	})
}

// TestConflictRetried: a write aborted for a conflict runs again inside
// the Service, up to three more times, and is stored once; past that the
// caller gets ErrConflict (503 through httpapi) and nothing is stored.
func TestConflictRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sq, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { sq.Close() })
	require.NoError(t, sq.Migrate(ctx))
	st := &conflicting{Store: sq}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
	tenant := uuid.New()

	st.fails.Store(3)
	a, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "oven"})
	require.NoError(t, err, "three conflicts, then the fourth run commits")
	require.True(t, created)
	require.Equal(t, int32(4), st.writes.Load())
	in, err := svc.RecordInteraction(ctx, tenant, a.ID, uuid.New(), alertanalytics.InteractionInput{Type: "acknowledged"})
	require.NoError(t, err)
	require.False(t, in.Duplicate)

	st.fails.Store(4)
	st.writes.Store(0)
	_, _, err = svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "oven"})
	require.ErrorIs(t, err, alertanalytics.ErrConflict, "four conflicts: given up")
	require.Equal(t, int32(4), st.writes.Load())
	counts, err := svc.PreviewTenantDeletion(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, alertanalytics.TenantCounts{Alerts: 1, AlertInteractions: 1, AuditLogs: 1}, counts, "nothing of the refused write stored")
	require.NoError(t, svc.CheckTotals(ctx, tenant))
}
