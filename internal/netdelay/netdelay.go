// Package netdelay puts a network between a program and its database on
// one machine: a net.Conn wrapper that holds back what the peer answers by
// a round-trip time, and counts round trips.
//
// A round trip is a read that follows a write: the client sent something
// and now waits for the answer. Statements queued and flushed together
// (a pgx batch, a pipeline) cost one; a statement per round trip costs one
// each. Bytes that stream in without a write between them (the rows of one
// large query) cost none beyond the first, as on a real network where the
// transfer, not the distance, bounds them.
//
// The delay model is a link of RTT/2 each way on top of loopback: the
// first bytes of an answer become readable RTT after they arrived here,
// as the request would have reached the server RTT/2 later and the
// answer come back RTT/2 after it was sent. Everything is per Counter, so
// the conns of one pool add up in one place.
package netdelay

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// Counter counts the round trips of every conn dialled through it and
// holds the delay they add. Its zero value counts without delaying.
type Counter struct {
	// RTT is the round-trip time added to every round trip; zero adds
	// none (counting only).
	RTT   time.Duration
	trips atomic.Int64
}

// Trips returns the round trips counted so far; a nil Counter counts none.
func (c *Counter) Trips() int64 {
	if c == nil {
		return 0
	}
	return c.trips.Load()
}

// DialFunc returns a dial function of the shape pgconn.Config.DialFunc
// takes, dialling with a net.Dialer and wrapping each conn.
func (c *Counter) DialFunc() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{KeepAlive: 5 * time.Minute}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if c.RTT > 0 {
			// The handshake of a real link costs a round trip too.
			time.Sleep(c.RTT)
		}
		return c.Wrap(conn), nil
	}
}

// Wrap returns conn with its round trips counted, and delayed by RTT.
func (c *Counter) Wrap(conn net.Conn) net.Conn { return &Conn{Conn: conn, c: c} }

// Conn is a net.Conn whose round trips a Counter counts and delays. Like
// a net.Conn used by one database connection, it expects one reader and
// one writer that never run at once.
type Conn struct {
	net.Conn
	c *Counter
	// sent says a write went out since the last read.
	sent atomic.Bool
}

// Write sends b, noting that a round trip has begun.
func (w *Conn) Write(b []byte) (int, error) {
	w.sent.Store(true)
	return w.Conn.Write(b)
}

// Read reads the answer; the first read after a write counts a round trip
// and returns RTT after its bytes arrived.
func (w *Conn) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if w.sent.Swap(false) {
		w.c.trips.Add(1)
		if w.c.RTT > 0 {
			time.Sleep(w.c.RTT)
		}
	}
	return n, err
}
