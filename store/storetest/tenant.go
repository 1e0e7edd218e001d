package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// insertTenantFixture gives a tenant 3 alerts, 2 of them acknowledged (2
// interactions, 2 audit rows), and returns its counts.
func insertTenantFixture(t *testing.T, st flows, tenant uuid.UUID) store.TenantCounts {
	created := at(t, "2026-05-04T08:00:00Z")
	insert(t, st, tenant,
		alert(tenant, 1, created, withPriority(store.PriorityCritical), withCategory("inventory")),
		alert(tenant, 2, created.Add(time.Hour), withTypeClass(store.TypeClassPreventedIssue)),
		alert(tenant, 3, created.Add(2*time.Hour), withCategory("equipment")),
	)
	record(t, st, tenant,
		interaction(tenant, id(1), store.InteractionAcknowledged, created.Add(10*time.Minute)),
		interaction(tenant, id(2), store.InteractionResolved, created.Add(90*time.Minute)),
	)
	return store.TenantCounts{Alerts: 3, AlertInteractions: 2, AuditLogs: 2}
}

func testDeleteTenant(t *testing.T, st flows) {
	ctx := context.Background()
	wantA := insertTenantFixture(t, st, tenantA())
	wantB := insertTenantFixture(t, st, tenantB())
	require.Equal(t, wantA, counts(t, st, tenantA()))

	deletedAt := at(t, "2026-05-05T12:00:00Z")
	receipt := store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: tenantA(), RequestedBy: "gdpr-service", DeletedAt: deletedAt}
	deleted, err := st.DeleteTenant(ctx, receipt)
	require.NoError(t, err)
	require.Equal(t, wantA, deleted)
	require.Equal(t, store.TenantCounts{}, counts(t, st, tenantA()))
	_, err = st.Alert(ctx, tenantA(), id(1))
	require.ErrorIs(t, err, store.ErrNotFound)

	// The other tenant, with the very same alert ids, is untouched.
	require.Equal(t, wantB, counts(t, st, tenantB()))
	require.Equal(t, store.StatusAcknowledged, getAlert(t, st, tenantB(), id(1)).Status)

	// The receipt survives; deleting again deletes nothing and adds one.
	receipt.Deleted = wantA
	receipts, err := st.DeletionReceipts(ctx, tenantA())
	require.NoError(t, err)
	require.Equal(t, []store.DeletionReceipt{receipt}, receipts)
	again := store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: tenantA(), RequestedBy: "admin", DeletedAt: deletedAt.Add(time.Hour)}
	deleted, err = st.DeleteTenant(ctx, again)
	require.NoError(t, err)
	require.Equal(t, store.TenantCounts{}, deleted)
	receipts, err = st.DeletionReceipts(ctx, tenantA())
	require.NoError(t, err)
	require.Len(t, receipts, 2)
	require.Equal(t, "admin", receipts[1].RequestedBy)
	receipts, err = st.DeletionReceipts(ctx, tenantB())
	require.NoError(t, err)
	require.Empty(t, receipts)
}

// testTenantIsolation gives two tenants the same alert ids and checks that
// every read on one ignores the other, then that writes on one leave the
// other's answers unchanged.
func testTenantIsolation(t *testing.T, st flows) {
	ctx := context.Background()
	insertTenantFixture(t, st, tenantA())
	insertTenantFixture(t, st, tenantB())
	// B has more: one alert in the window per priority and a category A lacks.
	created := at(t, "2026-05-04T09:30:00Z")
	insert(t, st, tenantB(), alert(tenantB(), 50, created, withCategory("zz-b-only"), withAcknowledgedAt(created.Add(time.Hour))))

	from, to := at(t, "2026-05-04T00:00:00Z"), at(t, "2026-05-05T00:00:00Z")
	snapshot := func(tenant uuid.UUID) []any {
		groups, err := rollup.ReadDayTotals(ctx, st, tenant, []time.Time{from, from.Add(12 * time.Hour), to})
		require.NoError(t, err)
		top, err := rollup.TopCategories(ctx, st, tenant, from, to, 10)
		require.NoError(t, err)
		rt, err := rollup.ReadResponseTimes(ctx, st, tenant, from, to, &rollup.Buffers{})
		require.NoError(t, err)
		open, err := st.OpenTotals(ctx, tenant)
		require.NoError(t, err)
		return []any{groups, top, rt, open, counts(t, st, tenant)}
	}
	a := snapshot(tenantA())
	var total int64
	for _, d := range a[0].([]rollup.DayTotals) {
		total += d.Count
	}
	require.Equal(t, int64(3), total)
	require.Equal(t, []rollup.CategoryCount{cat("inventory", 2), cat("equipment", 1)}, a[1])
	require.Equal(t, int64(1), a[2].(rollup.ResponseTimes).Acknowledge.Count)

	// Writes on B, including with A's alert ids, change nothing of A's.
	record(t, st, tenantB(), interaction(tenantB(), id(3), store.InteractionDismissed, created))
	insert(t, st, tenantB(), alert(tenantB(), 60, created))
	_, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: tenantB(), RequestedBy: "t", DeletedAt: created})
	require.NoError(t, err)
	require.Equal(t, a, snapshot(tenantA()))
}

