package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// SoakEnv names the environment variable that sets how many interactions
// the concurrency soak records in all; 2,000 when unset. The long run is
// ALERTANALYTICS_SOAK_INTERACTIONS=100000 go test -race -run Soak ./sqlite ./postgres.
const SoakEnv = "ALERTANALYTICS_SOAK_INTERACTIONS"

// testConcurrencySoak has many goroutines record interaction batches on
// one tenant's alerts while another reads, then checks the exact outcome.
// Every final status is fixed whatever the order: alerts n%3 == 0 get only
// acknowledgements (end acknowledged), n%3 == 1 acknowledgements and
// snoozes (end snoozed: acknowledged never moves a snoozed alert), n%3 == 2
// acknowledgements and exactly one resolution (end resolved: nothing
// moves a resolved alert).
// soakReader reads the tenant's open totals and day totals until done
// closes.
func soakReader(ctx context.Context, st flows, a uuid.UUID, created time.Time, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return nil
		default:
		}
		if _, err := st.OpenTotals(ctx, a); err != nil {
			return err
		}
		if _, err := rollup.ReadDayTotals(ctx, st, a, []time.Time{created.Add(-time.Hour), created.Add(time.Hour)}); err != nil {
			return err
		}
	}
}

// soakWriter is worker w of testConcurrencySoak: perWorker batches of
// interactions on the soak's alerts.
func soakWriter(ctx context.Context, st flows, a uuid.UUID, w, perWorker int, created time.Time) error {
	const alerts, workers, batch = soakAlerts, soakWorkers, soakBatch
	r := rand.New(rand.NewPCG(uint64(w), 99))
	// Worker w resolves the n%3 == 2 alerts with n%workers == w,
	// somewhere in its first batches.
	var resolves []int
	for n := 1; n <= alerts; n++ {
		if n%3 == 2 && n%workers == w {
			resolves = append(resolves, n)
		}
	}
	for b := range perWorker {
		ins := make([]store.Interaction, batch)
		for i := range ins {
			n := r.IntN(alerts) + 1
			typ := store.InteractionAcknowledged
			switch {
			case len(resolves) > 0 && i == 0:
				n, resolves = resolves[0], resolves[1:]
				typ = store.InteractionResolved
			case n%3 == 1 && r.IntN(2) == 0:
				typ = store.InteractionSnoozed
			}
			ins[i] = interaction(a, id(n), typ, created.Add(time.Duration(b*batch+i+1)*time.Millisecond))
			ins[i].IdempotencyKey = fmt.Sprintf("w%d-b%d-i%d", w, b, i)
		}
		if err := recordedErr(ctx, st, a, ins); err != nil {
			return err
		}
	}
	if len(resolves) > 0 {
		return fmt.Errorf("worker %d: soak too short to resolve alerts %v", w, resolves)
	}
	return nil
}

// The soak's alerts, writers and batch size.
const soakAlerts, soakWorkers, soakBatch = 60, 16, 10

func testConcurrencySoak(t *testing.T, st flows) {
	total := 2000
	if v := os.Getenv(SoakEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, SoakEnv)
		total = n
	}
	const alerts, workers, batch = soakAlerts, soakWorkers, soakBatch
	ctx := context.Background()
	a := tenantA()
	created := at(t, "2026-05-04T08:00:00Z")
	for i := range alerts {
		insert(t, st, a, alert(a, i+1, created))
	}
	perWorker := total / workers / batch
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	done := make(chan struct{})
	wg.Go(func() { errs <- soakReader(ctx, st, a, created, done) }) // a reader alongside the writers
	var writers sync.WaitGroup
	for w := range workers {
		writers.Go(func() { errs <- soakWriter(ctx, st, a, w, perWorker, created) })
	}
	writers.Wait()
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c := counts(t, st, a)
	require.Equal(t, int64(workers*perWorker*batch), c.AlertInteractions)
	want := []store.Status{store.StatusAcknowledged, store.StatusSnoozed, store.StatusResolved}
	for n := 1; n <= alerts; n++ {
		require.Equal(t, want[n%3], getAlert(t, st, a, id(n)).Status, "alert %d", n)
	}
	// One audit row per status change: one or two per alert.
	require.GreaterOrEqual(t, c.AuditLogs, int64(alerts))
	require.LessOrEqual(t, c.AuditLogs, int64(2*alerts))
	require.NoError(t, rollup.Verify(ctx, st, a))
}

