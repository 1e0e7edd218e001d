// Package postgres is a store.Store on PostgreSQL through pgx/v5.
//
// It works on a *pgxpool.Pool the caller opened (Connect opens one from a
// DSN) and keeps its tables in a schema of their own, "alertanalytics" by
// default, so it can live in an application's database. Times are stored as
// bigint Unix milliseconds (UTC); every key and index leads with tenant_id,
// so the tables distribute by tenant_id on Citus without change.
//
// The schema is created by an explicit call to Migrate, never by New.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DefaultSchema is the schema the tables live in unless Config says otherwise.
const DefaultSchema = "alertanalytics"

// Config configures a Store. The zero value is ready to use.
type Config struct {
	// Schema is the PostgreSQL schema holding the tables: a lower-case
	// identifier of letters, digits and underscores, at most 63 bytes,
	// starting with a letter or underscore. Defaults to "alertanalytics".
	Schema string
	// LockTimeout bounds how long a write waits for a lock (the tenant's
	// lock while a deletion of the tenant runs, an alert another
	// interaction is moving, a day's rows a purge is folding) before it
	// gives up with an error wrapping store.ErrOverloaded, having written
	// nothing. Defaults to DefaultLockTimeout; negative waits without
	// bound.
	LockTimeout time.Duration
	// Citus makes Migrate distribute the tables on a Citus cluster after
	// applying the migrations, as Distribute does: every table by
	// tenant_id, colocated with alerts, including tables later migrations
	// add; and makes every write transaction pass its LockTimeout on to
	// the workers (citus.propagate_set_commands), where its lock waits
	// happen. Set it for a store on a Citus coordinator, with a pool from
	// PoolConfig or Connect (see PoolConfig: a worker's failed commit
	// then fails the write). Defaults to false (a single PostgreSQL
	// server).
	Citus bool
	// CitusShardCount is the number of shards a distribution gives alerts
	// (and so every table colocated with it). Defaults to 0: the
	// cluster's citus.shard_count (32 unless set).
	CitusShardCount int
}

// DefaultLockTimeout is Config.LockTimeout's default.
const DefaultLockTimeout = time.Second

// DefaultMaxConns is the pool size Connect gives a DSN that names none
// (pool_max_conns): enough for alertanalytics.Config's default admission
// at its peak, 4 writes and 8 dashboards each sending its four reads side
// by side (36 connections), where pgx's own default is the number of CPUs,
// at least 4. With the database across a network a call holds its
// connections longer, and a pool smaller than the peak makes calls queue
// for connections while they hold admission places. Plan the server's
// max_connections for it: replicas × 40.
const DefaultMaxConns = 40

// db is what the Store needs of a pool; *pgxpool.Pool has it, and so do the
// mocks of the failure-path tests.
type db interface {
	Acquire(ctx context.Context) (*pgxpool.Conn, error)
	Begin(ctx context.Context) (pgx.Tx, error)
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Store is a store.Store on a PostgreSQL pool. It is safe for concurrent use.
type Store struct {
	db     db
	schema string // validated, so safe to splice into SQL
	// settings are the SET LOCAL statements a write transaction begins
	// with (its lock timeout), none when waits are unbounded.
	settings []string
	// citus and shardCount are Config.Citus and Config.CitusShardCount.
	citus      bool
	shardCount int
	// dq are the digest statements in the schema, written once.
	dq sqlschema.DeliveryQueries
}

var _ store.Store = (*Store)(nil)

var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// New returns a Store over pool. It does not touch the database; call
// Migrate before first use.
func New(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	st, err := newStore(pool, cfg)
	if err == nil && pool == nil {
		err = errors.New("postgres: new: nil pool")
	}
	return st, err
}

func newStore(d db, cfg Config) (*Store, error) {
	if cfg.Schema == "" {
		cfg.Schema = DefaultSchema
	}
	if !schemaPattern.MatchString(cfg.Schema) {
		return nil, fmt.Errorf("postgres: new: schema %q is not a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 bytes)", cfg.Schema)
	}
	if cfg.CitusShardCount < 0 {
		return nil, fmt.Errorf("postgres: new: CitusShardCount %d is negative", cfg.CitusShardCount)
	}
	st := &Store{db: d, schema: cfg.Schema, citus: cfg.Citus, shardCount: cfg.CitusShardCount}
	st.dq = st.deliveryQueries()
	switch {
	case cfg.LockTimeout == 0:
		cfg.LockTimeout = DefaultLockTimeout
		fallthrough
	case cfg.LockTimeout > 0:
		if cfg.Citus {
			// Citus runs a statement's lock waits on the worker that holds
			// the shard, and passes a SET LOCAL on only when told to.
			st.settings = append(st.settings, "SET LOCAL citus.propagate_set_commands = 'local'")
		}
		st.settings = append(st.settings, fmt.Sprintf("SET LOCAL lock_timeout = %d", max(cfg.LockTimeout.Milliseconds(), 1)))
	}
	return st, nil
}

// Connect opens a pool from a DSN (a postgres:// URL or key=value string)
// with PoolConfig's settings, as ConnectConfig does. The caller closes the
// pool.
func Connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(dsn)
	if err != nil {
		return nil, err
	}
	return ConnectConfig(ctx, cfg)
}

// ConnectConfig opens a pool from cfg (PoolConfig's, with settings of the
// caller's own) and, before it returns, its cfg.MinConns connections, so
// the first calls of a server started under load find them open instead
// of each opening one (a TCP and authentication exchange, several round
// trips across a network). It fails when the server does not answer. The
// caller closes the pool.
func ConnectConfig(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := warm(ctx, pool, int(max(cfg.MinConns, 1))); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return pool, nil
}

