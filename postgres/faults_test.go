package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// TestFaults runs the fault suite on a real server: the connections of
// the store's write transactions are wrapped so that the k-th statement
// fails.
func TestFaults(t *testing.T) {
	t.Parallel()
	runFaults(t, false)
}

// TestConnectionKilledMidTransaction runs the fault suite with real
// connection loss: at the armed statement the transaction's backend is
// terminated from another connection (pg_terminate_backend, waiting until
// it is gone) and the statement is sent to the dead connection; the server
// rolls the transaction back, and the data must equal the state before.
func TestConnectionKilledMidTransaction(t *testing.T) {
	t.Parallel()
	runFaults(t, true)
}

// runFaults runs storetest.RunFaults over a faultyDB on a fresh schema.
func runFaults(t *testing.T, terminate bool) {
	storetest.RunFaults(t, func(t *testing.T) (store.Store, func(int)) {
		pool := pgtest.Pool(t)
		f := &faultyDB{db: pool, terminate: terminate}
		st, err := newStore(f, Config{Schema: pgtest.Schema(t, pool), Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st, f.failAt
	})
}

// faultyDB counts the statements sent inside transactions and fails the
// armed one and every later one. With terminate set, the armed statement
// of a transaction is sent after its connection has been killed, and
// fails as the driver reports it (wrapped in ErrInjected for the suite).
type faultyDB struct {
	db
	terminate   bool
	armed, sent atomic.Int64
}

func (f *faultyDB) failAt(k int) { f.sent.Store(0); f.armed.Store(int64(k)) }

// fault reports whether the next statement fails, and whether it is the
// armed one itself.
func (f *faultyDB) fault() (fails, first bool) {
	n := f.sent.Add(1)
	armed := f.armed.Load()
	return armed > 0 && n >= armed, armed > 0 && n == armed
}

// kill terminates the backend pid from another connection and waits up
// to five seconds for it to go.
func (f *faultyDB) kill(ctx context.Context, pid uint32) error {
	var done bool
	err := f.db.QueryRow(ctx, "SELECT pg_terminate_backend($1::int, 5000::bigint)", pid).Scan(&done)
	if err == nil && !done {
		err = errors.New("backend still alive")
	}
	return err
}

// injected wraps err, the driver's answer on a killed connection, so the
// suite recognises it; a statement that somehow succeeded is an error too.
func injected(err error) error {
	if err == nil {
		return fmt.Errorf("%w: statement succeeded on a terminated connection", storetest.ErrInjected)
	}
	return fmt.Errorf("%w: %w", storetest.ErrInjected, err)
}

// killFirst reports whether the request is to be sent on a killed
// connection (terminate mode, the armed statement), and kills it; and
// whether it fails outright with ErrInjected.
func (c *faultyConn) killFirst(ctx context.Context) (killed bool, err error) {
	fails, first := c.f.fault()
	if !fails {
		return false, nil
	}
	if !c.f.terminate || !first {
		return false, storetest.ErrInjected
	}
	if err := c.f.kill(ctx, c.Conn().PgConn().PID()); err != nil {
		return false, fmt.Errorf("kill backend: %w", err)
	}
	return true, nil
}

// acquireTx hands the store's write transactions a connection whose
// statements fail when armed.
func (f *faultyDB) acquireTx(ctx context.Context) (txConn, error) {
	c, err := f.db.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &faultyConn{pc: c, f: f}, nil
}

type faultyConn struct {
	pc *pgxpool.Conn
	f  *faultyDB
}

func (c *faultyConn) Conn() *pgx.Conn { return c.pc.Conn() }
func (c *faultyConn) Release()        { c.pc.Release() }

// Exec is how a write rolls back once it failed: never armed.
func (c *faultyConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return c.pc.Exec(ctx, sql, args...)
}

// SendBatch counts every statement of the batch and fails the whole batch
// when any of them is the armed one: the batch runs inside the
// transaction, which the failure aborts.
func (c *faultyConn) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	var err error
	for range b.Len() {
		if killed, ferr := c.killFirst(ctx); ferr != nil && err == nil {
			err = ferr
		} else if killed {
			br := c.pc.SendBatch(ctx, b)
			err = injected(br.Close())
			return errBatch{err: err}
		}
	}
	if err != nil {
		return errBatch{err: err}
	}
	return c.pc.SendBatch(ctx, b)
}
