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
// The delay model is a link of RTT/2 each way: an answer is not readable
// before RTT after the first write it answers. Everything is per Counter,
// so the conns of one pool add up in one place.
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

// Trips returns the round trips counted so far.
func (c *Counter) Trips() int64 { return c.trips.Load() }

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
	// sent is when the first write since the last read went out; zero
	// when the last operation was a read.
	sent atomic.Int64
}

// Write sends b, noting when the first write of a round trip went out.
func (w *Conn) Write(b []byte) (int, error) {
	w.sent.CompareAndSwap(0, time.Now().UnixNano())
	return w.Conn.Write(b)
}

// Read reads the answer; the first read after a write counts a round trip
// and returns no sooner than RTT after that write.
func (w *Conn) Read(b []byte) (int, error) {
	sent := w.sent.Swap(0)
	if sent != 0 {
		w.c.trips.Add(1)
		if w.c.RTT > 0 {
			if wait := time.Until(time.Unix(0, sent).Add(w.c.RTT)); wait > 0 {
				time.Sleep(wait)
			}
		}
	}
	return w.Conn.Read(b)
}