func testConcurrentInteractions(t *testing.T, st flows) {
	const alerts, workers, perWorker = 10, 8, 25
	created := at(t, "2026-05-04T08:00:00Z")
	a := tenantA()
	for i := range alerts {
		insert(t, st, a, alert(a, i+1, created))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				typ := store.InteractionAcknowledged
				if w == workers-1 {
					typ = store.InteractionSnoozed // the last worker snoozes every alert
				}
				in := interaction(a, id(i%alerts+1), typ, created.Add(time.Duration(i+1)*time.Second))
				in.IdempotencyKey = fmt.Sprintf("w%d-i%d", w, i)
				errs <- recordedErr(context.Background(), st, a, []store.Interaction{in})
				// Reads run alongside the writes.
				if _, err := st.OpenTotals(context.Background(), a); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c := counts(t, st, a)
	require.Equal(t, int64(workers*perWorker), c.AlertInteractions)
	// Every alert ends snoozed whatever the order: active → acknowledged →
	// snoozed, or active → snoozed with later acknowledgements not moving
	// it; so one or two audit rows per alert.
	for i := range alerts {
		require.Equal(t, store.StatusSnoozed, getAlert(t, st, a, id(i+1)).Status)
	}
	require.LessOrEqual(t, c.AuditLogs, int64(2*alerts))
	require.GreaterOrEqual(t, c.AuditLogs, int64(alerts))
}

// testConcurrentBatches records batches that touch the same alerts in
// different orders from many goroutines at once: none may fail (a backend
// that locks alerts in arrival order would deadlock here) and nothing is lost.
func testConcurrentBatches(t *testing.T, st flows) {
	const alerts, workers, rounds = 6, 6, 5
	created := at(t, "2026-05-04T08:00:00Z")
	a := tenantA()
	for i := range alerts {
		insert(t, st, a, alert(a, i+1, created))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				batch := make([]store.Interaction, 0, alerts)
				for i := range alerts {
					// Worker w starts at a different alert and walks either way.
					n := (w + i) % alerts
					if w%2 == 1 {
						n = (w - i + alerts) % alerts
					}
					batch = append(batch, interaction(a, id(n+1), store.InteractionAcknowledged, created.Add(time.Duration(r+1)*time.Second)))
				}
				_, err := st.RecordInteractions(context.Background(), a, batch)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c := counts(t, st, a)
	require.Equal(t, int64(alerts*workers*rounds), c.AlertInteractions)
	require.Equal(t, int64(alerts), c.AuditLogs, "each alert moved once: active → acknowledged")
}

// testConcurrentOverlappingIngest delivers the same alerts in batches of
// opposite orders from many goroutines at once, as a redelivering queue
// may: every call succeeds, each alert is reported new exactly once, and
// each is stored once.
func testConcurrentOverlappingIngest(t *testing.T, st flows) {
	const alerts, workers = 200, 6
	created := at(t, "2026-05-04T08:00:00Z")
	a := tenantA()
	var wg sync.WaitGroup
	newCount := make([]int, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			batch := make([]store.Alert, 0, alerts)
			for i := range alerts {
				n := i
				if w%2 == 1 {
					n = alerts - 1 - i
				}
				batch = append(batch, alert(a, n+1, created.Add(time.Duration(n)*time.Second)))
			}
			created, err := st.InsertAlerts(context.Background(), a, batch)
			errs[w] = err
			for _, c := range created {
				if c {
					newCount[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for w := range workers {
		require.NoError(t, errs[w])
		total += newCount[w]
	}
	require.Equal(t, alerts, total, "each alert reported new exactly once")
	require.Equal(t, int64(alerts), counts(t, st, a).Alerts)
}
