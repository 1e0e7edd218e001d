package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// SQLite copies its write-ahead log back into the database file (a
// checkpoint) in the transaction whose commit takes the log past 1,000
// pages, on the single writer: every write queued behind that one waits
// for the copy and its fsync. Under a storm of small writes that is a
// checkpoint every few dozen milliseconds, a few milliseconds each, and
// the slowest writes of every tenant are the ones that land behind one.
const (
	// autoCheckpointPages is SQLite's default threshold, the writer's own
	// when RunCheckpoints is not running.
	autoCheckpointPages = 1000
	// backstopPages is the writer's threshold while RunCheckpoints runs:
	// reached only when its checkpoints fall behind, so the log stays
	// bounded (about 40 MiB of 4 KiB pages) whatever happens to them.
	backstopPages = 10000
	// checkpointCommits is how many write transactions RunCheckpoints
	// lets commit before a checkpoint; fewer are copied when the last
	// checkpoint is checkpointAge old. A checkpoint syncs the log and the
	// file, and one after every write of a quiet server would slow the
	// next (a quiet tenant's write p99 about 2 → 4.2 ms with checkpoints every
	// 10 ms whatever was written).
	checkpointCommits = 16
	checkpointAge     = time.Second
)

// RunCheckpoints takes the log's checkpoints off the writer: every
// interval in which 16 write transactions or more committed, or any did
// and the last checkpoint is a second old, it checkpoints on a read
// connection in SQLite's PASSIVE mode,
// which copies what the readers no longer need without waiting for them
// or for the writer, so writes go on while it copies. While it runs, the
// writer checkpoints by itself only past 10,000 pages of log, a backstop;
// when ctx ends it gives the writer its default threshold back and
// returns ctx's error. It returns early with an error for a Store without
// a separate writer and readers (OpenMemory, New), or a failed
// checkpoint. Run one per Store, in a goroutine of the host's, beside the
// server.
//
// A write committing while a checkpoint copies and syncs the file is
// slowed, more the more the checkpoint copies, so short intervals serve
// a busy server best: 10 ms is what the example server uses. Under a
// storm of 2,500 writes a second, the slowest percent of another
// tenant's writes waited for the writer 5 to 8.5 ms with checkpoints
// every 100 ms, 1.7 to 2.9 ms every 25 ms and 1.1 ms every 10 ms. A tick
// with too little written does nothing.
func (s *Store) RunCheckpoints(ctx context.Context, every time.Duration) (err error) {
	if s.reader == s.writer {
		return errors.New("sqlite: run checkpoints: the Store has one connection; open the file with Open")
	}
	if every <= 0 {
		return fmt.Errorf("sqlite: run checkpoints: every is %s; it must be positive", every)
	}
	if err := s.autoCheckpoint(ctx, backstopPages); err != nil {
		return err
	}
	defer func() {
		if restore := s.autoCheckpoint(context.WithoutCancel(ctx), autoCheckpointPages); restore != nil {
			err = errors.Join(err, restore)
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	done, last := s.commits.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		n := s.commits.Load()
		if n-done < checkpointCommits && (n == done || time.Since(last) < checkpointAge) {
			continue
		}
		if _, _, err := s.checkpoint(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		done, last = n, time.Now()
	}
}

// checkpoint runs one PASSIVE checkpoint on a read connection and returns
// the log's pages and how many of them are now in the database file.
func (s *Store) checkpoint(ctx context.Context) (logPages, copied int, err error) {
	var busy int
	err = s.reader.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	return logPages, copied, nil
}

// autoCheckpoint sets the writer's threshold, in its turn.
func (s *Store) autoCheckpoint(ctx context.Context, pages int) error {
	if err := s.turn.take(ctx, uuid.Nil); err != nil {
		return err
	}
	defer s.turn.give()
	var got int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint = `+strconv.Itoa(pages)).Scan(&got); err != nil {
		return fmt.Errorf("sqlite: run checkpoints: %w", err)
	}
	return nil
}
