package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// TestConformance runs the shared suite on a WAL database file per test,
// the production configuration.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "alerts.db"))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	})
}

// TestConformanceMemory runs the shared suite on the in-memory mode offered
// for application tests.
func TestConformanceMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := sqlite.OpenMemory()
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		require.NoError(t, st.Migrate(context.Background()))
		return st
	})
}

// TestTwoStoresOneFile opens the same file twice, as two processes would,
// migrates from both at once and writes from both at once: every write
// lands and none fails with "database is locked".
func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := make([]*sqlite.Store, 4)
	for i := range stores {
		st, err := sqlite.Open(path)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		stores[i] = st
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, st := range stores {
		wg.Go(func() { errs[i] = st.Migrate(ctx) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.NoError(t, stores[0].Migrate(ctx), "migrating again is a no-op")

	tenant := uuid.New()
	const perStore = 50
	for i, st := range stores {
		wg.Go(func() {
			for j := range perStore {
				a := store.Alert{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, AlertType: "t", Category: "c",
					PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassInformation, Status: store.StatusActive,
					CreatedAt: time.UnixMilli(int64(i*perStore + j)).UTC()}
				if _, err := (writeflow.Store{Store: st}).InsertAlerts(ctx, tenant, []store.Alert{a}); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	counts, err := stores[1].CountTenant(ctx, tenant)
	require.NoError(t, err)
	require.Equal(t, int64(len(stores)*perStore), counts.Alerts)
}

// TestOpenPathsWithURIMeta opens a file whose path holds characters that
// mean something in a file: URI, and finds the file where it was asked for.
func TestOpenPathsWithURIMeta(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a dir#1")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "alerts?v=2%.db")
	st, err := sqlite.Open(path)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	require.NoError(t, st.Close())
	_, err = os.Stat(path)
	require.NoError(t, err)
}

// TestMigrationsApplyOutsideMigrate applies the files Migrations returns
// with plain SQL, as a migration tool would, and uses the result.
func TestMigrationsApplyOutsideMigrate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tool.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	fsys, err := sqlite.Migrations()
	require.NoError(t, err)
	names, err := fs.Glob(fsys, "*.sql")
	require.NoError(t, err)
	require.Equal(t, []string{"001_initial.sql", "002_open_totals.sql", "003_rollups.sql", "004_export_retention.sql", "005_rollup_days.sql", "006_people.sql", "007_digests.sql"}, names)
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		require.NoError(t, err)
		_, err = db.Exec(string(body))
		require.NoError(t, err, name)
	}
	require.NoError(t, db.Close())

	st, err := sqlite.Open(path)
	require.NoError(t, err)
	defer st.Close()
	tenant := uuid.New()
	created, err := writeflow.Store{Store: st}.InsertAlerts(context.Background(), tenant, []store.Alert{{ID: uuid.New(), TenantID: tenant,
		AlertType: "t", Category: "t", PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassActionNeeded,
		Status: store.StatusActive, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, created)
	open, err := st.OpenTotals(context.Background(), tenant)
	require.NoError(t, err)
	require.Equal(t, []store.OpenTotal{{TypeClass: store.TypeClassActionNeeded, Alerts: 1}}, open)
}

// TestRebuildAfterMigration005 runs migration 005 on a database that
// already has alerts and interactions (kept before the day rows existed):
// the migration's SQL leaves the day rows empty, CheckTotals says so, and
// Service.RebuildTotals fills them from the rows.
func TestRebuildAfterMigration005(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	st, err := sqlite.Open(path)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }})
	tenant := uuid.New()
	res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{
		{AlertType: "a", CreatedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)},
		{AlertType: "b", CreatedAt: time.Date(2026, 11, 1, 8, 5, 0, 0, time.UTC), PriorityLevel: alertanalytics.PriorityCritical},
	})
	require.NoError(t, err)
	_, err = svc.RecordInteraction(ctx, tenant, res.IDs[1], uuid.New(), alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionResolved, InteractedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	// Take the database back to before migration 005.
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`DROP TABLE alertanalytics_rollup_days; DELETE FROM alertanalytics_schema_migrations WHERE version = 5`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	st, err = sqlite.Open(path)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Migrate(ctx))
	svc = alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }})
	require.ErrorContains(t, svc.CheckTotals(ctx, tenant), "no counters kept")
	require.NoError(t, svc.RebuildTotals(ctx, tenant))
	require.NoError(t, svc.CheckTotals(ctx, tenant))
	d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 2})
	require.NoError(t, err)
	require.Equal(t, int64(2), d.TotalAlerts)
	require.Equal(t, int64(3300), d.ResponseTimes.TimeToResolve.P50Seconds) // 09:00 − 08:05
}

func TestNewChecksTheDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.db")
	open := func(dsn string, conns int) *sql.DB {
		db, err := sql.Open("sqlite", dsn)
		require.NoError(t, err)
		db.SetMaxOpenConns(conns)
		t.Cleanup(func() { db.Close() })
		return db
	}
	_, err := sqlite.New(open("file:"+path, 1))
	require.ErrorContains(t, err, "journal_mode is delete")
	_, err = sqlite.New(open("file:"+path+"?_pragma=journal_mode(WAL)", 4))
	require.ErrorContains(t, err, "SetMaxOpenConns(1)")
	_, err = sqlite.New(open("file:"+path+"?_pragma=journal_mode(WAL)", 1))
	require.ErrorContains(t, err, "busy_timeout is 0")
	_, err = sqlite.New(nil)
	require.Error(t, err)

	db := open("file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)", 1)
	st, err := sqlite.New(db)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	storetestTenant := uuid.New()
	created, err := writeflow.Store{Store: st}.InsertAlerts(context.Background(), storetestTenant, []store.Alert{{ID: uuid.New(), TenantID: storetestTenant,
		AlertType: "t", Category: "t", PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassActionNeeded,
		Status: store.StatusActive, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, created)

	// Open takes options too.
	st2, err := sqlite.Open(filepath.Join(t.TempDir(), "tuned.db"), sqlite.WithBusyTimeout(2*time.Second), sqlite.WithReaders(2), sqlite.WithCacheSize(1024))
	require.NoError(t, err)
	require.NoError(t, st2.Close())
	_, err = sqlite.Open(filepath.Join(t.TempDir(), "bad.db"), sqlite.WithReaders(0))
	require.Error(t, err)
}