// testDeletionUnderLoad deletes a large tenant while three others ingest,
// record interactions and read: the others lose nothing and see no error,
// and the deletion removes the whole tenant and says so.
// seedLarge gives tenant large alerts a second apart from created, the
// first 300 resolved an hour after created.
func seedLarge(t *testing.T, st flows, tenant uuid.UUID, large int, created time.Time) {
	for start := 0; start < large; start += 500 {
		batch := make([]store.Alert, 500)
		for i := range batch {
			batch[i] = alert(tenant, start+i+1, created.Add(time.Duration(start+i)*time.Second))
		}
		insert(t, st, tenant, batch...)
	}
	for n := 1; n <= 300; n++ {
		record(t, st, tenant, interaction(tenant, id(n), store.InteractionResolved, created.Add(time.Hour)))
	}
}

// busyTenant ingests, acknowledges and reads for the tenant, rounds of
// perRound alerts, sending every call's error to errs.
func busyTenant(ctx context.Context, st flows, tenant uuid.UUID, created time.Time, rounds, perRound int, errs chan<- error) {
	for r := range rounds {
		batch := make([]store.Alert, perRound)
		ins := make([]store.Interaction, perRound)
		for i := range batch {
			n := r*perRound + i + 1
			batch[i] = alert(tenant, n, created.Add(time.Duration(n)*time.Second))
			ins[i] = interaction(tenant, id(n), store.InteractionAcknowledged, created.Add(time.Hour))
		}
		_, err := st.InsertAlerts(ctx, tenant, batch)
		errs <- err
		_, err = st.RecordInteractions(ctx, tenant, ins)
		errs <- err
		_, err = rollup.ReadDayTotals(ctx, st, tenant, []time.Time{created.Add(-time.Hour), created.Add(24 * time.Hour)})
		errs <- err
	}
}

func testDeletionUnderLoad(t *testing.T, st flows) {
	const large, others, rounds, perRound, seeded, seededActed = 3000, 3, 15, 10, 200, 20
	ctx := context.Background()
	big := uuid.New()
	created := at(t, "2026-05-04T08:00:00Z")
	seedLarge(t, st, big, large, created)
	before := counts(t, st, big)
	require.Equal(t, store.TenantCounts{Alerts: large, AlertInteractions: 300, AuditLogs: 300}, before)

	tenants := make([]uuid.UUID, others)
	var wg sync.WaitGroup
	errs := make(chan error, others*rounds*3+1)
	start := make(chan struct{})
	for k := range tenants {
		tenants[k] = uuid.New()
		tenant := tenants[k]
		// Rows the others hold before the deletion starts: alerts, some
		// acknowledged (interactions and audit rows).
		seed := make([]store.Alert, seeded)
		for i := range seed {
			seed[i] = alert(tenant, 10_000+i, created.Add(time.Duration(i)*time.Second))
		}
		insert(t, st, tenant, seed...)
		for i := range seededActed {
			record(t, st, tenant, interaction(tenant, id(10_000+i), store.InteractionAcknowledged, created.Add(time.Hour)))
		}
		wg.Go(func() {
			<-start
			busyTenant(ctx, st, tenant, created, rounds, perRound, errs)
		})
	}
	var deleted store.TenantCounts
	wg.Go(func() {
		<-start
		var err error
		deleted, err = st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.Must(uuid.NewV7()), TenantID: big, RequestedBy: "load", DeletedAt: created.Add(2 * time.Hour)})
		errs <- err
	})
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, before, deleted)
	require.Equal(t, store.TenantCounts{}, counts(t, st, big))
	require.NoError(t, rollup.Verify(ctx, st, big))
	for _, tenant := range tenants {
		require.Equal(t, store.TenantCounts{Alerts: seeded + rounds*perRound, AlertInteractions: seededActed + rounds*perRound,
			AuditLogs: seededActed + rounds*perRound}, counts(t, st, tenant))
		require.NoError(t, rollup.Verify(ctx, st, tenant))
	}
}
