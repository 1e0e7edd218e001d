package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// TestFaults runs the fault suite on a real server: the store's pool is
// wrapped so that the k-th statement of its transactions fails.
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

// kill terminates the backend of tx from another connection and waits up
// to five seconds for it to go.
func (f *faultyDB) kill(ctx context.Context, tx pgx.Tx) error {
	var done bool
	err := f.db.QueryRow(ctx, "SELECT pg_terminate_backend($1::int, 5000::bigint)", tx.Conn().PgConn().PID()).Scan(&done)
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

// killFirst reports whether the statement is to be sent on a killed
// connection (terminate mode, the armed statement), and kills it; and
// whether it fails outright with ErrInjected.
func (t *faultyTx) killFirst(ctx context.Context) (killed bool, err error) {
	fails, first := t.f.fault()
	if !fails {
		return false, nil
	}
	if !t.f.terminate || !first {
		return false, storetest.ErrInjected
	}
	if err := t.f.kill(ctx, t.Tx); err != nil {
		return false, fmt.Errorf("kill backend: %w", err)
	}
	return true, nil
}

func (f *faultyDB) Begin(ctx context.Context) (pgx.Tx, error) {
	return f.BeginTx(ctx, pgx.TxOptions{})
}

func (f *faultyDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	if fails, _ := f.fault(); fails {
		return nil, storetest.ErrInjected
	}
	tx, err := f.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &faultyTx{Tx: tx, f: f}, nil
}

type faultyTx struct {
	pgx.Tx
	f *faultyDB
}

func (t *faultyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if killed, err := t.killFirst(ctx); err != nil {
		return pgconn.CommandTag{}, err
	} else if killed {
		tag, err := t.Tx.Exec(ctx, sql, args...)
		return tag, injected(err)
	}
	return t.Tx.Exec(ctx, sql, args...)
}

func (t *faultyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if killed, err := t.killFirst(ctx); err != nil {
		return nil, err
	} else if killed {
		rows, err := t.Tx.Query(ctx, sql, args...)
		if err == nil {
			// The error arrives with the first read.
			rows.Close()
			err = rows.Err()
		}
		return nil, injected(err)
	}
	return t.Tx.Query(ctx, sql, args...)
}

func (t *faultyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if killed, err := t.killFirst(ctx); err != nil {
		return errRow{err}
	} else if killed {
		var v any
		return errRow{injected(t.Tx.QueryRow(ctx, sql, args...).Scan(&v))}
	}
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t *faultyTx) Commit(ctx context.Context) error {
	if killed, err := t.killFirst(ctx); err != nil {
		_ = t.Tx.Rollback(ctx)
		return err
	} else if killed {
		return injected(t.Tx.Commit(ctx))
	}
	return t.Tx.Commit(ctx)
}

// SendBatch fails the whole batch when any statement of it is the armed
// one: the batch runs inside the transaction, which the failure aborts.
func (t *faultyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	var err error
	for range b.Len() {
		if killed, ferr := t.killFirst(ctx); ferr != nil && err == nil {
			err = ferr
		} else if killed {
			br := t.Tx.SendBatch(ctx, b)
			err = injected(br.Close())
			return errBatch{err: err}
		}
	}
	if err != nil {
		return errBatch{err: err}
	}
	return t.Tx.SendBatch(ctx, b)
}
