package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// ErrInjected is the error a faulty store's failing step fails with.
var ErrInjected = errors.New("injected fault")

// NewFaultyStore returns a fresh, migrated, empty store whose writes can be
// made to fail part-way, and the function that arms it: after failAt(k)
// the k-th step of its writes from then on fails with ErrInjected, and so
// does every later one until failAt is called again; failAt(0) disarms.
// What a step is, is the backend's to choose, as long as every write
// takes several and the last is its commit: a statement sent to an SQL
// database (ours count each statement of a batch), a call of a Tx method
// on a backend without SQL (wrap the Tx and fail the k-th call, then the
// commit). Numbered from 1.
type NewFaultyStore func(t *testing.T) (st store.Store, failAt func(k int))

// faultWrite is one write RunFaults breaks step by step.
type faultWrite struct {
	name string
	op   func(ctx context.Context, t *testing.T, st flows) error
}

// faultWrites are the writes RunFaults breaks: a batch of alerts, of
// interactions, a tenant deletion and a purge batch.
func faultWrites() []faultWrite {
	return []faultWrite{
		{"InsertAlerts", func(ctx context.Context, t *testing.T, st flows) error {
			_, err := st.InsertAlerts(ctx, tenantA(), []store.Alert{
				alert(tenantA(), 10, at(t, "2026-05-04T09:00:00Z"), withPriority(store.PriorityCritical), withImpact(500)),
				alert(tenantA(), 1, at(t, "2026-05-04T09:00:00Z")), // exists
				alert(tenantA(), 11, at(t, "2026-05-04T10:00:00Z"), withPriority(store.PriorityInfo), withCategory("quality")),
			})
			return err
		}},
		{"RecordInteractions", func(ctx context.Context, t *testing.T, st flows) error {
			keyed := func(in store.Interaction, key string) store.Interaction { in.IdempotencyKey = key; return in }
			_, err := st.RecordInteractions(ctx, tenantA(), []store.Interaction{
				keyed(interaction(tenantA(), id(1), store.InteractionAcknowledged, at(t, "2026-05-04T08:05:00Z")), "k-1"),
				interaction(tenantA(), id(2), store.InteractionResolved, at(t, "2026-05-04T08:20:00Z")),
				interaction(tenantA(), id(1), store.InteractionDismissed, at(t, "2026-05-04T08:30:00Z")),
				keyed(interaction(tenantA(), id(3), store.InteractionAcknowledged, at(t, "2026-05-04T08:40:00Z")), "k-1"), // a repeat
			})
			return err
		}},
		{"DeleteTenant", func(ctx context.Context, t *testing.T, st flows) error {
			_, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenantA(), RequestedBy: "faults",
				DeletedAt: at(t, "2026-05-05T00:00:00Z")})
			return err
		}},
		{"PurgeBatch", func(ctx context.Context, t *testing.T, st flows) error {
			// Saving the receipt (Deleted zero) is idempotent; the batch
			// deletes alerts 1 and 2 with their interaction and audit row
			// and adds them to the receipt, all or nothing.
			r := store.RetentionReceipt{ID: id(900), TenantID: tenantA(), RequestedBy: "faults",
				Cutoff: at(t, "2026-05-04T08:05:00Z"), IncludeOpen: true, StartedAt: at(t, "2026-05-05T00:00:00Z")}
			if err := st.SaveRetentionReceipt(ctx, r); err != nil {
				return err
			}
			_, err := st.PurgeBatch(ctx, r, 10)
			return err
		}},
	}
}

// RunFaults checks, for every write, that a failure at any of its steps
// leaves the data exactly as they were before the call: no partial batch,
// interaction or deletion, and kept totals untouched. Each write is
// retried with the fault one step later until it succeeds.
func RunFaults(t *testing.T, newStore NewFaultyStore) {
	t.Helper()
	for _, tc := range faultWrites() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			backend, failAt := newStore(t)
			st := flows{Store: backend}
			ctx := context.Background()
			seedFaults(t, st)
			before := snapshotOf(t, st)
			for k := 1; ; k++ {
				require.Less(t, k, 200, "the write never succeeded")
				failAt(k)
				err := tc.op(ctx, t, st)
				failAt(0)
				if err == nil {
					require.NotEqual(t, before, snapshotOf(t, st), "the write changed nothing")
					require.Greater(t, k, 2, "a write sends more than one statement")
					t.Logf("succeeded with the fault at statement %d, after %d faults that changed nothing", k, k-1)
					return
				}
				require.ErrorIs(t, err, ErrInjected, "statement %d", k)
				require.Equal(t, before, snapshotOf(t, st), "after a fault at statement %d", k)
			}
		})
	}
}

// seedFaults stores three open alerts of tenant A and one of tenant B, and
// acknowledges the second.
func seedFaults(t *testing.T, st flows) {
	insert(t, st, tenantA(),
		alert(tenantA(), 1, at(t, "2026-05-04T08:00:00Z"), withPriority(store.PriorityCritical), withImpact(1250)),
		alert(tenantA(), 2, at(t, "2026-05-04T08:00:00Z"), withPriority(store.PriorityImportant)),
		alert(tenantA(), 3, at(t, "2026-05-04T08:10:00Z"), withCategory("production"), withImpact(99)))
	insert(t, st, tenantB(), alert(tenantB(), 1, at(t, "2026-05-04T08:00:00Z"), withPriority(store.PriorityInfo)))
	record(t, st, tenantA(), interaction(tenantA(), id(2), store.InteractionAcknowledged, at(t, "2026-05-04T08:01:00Z")))
}

// snapshot is what a write may change, as the store answers it.
type snapshot struct {
	counts   [2]store.TenantCounts
	open     [2][]store.OpenTotal
	alerts   map[uuid.UUID]store.Alert
	days     []rollup.DayTotals
	times    rollup.ResponseTimes
	receipts int
	purged   store.TenantCounts // summed over the retention receipts
}

func snapshotOf(t *testing.T, st flows) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{alerts: map[uuid.UUID]store.Alert{}}
	var err error
	for i, tenant := range []uuid.UUID{tenantA(), tenantB()} {
		s.counts[i], err = st.CountTenant(ctx, tenant)
		require.NoError(t, err)
		s.open[i], err = st.OpenTotals(ctx, tenant)
		require.NoError(t, err)
		for n := 1; n <= 11; n++ {
			if a, err := st.Alert(ctx, tenant, id(n)); err == nil {
				s.alerts[a.ID] = a
			} else {
				require.ErrorIs(t, err, store.ErrNotFound)
			}
		}
	}
	from, to := at(t, "2026-05-04T00:00:00Z"), at(t, "2026-05-05T00:00:00Z")
	s.days, err = rollup.ReadDayTotals(ctx, st, tenantA(), []time.Time{from, to})
	require.NoError(t, err)
	s.times, err = rollup.ReadResponseTimes(ctx, st, tenantA(), from, to, &rollup.Buffers{})
	require.NoError(t, err)
	receipts, err := st.DeletionReceipts(ctx, tenantA())
	require.NoError(t, err)
	s.receipts = len(receipts)
	retention, err := st.RetentionReceipts(ctx, tenantA())
	require.NoError(t, err)
	for _, r := range retention {
		s.purged.Alerts += r.Deleted.Alerts
		s.purged.AlertInteractions += r.Deleted.AlertInteractions
		s.purged.AuditLogs += r.Deleted.AuditLogs
	}
	return s
}
