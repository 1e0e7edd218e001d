// Package pgtest gives tests a PostgreSQL store of their own.
//
// The server comes from ALERTANALYTICS_TEST_POSTGRES_URL. Without it the
// tests skip with a one-line reason, except when CI is set: then a missing
// or unreachable database fails the run, so CI never passes by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alertanalytics/alertanalytics/internal/netdelay"
)

// EnvURL names the environment variable holding the test database URL.
const EnvURL = "ALERTANALYTICS_TEST_POSTGRES_URL"

// EnvCitus names the environment variable that, set to 1 beside EnvURL
// (a Citus coordinator's URL), makes the tests distribute every fresh
// schema they migrate.
const EnvCitus = "ALERTANALYTICS_TEST_CITUS"

// CitusShards is the shard count a test schema is distributed with: few,
// so a suite that makes a schema per test stays quick on a cluster.
const CitusShards = 4

// Citus reports whether the tests run on a Citus cluster and distribute
// their schemas.
func Citus() bool { return os.Getenv(EnvCitus) == "1" }

// URL returns the test database's URL. Without one the test is skipped,
// or fails when CI is set.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set and CI is: the PostgreSQL suite must run in CI", EnvURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to run them", EnvURL)
	}
	return url
}

// Pool opens a pool on the test database, closed when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err == nil {
		if err = pool.Ping(ctx); err != nil {
			pool.Close()
		}
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", EnvURL, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Schema returns a fresh schema name, dropped with everything in it when
// the test ends.
func Schema(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		// Three tries: on Citus, a drop right after a fault test restarted
		// a worker can wait on what the crash left in doubt there, which
		// the coordinator resolves with recover_prepared_transactions.
		var err error
		for try := range 3 {
			if try > 0 && Citus() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				_, _ = pool.Exec(ctx, `SELECT recover_prepared_transactions()`)
				cancel()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			_, err = pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
			cancel()
			if err == nil {
				return
			}
			t.Logf("drop schema %s, try %d: %v", schema, try+1, err)
		}
		t.Errorf("drop schema %s: %v", schema, err)
	})
	return schema
}

// CountedPool opens a pool on the test database whose connections count
// their round trips (and add c.RTT to each) in c, closed when the test
// ends. Its connections are opened before it returns, so a test counts
// the calls it makes and not the connecting.
func CountedPool(t testing.TB, c *netdelay.Counter, conns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DialFunc = c.DialFunc()
	cfg.MaxConns, cfg.MinConns = conns, conns
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", EnvURL, err)
	}
	t.Cleanup(pool.Close)
	return pool
}
