package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Citus commits a transaction that wrote through one worker in one phase,
// and when that worker's COMMIT fails (it stopped, the network broke) it
// only warns, "failed to commit transaction on host:port", and the
// client's COMMIT succeeds: whether the worker committed is unknown, and a
// write reported stored may be missing. A connection opened from a
// PoolConfig keeps that warning (see watchCommits) and the write that
// sent COMMIT fails with it instead of succeeding.

// commitWarningKey is where a connection keeps Citus's warning, in its
// pgconn.PgConn.CustomData.
const commitWarningKey = "alertanalytics/postgres: commit warning"

// watchCommits returns the notice handler of a PoolConfig connection: it
// keeps Citus's warning that a worker's commit failed on the connection,
// and hands every notice on to next, when there is one.
func watchCommits(next pgconn.NoticeHandler) pgconn.NoticeHandler {
	return func(c *pgconn.PgConn, n *pgconn.Notice) {
		if n.SeverityUnlocalized == "WARNING" && strings.HasPrefix(n.Message, "failed to commit transaction on ") {
			c.CustomData()[commitWarningKey] = n.Message
		}
		if next != nil {
			next(c, n)
		}
	}
}

// takeCommitWarning returns the warning a connection kept since it was
// last asked, as an error, and forgets it; nil when there is none.
func takeCommitWarning(c *pgconn.PgConn) error {
	data := c.CustomData()
	msg, ok := data[commitWarningKey].(string)
	if !ok {
		return nil
	}
	delete(data, commitWarningKey)
	return errors.New(msg + " (Citus): the write may or may not be stored there; a retry of an idempotent write is safe")
}

// txCommitWarning is takeCommitWarning for the connection of tx; nil for a
// transaction without one (a mock's).
func txCommitWarning(tx pgx.Tx) error {
	c := tx.Conn()
	if c == nil {
		return nil
	}
	return takeCommitWarning(c.PgConn())
}
