package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
)

// TestCitusCommitWarningFailsTheWrite: when Citus warns that a worker's
// commit failed, the client's COMMIT still succeeds; a write on a
// PoolConfig connection fails instead, naming the warning. Plain
// PostgreSQL stands in for the coordinator: a trigger raises the same
// warning in the write's transaction. Once the trigger is gone, writes on
// the same connection succeed again, and so does a write after a warning
// outside any write.
func TestCitusCommitWarningFailsTheWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, err := postgres.PoolConfig(pgtest.URL(t))
	require.NoError(t, err)
	cfg.MaxConns, cfg.MinConns = 1, 1 // one connection: the next write runs where the warning came
	pool, err := postgres.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	schema := pgtest.Schema(t, pool)
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	_, err = pool.Exec(ctx, `CREATE FUNCTION `+schema+`.warn() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE WARNING 'failed to commit transaction on 127.0.0.1:5441'; RETURN NULL; END $$`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `CREATE TRIGGER warn AFTER INSERT ON `+schema+`.alerts FOR EACH STATEMENT EXECUTE FUNCTION `+schema+`.warn()`)
	require.NoError(t, err)

	svc := alertanalytics.New(st, alertanalytics.Config{})
	tenant := uuid.New()
	in := alertanalytics.AlertInput{ID: uuid.New(), AlertType: "x", Category: "c", CreatedAt: time.Now().Add(-time.Minute)}
	_, err = svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{in})
	require.ErrorContains(t, err, "failed to commit transaction on 127.0.0.1:5441")

	_, err = pool.Exec(ctx, `DROP TRIGGER warn ON `+schema+`.alerts`)
	require.NoError(t, err)
	in.ID = uuid.New()
	_, err = svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{in})
	require.NoError(t, err)

	// A warning outside a write (here a statement of the host's on the
	// pool's one connection) is not the next write's.
	_, err = pool.Exec(ctx, `DO $$ BEGIN RAISE WARNING 'failed to commit transaction on 127.0.0.1:5441'; END $$`)
	require.NoError(t, err)
	in.ID = uuid.New()
	_, err = svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{in})
	require.NoError(t, err)
}
