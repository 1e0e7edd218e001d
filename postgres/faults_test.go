package postgres

import (
	"context"
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
	storetest.RunFaults(t, func(t *testing.T) (store.Store, func(int)) {
		pool := pgtest.Pool(t)
		f := &faultyDB{db: pool}
		st, err := newStore(f, Config{Schema: pgtest.Schema(t, pool)})
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
// armed one and every later one.
type faultyDB struct {
	db
	armed, sent atomic.Int64
}

func (f *faultyDB) failAt(k int) { f.sent.Store(0); f.armed.Store(int64(k)) }

// fault reports whether the next statement fails.
func (f *faultyDB) fault() bool {
	n := f.sent.Add(1)
	armed := f.armed.Load()
	return armed > 0 && n >= armed
}

func (f *faultyDB) Begin(ctx context.Context) (pgx.Tx, error) {
	return f.BeginTx(ctx, pgx.TxOptions{})
}

func (f *faultyDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	if f.fault() {
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
	if t.f.fault() {
		return pgconn.CommandTag{}, storetest.ErrInjected
	}
	return t.Tx.Exec(ctx, sql, args...)
}

func (t *faultyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.f.fault() {
		return nil, storetest.ErrInjected
	}
	return t.Tx.Query(ctx, sql, args...)
}

func (t *faultyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.f.fault() {
		return errRow{}
	}
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t *faultyTx) Commit(ctx context.Context) error {
	if t.f.fault() {
		_ = t.Tx.Rollback(ctx)
		return storetest.ErrInjected
	}
	return t.Tx.Commit(ctx)
}

// SendBatch fails the whole batch when any statement of it is the armed
// one: the batch runs inside the transaction, which the failure aborts.
func (t *faultyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	failed := false
	for range b.Len() {
		failed = t.f.fault() || failed
	}
	if failed {
		return errBatch{}
	}
	return t.Tx.SendBatch(ctx, b)
}

type errBatch struct{}

func (errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, storetest.ErrInjected }
func (errBatch) Query() (pgx.Rows, error)         { return nil, storetest.ErrInjected }
func (errBatch) QueryRow() pgx.Row                { return errRow{} }
func (errBatch) Close() error                     { return storetest.ErrInjected }

type errRow struct{}

func (errRow) Scan(...any) error { return storetest.ErrInjected }
