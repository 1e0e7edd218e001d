package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// writerThreshold reads the writer's wal_autocheckpoint, in its turn.
func writerThreshold(t *testing.T, s *Store) int {
	t.Helper()
	require.NoError(t, s.turn.take(context.Background(), uuid.Nil))
	defer s.turn.give()
	var pages int
	require.NoError(t, s.writer.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&pages))
	return pages
}

// checkpointed opens a migrated file Store with a table scratch (v BLOB),
// all of it checkpointed into the file, and returns it and the file's path.
func checkpointed(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cp.db")
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx))
	require.NoError(t, s.inTx(ctx, uuid.Nil, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE scratch (v BLOB)`)
		return err
	}))
	_, _, err = s.checkpoint(ctx)
	require.NoError(t, err)
	return s, path
}

// TestRunCheckpoints: while it runs, the writer checkpoints only past the
// backstop and the log written meanwhile reaches the database file
// through RunCheckpoints; when its context ends it returns
// that context's error and the writer has SQLite's default again.
func TestRunCheckpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := checkpointed(t)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	before := fi.Size()
	require.Equal(t, autoCheckpointPages, writerThreshold(t, s))

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.RunCheckpoints(runCtx, 5*time.Millisecond) }()
	require.Eventually(t, func() bool { return writerThreshold(t, s) == backstopPages }, 5*time.Second, time.Millisecond)

	// Enough writes for a log of some pages, then wait for a checkpoint
	// to have copied all of them.
	for range 50 {
		require.NoError(t, s.inTx(ctx, uuid.Nil, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO scratch (v) VALUES (randomblob(2000))`)
			return err
		}))
	}
	// The rows reach the database file only through a checkpoint, and
	// the writer makes none below 10,000 pages: the file grows by them
	// only if RunCheckpoints copies them.
	require.Eventually(t, func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() >= before+50*2000
	}, 5*time.Second, 5*time.Millisecond)

	stop()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("RunCheckpoints did not return when its context ended")
	}
	require.Equal(t, autoCheckpointPages, writerThreshold(t, s), "the writer has its default back")
}

// TestRunCheckpointsWaitsForWrites: a write or a few are not copied at
// the next tick, which would sync the log and the file after every write
// of a quiet server, but once checkpointCommits have committed, or the
// last checkpoint is checkpointAge old.
func TestRunCheckpointsWaitsForWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := checkpointed(t)
	size := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Size()
	}
	before := size()
	insert := func() {
		require.NoError(t, s.inTx(ctx, uuid.Nil, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO scratch (v) VALUES (randomblob(20000))`)
			return err
		}))
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.RunCheckpoints(runCtx, time.Millisecond) }()
	t.Cleanup(func() { stop(); <-done })
	require.Eventually(t, func() bool { return writerThreshold(t, s) == backstopPages }, 5*time.Second, time.Millisecond)

	start := time.Now()
	insert()
	time.Sleep(100 * time.Millisecond) // a hundred ticks
	require.Equal(t, before, size(), "one write is not copied at the next tick")
	require.Eventually(t, func() bool { return size() > before }, 5*time.Second, 5*time.Millisecond)
	require.GreaterOrEqual(t, time.Since(start), checkpointAge, "copied once the last checkpoint was a second old")

	before = size()
	for range checkpointCommits {
		insert()
	}
	require.Eventually(t, func() bool { return size() >= before+int64(checkpointCommits-1)*20000 }, checkpointAge/2, time.Millisecond,
		"copied at the next tick once %d writes committed", checkpointCommits)
}

// TestRunCheckpointsRefuses: a Store on one connection has no reader to
// checkpoint on, and the interval must be positive; both return at once.
func TestRunCheckpointsRefuses(t *testing.T) {
	t.Parallel()
	mem, err := OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { mem.Close() })
	err = mem.RunCheckpoints(context.Background(), time.Second)
	require.ErrorContains(t, err, "one connection")

	s, err := Open(filepath.Join(t.TempDir(), "cp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	err = s.RunCheckpoints(context.Background(), 0)
	require.ErrorContains(t, err, "every is 0s")
	require.False(t, errors.Is(err, context.Canceled))
	require.Equal(t, autoCheckpointPages, writerThreshold(t, s))
}
