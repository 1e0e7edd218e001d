package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startShortTimeouts serves on loopback with timeouts short enough to test.
func startShortTimeouts(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	o := options{addr: "127.0.0.1:0", sqlitePath: filepath.Join(t.TempDir(), "h.db"), token: "t", user: [16]byte{1},
		timeouts: [4]time.Duration{300 * time.Millisecond, 600 * time.Millisecond, time.Second, 500 * time.Millisecond}}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, o, stdout, io.Discard) }()
	t.Cleanup(func() { cancel(); <-done })
	var addr string
	require.Eventually(t, func() bool {
		for _, line := range strings.Split(stdout.String(), "\n") {
			if a, ok := strings.CutPrefix(line, "listening on http://"); ok {
				addr = a
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	return addr
}

// cutWithin sends parts one at a time, a pause apart, and requires the
// server to close the connection within limit of the first byte.
func cutWithin(t *testing.T, addr string, parts []string, pause, limit time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	began := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		r := bufio.NewReader(conn)
		for {
			if _, err := r.ReadByte(); err != nil {
				return
			}
		}
	}()
	for _, p := range parts {
		if _, err := conn.Write([]byte(p)); err != nil {
			break
		}
		select {
		case <-closed:
		case <-time.After(pause):
			continue
		}
		break
	}
	select {
	case <-closed:
		require.Less(t, time.Since(began), limit, "cut, but late")
	case <-time.After(limit):
		t.Fatalf("the connection was held for %s", limit)
	}
}

func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	addr := startShortTimeouts(t)
	bytewise := func(s string) []string { return strings.Split(s, "") }
	// Headers a byte at a time: cut by the header timeout.
	cutWithin(t, addr, bytewise("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "+strings.Repeat("a", 200)), 50*time.Millisecond, 3*time.Second)
	// Headers at once, then an authenticated body a byte at a time: cut by
	// the read timeout.
	head := fmt.Sprintf("POST /api/v1/tenants/%s/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 1000\r\n\r\n",
		"b4ce7e11-0000-4000-8000-00000000da7a")
	cutWithin(t, addr, append([]string{head}, bytewise(strings.Repeat("x", 500))...), 50*time.Millisecond, 3*time.Second)
	// An idle keep-alive connection after one answer: cut by the idle timeout.
	cutWithin(t, addr, []string{"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"}, 5*time.Second, 3*time.Second)
}