// warm opens n connections of the pool side by side, each checked with a
// ping, and puts them back idle.
func warm(ctx context.Context, pool *pgxpool.Pool, n int) error {
	conns := make([]*pgxpool.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := pool.Acquire(ctx)
			if err == nil {
				conns[i] = c
				err = c.Ping(ctx)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, c := range conns {
		if c != nil {
			c.Release()
		}
	}
	return errors.Join(errs...)
}

// PoolConfig parses a DSN into the pool configuration Connect uses, for a
// caller that adds settings of its own (TLS, a dialer) before
// ConnectConfig. The pool has DefaultMaxConns connections unless the DSN
// sets pool_max_conns, keeps DefaultMinConns open unless it sets
// pool_min_conns, and pings a connection before handing it out only when
// it sat idle longer than IdlePing: pgx's default pings after one idle
// second, which across a network adds a round trip to nearly every call
// of a lightly loaded server. Its connections keep Citus's warning that a
// worker's commit failed, so that a write whose commit Citus could not
// complete fails instead of reporting success: on Citus, build the pool
// from PoolConfig (or Connect), keeping its OnNotice.
func PoolConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	if !strings.Contains(dsn, "pool_min_conns") {
		cfg.MinConns = min(DefaultMinConns, cfg.MaxConns)
	}
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool { return p.IdleDuration > IdlePing }
	cfg.ConnConfig.OnNotice = watchCommits(cfg.ConnConfig.OnNotice)
	return cfg, nil
}

// DefaultMinConns is how many connections a PoolConfig pool keeps open,
// and ConnectConfig opens before it returns: one per call the default
// admission runs at once (alertanalytics.DefaultMaxWrites +
// DefaultMaxReads).
const DefaultMinConns = 12

// IdlePing is how long a connection of a PoolConfig pool may sit idle
// before it is pinged on its way out of the pool. A connection that broke
// while idle for less fails the call that uses it, as any broken
// connection does, and the pool drops it.
const IdlePing = time.Minute

// Schema returns the schema the Store's tables live in.
func (s *Store) Schema() string { return s.schema }

// sql returns query with {schema} replaced by the Store's schema.
func (s *Store) sql(query string) string {
	return strings.ReplaceAll(query, "{schema}", `"`+s.schema+`"`)
}

// lockKey is the advisory-lock key of the schema's migrations, so stores
// on different schemas migrate independently.
func (s *Store) lockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("alertanalytics migrate " + s.schema))
	return int64(h.Sum64())
}

// Migrate creates the schema if needed and applies the embedded migrations
// the database has not seen, each in its own transaction together with its
// version row. Each transaction first takes a transaction-scoped advisory
// lock on the schema, so any number of processes may migrate at once: each
// version is applied exactly once. With Config.Citus it then distributes
// the tables (see Distribute).
func (s *Store) Migrate(ctx context.Context) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockKey()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.sql(`CREATE SCHEMA IF NOT EXISTS {schema};
			CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
				version    integer PRIMARY KEY,
				name       text    NOT NULL,
				applied_at bigint  NOT NULL)`))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	ms, err := sqlschema.LoadDir(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockKey()); err != nil {
				return err
			}
			var applied bool
			if err := tx.QueryRow(ctx, s.sql(`SELECT EXISTS (SELECT 1 FROM {schema}.schema_migrations WHERE version = $1)`), m.Version).Scan(&applied); err != nil {
				return err
			}
			if applied {
				return nil
			}
			if _, err := tx.Exec(ctx, s.sql(m.SQL)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, s.sql(`INSERT INTO {schema}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`),
				m.Version, m.Name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", m.Name, err)
		}
	}
	if s.citus {
		if err := s.distribute(ctx); err != nil {
			return fmt.Errorf("postgres: migrate: distribute: %w", err)
		}
	}
	return nil
}

// Migrations returns the schema's migrations rendered for schema (a
// lower-case identifier, "" for the default) as numbered, up-only SQL files
// (NNN_name.sql, applied in name order, each in a transaction of its own;
// the first creates the schema), for applying with a migration tool of your
// own (goose, atlas, golang-migrate) instead of Migrate. Use one way or the
// other on a schema, never both: Migrate keeps its versions in a
// schema_migrations table of its own.
func Migrations(schema string) (fs.FS, error) {
	st, err := newStore(nil, Config{Schema: schema})
	if err != nil {
		return nil, err
	}
	ms, err := sqlschema.LoadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return sqlschema.Render(ms, st.sql(`CREATE SCHEMA IF NOT EXISTS {schema};`), st.sql), nil
}

// inTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise (and when ctx is cancelled). Like a write, it fails when
// Citus warned that a worker's commit failed (see watchCommits).
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inTxWith(ctx, pgx.TxOptions{}, fn)
}

// inTxWith is inTx with options, such as a BeginQuery that also takes a
// lock in the round trip that begins the transaction.
func (s *Store) inTxWith(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	_ = txCommitWarning(tx) // a warning of an earlier transaction is not this one's
	if err := fn(tx); err != nil {
		// Roll back on a fresh context: the caller's may be the reason
		// fn failed.
		rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rbErr := tx.Rollback(rbCtx); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return txCommitWarning(tx)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}

func nullMS(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func nullKey(k string) *string {
	if k == "" {
		return nil
	}
	return &k
}
