package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// TestConformance runs the shared suite, each test in a schema of its own.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return newPostgresStore(t) })
}

// TestConcurrentMigrate migrates one schema from four pools at once, as four
// processes starting together would: each version is applied exactly once
// and every migrator succeeds.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := pgtest.Pool(t)
	schema := pgtest.Schema(t, first)
	stores := make([]*postgres.Store, 4)
	for i := range stores {
		pool := first
		if i > 0 {
			pool = pgtest.Pool(t)
		}
		st, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
		require.NoError(t, err)
		stores[i] = st
	}
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() { errs[i] = st.Migrate(ctx) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.NoError(t, stores[0].Migrate(ctx), "migrating again is a no-op")

	var versions, applied int
	require.NoError(t, first.QueryRow(ctx, `SELECT count(DISTINCT version), count(*) FROM "`+schema+`".schema_migrations`).Scan(&versions, &applied))
	require.Equal(t, 8, versions) // 001_initial … 008_digests
	require.Equal(t, versions, applied, "each version applied exactly once")
}

func TestSchemaName(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"Alerts", "1abc", "a-b", `a"; DROP TABLE x; --`, "a b", string(make([]byte, 64))} {
		_, err := postgres.New(nil, postgres.Config{Schema: bad, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
		require.ErrorContains(t, err, "not a lower-case identifier", "%q", bad)
	}
	_, err := postgres.New(nil, postgres.Config{Schema: "tenant_analytics_2"})
	require.ErrorContains(t, err, "nil pool")
}

// TestMigrationsApplyOutsideMigrate applies the files Migrations renders
// for a schema with plain SQL, as a migration tool would, and uses the
// result.
func TestMigrationsApplyOutsideMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool)
	fsys, err := postgres.Migrations(schema)
	require.NoError(t, err)
	names, err := fs.Glob(fsys, "*.sql")
	require.NoError(t, err)
	require.Equal(t, []string{"001_initial.sql", "002_open_totals.sql", "003_rollups.sql", "004_export_retention.sql", "005_rollup_days.sql", "006_stripes.sql", "007_people.sql", "008_digests.sql"}, names)
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		require.NoError(t, err)
		require.NotContains(t, string(body), "{schema}")
		_, err = pool.Exec(ctx, string(body))
		require.NoError(t, err, name)
	}
	st, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
	require.NoError(t, err)
	tenant := uuid.New()
	created, err := writeflow.Store{Store: st}.InsertAlerts(ctx, tenant, []store.Alert{{ID: uuid.New(), TenantID: tenant,
		AlertType: "t", Category: "t", PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassActionNeeded,
		Status: store.StatusActive, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, created)

	_, err = postgres.Migrations("Bad-Name")
	require.ErrorContains(t, err, "not a lower-case identifier")
}

// newPostgresStore returns a migrated store in a fresh schema of its own
// on the test database (see internal/pgtest), dropped when the test ends.
func newPostgresStore(t testing.TB) *postgres.Store {
	t.Helper()
	pool := pgtest.Pool(t)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
