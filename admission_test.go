package alertanalytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// slowReads holds the first OpenTotals call (a dashboard reads it) until
// release is closed, after telling entered; later calls go through.
type slowReads struct {
	store.Store
	first, entered, release chan struct{}
}

func newSlowReads(st store.Store) slowReads {
	s := slowReads{Store: st, first: make(chan struct{}, 1), entered: make(chan struct{}), release: make(chan struct{})}
	s.first <- struct{}{}
	return s
}

func (s slowReads) OpenTotals(ctx context.Context, tenantID uuid.UUID) ([]store.OpenTotal, error) {
	select {
	case <-s.first: // only the first caller stalls
		close(s.entered)
		<-s.release
	default:
	}
	return s.Store.OpenTotals(ctx, tenantID)
}

// TestAdmission: with one read place taken by a dashboard that cannot
// finish, a second dashboard fails with ErrOverloaded after the queue
// bound, while a write, which has places of its own, goes through; the
// first dashboard then finishes. A digest, which makes a dashboard of its
// own, needs one place only: with MaxReads 1 it answers.
func TestAdmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(ctx))
	slow := newSlowReads(st)
	clock := func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }
	svc := alertanalytics.New(slow, alertanalytics.Config{Clock: clock, MaxReads: 1, MaxWrites: 1, QueueTimeout: 20 * time.Millisecond})
	tenant := uuid.New()

	first := make(chan error)
	go func() {
		_, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
		first <- err
	}()
	<-slow.entered // the first dashboard holds the read place
	_, err = svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
	require.ErrorIs(t, err, alertanalytics.ErrOverloaded)
	_, err = svc.Trends(ctx, tenant, alertanalytics.Window{Days: 7})
	require.ErrorIs(t, err, alertanalytics.ErrOverloaded)
	_, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "oven"})
	require.NoError(t, err, "writes have places of their own")
	require.True(t, created)
	close(slow.release)
	require.NoError(t, <-first)

	d, err := svc.Digest(ctx, tenant, alertanalytics.Window{Days: 7})
	require.NoError(t, err, "a digest's own dashboard does not wait for a second place")
	require.Equal(t, int64(1), d.PeriodComparison.CurrentPeriod.TotalAlerts)

	// A cancelled caller stops waiting with its own error, not ErrOverloaded.
	block := newSlowReads(st)
	svc = alertanalytics.New(block, alertanalytics.Config{Clock: clock, MaxReads: 1, QueueTimeout: time.Hour})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
	}()
	<-block.entered
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = svc.Dashboard(cctx, tenant, alertanalytics.Window{Days: 7})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, errors.Is(err, alertanalytics.ErrOverloaded))
	close(block.release)
	<-done
}
