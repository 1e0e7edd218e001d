package postgres_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/store"
)

// TestDistributeWithoutCitus: on a server without the citus extension,
// Distribute and a Citus Migrate fail with ErrNoCitus and change nothing.
func TestDistributeWithoutCitus(t *testing.T) {
	t.Parallel()
	if pgtest.Citus() {
		t.Skip("the database has citus; TestDistribute covers it")
	}
	ctx := context.Background()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool)
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	require.ErrorIs(t, st.Distribute(ctx), postgres.ErrNoCitus)
	citus, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: true})
	require.NoError(t, err)
	require.ErrorIs(t, citus.Migrate(ctx), postgres.ErrNoCitus)
	// The store still works as a single server's.
	_, err = st.CountTenant(ctx, uuid.New())
	require.NoError(t, err)
}

// TestDistribute, on a Citus coordinator: a migrated schema distributed
// from four replicas at once has every table but schema_migrations
// distributed by tenant_id and colocated with alerts; again is a no-op; a
// table a later migration adds is distributed by the next Citus Migrate.
func TestDistribute(t *testing.T) {
	t.Parallel()
	if !pgtest.Citus() {
		t.Skip("set " + pgtest.EnvCitus + "=1 with a Citus coordinator's URL to run it")
	}
	ctx := context.Background()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool)
	plain, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, plain.Migrate(ctx))
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		st, err := postgres.New(pgtest.Pool(t), postgres.Config{Schema: schema, CitusShardCount: pgtest.CitusShards})
		require.NoError(t, err)
		wg.Go(func() { errs[i] = st.Distribute(ctx) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.NoError(t, plain.Distribute(ctx), "distributing again is a no-op")

	tables := func() map[string]bool {
		rows, err := pool.Query(ctx, `SELECT c.relname, p.partmethod = 'h' AND p.colocationid = (SELECT colocationid FROM pg_dist_partition
			WHERE logicalrelid = format('%I.alerts', $1::text)::regclass) AND column_to_column_name(p.logicalrelid, p.partkey) = 'tenant_id'
			FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1`, schema)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var name string
			var ok bool
			require.NoError(t, rows.Scan(&name, &ok))
			out[name] = ok
		}
		require.NoError(t, rows.Err())
		return out
	}
	require.Equal(t, map[string]bool{"alerts": true, "alert_interactions": true, "audit_logs": true, "deletion_receipts": true,
		"digest_deliveries": true, "digest_subscriptions": true, "open_totals": true, "retention_receipts": true, "rollup_days": true}, tables())

	// A table a later migration would add.
	_, err = pool.Exec(ctx, `CREATE TABLE "`+schema+`".later (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id))`)
	require.NoError(t, err)
	citus, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: true})
	require.NoError(t, err)
	require.NoError(t, citus.Migrate(ctx))
	require.True(t, tables()["later"])
}

// TestTenantLockNeedsTheCoordinator shows why every write must go through
// the coordinator: a deletion there holds the tenant's lock, and a write
// through the coordinator waits for it (and gives up at the lock bound
// with ErrOverloaded), but the same write sent straight to a worker does
// not see the lock at all and lands in the middle of the deletion.
func TestTenantLockNeedsTheCoordinator(t *testing.T) {
	t.Parallel()
	workerURL := os.Getenv("ALERTANALYTICS_TEST_CITUS_WORKER_URL")
	if !pgtest.Citus() || workerURL == "" {
		t.Skip("set " + pgtest.EnvCitus + "=1 and ALERTANALYTICS_TEST_CITUS_WORKER_URL to run it")
	}
	ctx := context.Background()
	pool := pgtest.Pool(t)
	schema := pgtest.Schema(t, pool)
	coordinator, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: true, CitusShardCount: pgtest.CitusShards,
		LockTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, coordinator.Migrate(ctx))
	workerPool, err := postgres.Connect(ctx, workerURL)
	require.NoError(t, err)
	t.Cleanup(workerPool.Close)
	worker, err := postgres.New(workerPool, postgres.Config{Schema: schema, LockTimeout: 300 * time.Millisecond})
	require.NoError(t, err)

	tenant := uuid.New()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- coordinator.Write(ctx, tenant, store.WriteOptions{Exclusive: true}, func(tx store.Tx) error {
			// The tenant's lock travels with the write's first statement.
			if _, err := tx.DeleteTenantRows(ctx, tenant); err != nil {
				close(held)
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	insert := func(st *postgres.Store) error {
		return st.Write(ctx, tenant, store.WriteOptions{}, func(tx store.Tx) error {
			_, _, err := tx.InsertAlerts(ctx, tenant, []store.Alert{{ID: uuid.New(), TenantID: tenant, AlertType: "t", Category: "t",
				PriorityLevel: store.PriorityInfo, TypeClass: store.TypeClassInformation, Status: store.StatusActive,
				CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}}, nil)
			return err
		})
	}
	require.ErrorIs(t, insert(coordinator), store.ErrOverloaded, "through the coordinator the write waits for the deletion")
	require.NoError(t, insert(worker), "straight to a worker the write does not see the coordinator's lock")
	close(release)
	require.NoError(t, <-done)
}
