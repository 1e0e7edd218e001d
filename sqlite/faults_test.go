package sqlite

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/storetest"
)

// TestFaults runs the fault suite on a database file whose driver fails
// the k-th statement: database/sql sees the failure exactly as it would see
// a full disk or an I/O error.
func TestFaults(t *testing.T) {
	t.Parallel()
	storetest.RunFaults(t, func(t *testing.T) (store.Store, func(int)) {
		f := &faults{}
		st, err := open(filepath.Join(t.TempDir(), "faults.db"), func(d driver.Driver) driver.Driver { return faultyDriver{d, f} })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st, f.failAt
	})
}

// faults counts the statements sent and fails the armed one and every
// later one.
type faults struct{ armed, sent atomic.Int64 }

func (f *faults) failAt(k int) { f.sent.Store(0); f.armed.Store(int64(k)) }

func (f *faults) fault() bool {
	n := f.sent.Add(1)
	armed := f.armed.Load()
	return armed > 0 && n >= armed
}

type faultyDriver struct {
	driver.Driver
	f *faults
}

func (d faultyDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultyConn{c, d.f}, nil
}

// faultyConn forwards to the SQLite connection, failing statements, the
// start of transactions and commits when armed.
type faultyConn struct {
	driver.Conn
	f *faults
}

func (c *faultyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.f.fault() {
		return nil, storetest.ErrInjected
	}
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return faultyTx{tx, c.f}, nil
}

func (c *faultyConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &faultyStmt{st, c.f}, nil
}

func (c *faultyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.f.fault() {
		return nil, storetest.ErrInjected
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *faultyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.f.fault() {
		return nil, storetest.ErrInjected
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

type faultyTx struct {
	driver.Tx
	f *faults
}

func (t faultyTx) Commit() error {
	if t.f.fault() {
		_ = t.Tx.Rollback()
		return storetest.ErrInjected
	}
	return t.Tx.Commit()
}

type faultyStmt struct {
	driver.Stmt
	f *faults
}

func (s *faultyStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.f.fault() {
		return nil, storetest.ErrInjected
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *faultyStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if s.f.fault() {
		return nil, storetest.ErrInjected
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
