// Package sqlite is a store.Store on SQLite through modernc.org/sqlite, a
// pure-Go driver: no cgo, nothing to install.
//
// A file database runs in WAL mode with a busy timeout and one writer
// connection, so concurrent callers in a process queue for writes, in the
// order they came but tenants taking turns, instead of failing with
// "database is locked", while reads
// run in parallel on a pool of their own. A busy server also runs
// RunCheckpoints beside it, so that copying the log back into the file does
// not hold up the writer. Tables carry the prefix alertanalytics_ so they can share a file
// with an application's own tables. Times are stored as integer Unix
// milliseconds (UTC) and ids as 16-byte blobs.
//
// The schema is created by an explicit call to Migrate, never by Open.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	msqlite "modernc.org/sqlite" // also registers the "sqlite" database/sql driver

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store on a SQLite database. It is safe for concurrent use.
type Store struct {
	writer *sql.DB    // exactly one connection: the single writer
	reader *sql.DB    // read-only queries; the writer itself for in-memory databases
	turn   writerTurn // hands the writer to one write transaction at a time, fairly between tenants
	// commits counts the write transactions committed, for RunCheckpoints.
	commits atomic.Int64

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // the write statements, prepared once (see prepareWrites)

	// dq are the digest statements, written once.
	dq sqlschema.DeliveryQueries
}

var _ store.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process before giving up.
const busyTimeout = 10 * time.Second

// Option tunes Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	readers     int
	cacheKiB    int
}

// WithBusyTimeout sets how long a connection waits for a lock another
// process holds before giving up. Defaults to 10 seconds.
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithReaders sets how many read connections the Store keeps. Defaults to
// GOMAXPROCS, at least 4.
func WithReaders(n int) Option { return func(o *options) { o.readers = n } }

// WithCacheSize sets each connection's page cache in KiB. Defaults to
// 32 MiB.
func WithCacheSize(kib int) Option { return func(o *options) { o.cacheKiB = kib } }

// Open opens (creating if needed) the SQLite database file at path, in WAL
// mode with one writer connection and a pool of readers. Call Migrate
// before first use and Close when done.
func Open(path string, opts ...Option) (*Store, error) { return open(path, nil, opts...) }

// open opens the database at path; wrap, when not nil, wraps the driver of
// every connection (the failure-path tests inject faults through it).
func open(path string, wrap func(driver.Driver) driver.Driver, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	o := options{busyTimeout: busyTimeout, readers: max(4, runtime.GOMAXPROCS(0)), cacheKiB: 32 << 10}
	for _, opt := range opts {
		opt(&o)
	}
	if o.busyTimeout <= 0 || o.readers < 1 || o.cacheKiB < 1 {
		return nil, errors.New("sqlite: open: the busy timeout, readers and cache size must be positive")
	}
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(o.busyTimeout/time.Millisecond))+")")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(o.cacheKiB)+")")
		if extra != "" {
			q.Add("_txlock", extra)
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	sqlOpen := func(dsn string) (*sql.DB, error) {
		db, err := sql.Open("sqlite", dsn)
		if err != nil || wrap == nil {
			return db, err
		}
		d := db.Driver()
		db.Close()
		return sql.OpenDB(dsnConnector{dsn: dsn, driver: wrap(d)}), nil
	}
	writer, err := sqlOpen(dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// WAL mode is persistent and must be set by one connection before the
	// readers open, or two connections may race to switch the journal mode.
	if err := writer.PingContext(context.Background()); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	reader, err := sqlOpen(dsn(""))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	reader.SetMaxOpenConns(o.readers)
	reader.SetMaxIdleConns(o.readers)
	return &Store{writer: writer, reader: reader, dq: deliveryQueries()}, nil
}

// New returns a Store over a database the application already opened with
// the modernc.org/sqlite driver, after checking the settings the Store
// relies on: the driver, WAL journal mode (or an in-memory database), a
// busy timeout, and one connection at most (SetMaxOpenConns(1): the single
// writer that keeps "database is locked" away). Reads and writes share
// that connection. Closing the Store closes db; close one of them, not
// both.
func New(db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlite: new: nil *sql.DB")
	}
	if _, ok := db.Driver().(*msqlite.Driver); !ok {
		return nil, fmt.Errorf("sqlite: new: the database uses driver %T, not modernc.org/sqlite", db.Driver())
	}
	if n := db.Stats().MaxOpenConnections; n != 1 {
		return nil, fmt.Errorf("sqlite: new: the database allows %d open connections; call SetMaxOpenConns(1): one writer", n)
	}
	ctx := context.Background()
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: new: %w", err)
	}
	if mode != "wal" && mode != "memory" {
		return nil, fmt.Errorf("sqlite: new: journal_mode is %s; open with _pragma=journal_mode(WAL)", mode)
	}
	var timeout int
	if err := db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		return nil, fmt.Errorf("sqlite: new: %w", err)
	}
	if timeout <= 0 && mode != "memory" {
		return nil, errors.New("sqlite: new: busy_timeout is 0; open with _pragma=busy_timeout(10000)")
	}
	return &Store{writer: db, reader: db, dq: deliveryQueries()}, nil
}

// dsnConnector opens connections of a driver to one DSN.
type dsnConnector struct {
	dsn    string
	driver driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.driver }

// OpenMemory opens a private in-memory database, for application tests: it
// lives as long as the Store and is shared by nothing else. Reads and writes
// go through one connection. Call Migrate before first use.
func OpenMemory() (*Store, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open memory: %w", err)
	}
	// One connection forever: a second one would see a different, empty
	// database, and closing the only one would drop the data.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return &Store{writer: db, reader: db, dq: deliveryQueries()}, nil
}

// Ping checks that the database answers a query, for health checks.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// Migrate applies the embedded migrations that the database has not seen
// yet, each in its own transaction together with its version row. Running it
// again, or from several processes at once, is safe: each version is applied
// exactly once. Use either Migrate or Migrations in your own tool, never
// both on one database: Migrate keeps its versions in a table of its own.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS alertanalytics_schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	ms, err := sqlschema.LoadDir(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, m := range ms {
		if err := s.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("sqlite: migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// Migrations returns the schema as numbered, up-only SQL files
// (NNN_name.sql, applied in name order, each in a transaction of its own),
// for applying with a migration tool of your own (goose, atlas,
// golang-migrate) instead of Migrate. Tables carry the alertanalytics_
// prefix.
func Migrations() (fs.FS, error) {
	ms, err := sqlschema.LoadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return sqlschema.Render(ms, "", func(s string) string { return s }), nil
}

func (s *Store) applyMigration(ctx context.Context, m sqlschema.Migration) error {
	return s.inTx(ctx, uuid.Nil, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alertanalytics_schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alertanalytics_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMilli())
		return err
	})
}

// inTx runs fn in a write transaction on the single writer connection,
// in its turn as a write of tenant (uuid.Nil for none), committing when
// fn returns nil and rolling back otherwise.
func (s *Store) inTx(ctx context.Context, tenant uuid.UUID, fn func(*sql.Tx) error) error {
	if err := s.turn.take(ctx, tenant); err != nil {
		return err
	}
	defer s.turn.give()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.commits.Add(1)
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
