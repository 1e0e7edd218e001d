package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrNoCitus is returned by Distribute (and by Migrate with Config.Citus)
// when the database has no citus extension.
var ErrNoCitus = errors.New("the citus extension is not installed in this database (CREATE EXTENSION citus, as a superuser, on every node)")

// Distribute makes the schema's tables Citus distributed tables, each by
// tenant_id and colocated with alerts, so every tenant's rows live on one
// shard and every statement of the store, which names one tenant, routes
// to one node. schema_migrations stays a local table of the coordinator.
//
// It is idempotent: tables already distributed are left as they are, so
// it may run after every Migrate (Config.Citus does exactly that, which
// also distributes a table a later migration adds). It runs under the
// schema's migration lock, so any number of replicas may call it at once.
// Without the citus extension it returns an error wrapping ErrNoCitus and
// changes nothing.
//
// Run it, and Migrate, on the coordinator. The store's tenant lock (a
// deletion waits for the tenant's writes and keeps them out) is an
// advisory lock of the node a transaction runs on: every write must go
// through the coordinator (the pool's DSN names it), never straight to a
// worker; see the README's "Outgrowing one machine".
func (s *Store) Distribute(ctx context.Context) error {
	if err := s.distribute(ctx); err != nil {
		return fmt.Errorf("postgres: distribute: %w", err)
	}
	return nil
}

func (s *Store) distribute(ctx context.Context) error {
	var hasCitus bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&hasCitus); err != nil {
		return err
	}
	if !hasCitus {
		return ErrNoCitus
	}
	// The tables of the schema, alerts first: the others colocate with it.
	rows, err := s.db.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
		ORDER BY c.relname <> 'alerts', c.relname`, s.schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, table := range tables {
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			// The migration lock orders replicas distributing at once: the
			// second finds the table distributed and moves on.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockKey()); err != nil {
				return err
			}
			qualified := `"` + s.schema + `"."` + table + `"`
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass)`,
				qualified).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			colocate := `"` + s.schema + `"."alerts"`
			if table == "alerts" {
				colocate = "default"
			}
			args := []any{qualified, colocate}
			query := `SELECT create_distributed_table($1::regclass, 'tenant_id', colocate_with => $2)`
			if s.shardCount > 0 && table == "alerts" {
				query = `SELECT create_distributed_table($1::regclass, 'tenant_id', colocate_with => $2, shard_count => $3)`
				args = append(args, s.shardCount)
			}
			_, err := tx.Exec(ctx, query, args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
	}
	return nil
}
