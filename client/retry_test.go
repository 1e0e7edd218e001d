package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/client"
)

var tenant = uuid.MustParse("0000000b-0000-4000-8000-000000000001")

// stub answers each request with the next of its answers (the last one
// again once they run out) and counts the requests.
type stub struct {
	answers []func(w http.ResponseWriter, r *http.Request)
	calls   atomic.Int32
	bodies  chan string
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1)) - 1
	body, _ := io.ReadAll(r.Body)
	if s.bodies != nil {
		s.bodies <- r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Authorization") + " " + string(body)
	}
	s.answers[min(n, len(s.answers)-1)](w, r)
}

func problem(status int, retryAfter, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func ok(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func newClient(t *testing.T, h http.Handler, cfg client.Config) *client.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.HTTPClient = srv.Client()
	c, err := client.New(srv.URL+"/alerts-svc/", cfg)
	require.NoError(t, err)
	return c
}

const trendsBody = `[{"date":"2026-11-02","count":2,"critical":1,"important":0,"standard":1,"info":0}]`

func TestErrorsAreTheServiceErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status int
		body   string
		want   error
		field  string
	}{
		{422, `{"status":422,"detail":"days must be a whole number between 1 and 90","errors":[{"field":"days","detail":"must be a whole number between 1 and 90"}],"request_id":"r1"}`,
			alertanalytics.ErrInvalidArgument, "days"},
		{404, `{"status":404,"detail":"alert not found","request_id":"r2"}`, alertanalytics.ErrNotFound, ""},
		{503, `{"status":503,"detail":"busy","request_id":"r3"}`, alertanalytics.ErrOverloaded, ""},
		{401, `{"status":401,"detail":"missing credentials","request_id":"r4"}`, client.ErrUnauthenticated, ""},
		{403, `{"status":403,"detail":"the caller may not act on this tenant","request_id":"r5"}`, client.ErrForbidden, ""},
		{413, `{"status":413,"detail":"too many items","request_id":"r6"}`, alertanalytics.ErrInvalidArgument, ""},
	} {
		s := &stub{answers: []func(http.ResponseWriter, *http.Request){problem(c.status, "0", c.body)}}
		cl := newClient(t, s, client.Config{Token: "t", MaxRetries: -1})
		_, err := cl.Trends(context.Background(), tenant, alertanalytics.Window{Days: 200})
		require.ErrorIs(t, err, c.want, "%d", c.status)
		var apiErr *client.Error
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, c.status, apiErr.StatusCode)
		require.NotEmpty(t, apiErr.RequestID)
		require.NotEmpty(t, apiErr.Detail)
		var fe *alertanalytics.FieldError
		if c.field != "" {
			require.ErrorAs(t, err, &fe)
			require.Equal(t, c.field, fe.Field)
			require.Equal(t, "must be a whole number between 1 and 90", fe.Detail)
		} else {
			require.False(t, errors.As(err, &fe))
		}
		require.EqualValues(t, 1, s.calls.Load(), "MaxRetries -1 tries once")
	}
	// A 500 matches no sentinel and keeps the detail.
	s := &stub{answers: []func(http.ResponseWriter, *http.Request){problem(500, "", `{"detail":"internal error; quote request id x"}`)}}
	_, err := newClient(t, s, client.Config{}).Trends(context.Background(), tenant, alertanalytics.Window{})
	var apiErr *client.Error
	require.ErrorAs(t, err, &apiErr)
	require.Nil(t, apiErr.Unwrap())
	require.Contains(t, err.Error(), "500 Internal Server Error: internal error; quote request id x")
}

func TestRequestsCarryCredentialsAndThePrefix(t *testing.T) {
	t.Parallel()
	s := &stub{answers: []func(http.ResponseWriter, *http.Request){ok(trendsBody)}, bodies: make(chan string, 2)}
	_, err := newClient(t, s, client.Config{Token: "secret"}).Trends(context.Background(), tenant,
		alertanalytics.Window{Days: 7, Location: time.UTC})
	require.NoError(t, err)
	require.Equal(t, "GET /alerts-svc/api/v1/tenants/"+tenant.String()+"/alerts/analytics/trends?days=7&tz=UTC Bearer secret ", <-s.bodies)
	_, err = newClient(t, s, client.Config{Username: "u", Password: "p"}).Trends(context.Background(), tenant, alertanalytics.Window{})
	require.NoError(t, err)
	require.Equal(t, "GET /alerts-svc/api/v1/tenants/"+tenant.String()+"/alerts/analytics/trends Basic dTpw ", <-s.bodies)
	_, err = client.New("http://x", client.Config{Token: "t", Username: "u"})
	require.Error(t, err)
	_, err = client.New("ftp://x", client.Config{})
	require.Error(t, err)
}

func TestOverloadIsRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	busy := problem(503, "1", `{"status":503,"detail":"busy"}`)
	s := &stub{answers: []func(http.ResponseWriter, *http.Request){busy, busy, ok(trendsBody)}}
	cl := newClient(t, s, client.Config{MaxRetryWait: 50 * time.Millisecond})
	began := time.Now()
	points, err := cl.Trends(context.Background(), tenant, alertanalytics.Window{})
	require.NoError(t, err)
	require.Len(t, points, 1)
	require.EqualValues(t, 2, points[0].Count)
	require.EqualValues(t, 3, s.calls.Load())
	// Retry-After: 1 capped at MaxRetryWait, twice.
	require.GreaterOrEqual(t, time.Since(began), 100*time.Millisecond)

	// Bounded: three retries after the first try, then the 503.
	s = &stub{answers: []func(http.ResponseWriter, *http.Request){busy}}
	_, err = newClient(t, s, client.Config{MaxRetryWait: time.Millisecond}).Trends(context.Background(), tenant, alertanalytics.Window{})
	require.ErrorIs(t, err, alertanalytics.ErrOverloaded)
	require.EqualValues(t, 1+client.DefaultMaxRetries, s.calls.Load())

	// Within the caller's context: a wait longer than the deadline ends
	// with it.
	s = &stub{answers: []func(http.ResponseWriter, *http.Request){busy}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = newClient(t, s, client.Config{MaxRetryWait: time.Minute}).Trends(ctx, tenant, alertanalytics.Window{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, alertanalytics.ErrOverloaded)
	require.EqualValues(t, 1, s.calls.Load())
}

// dropper accepts connections and closes them without answering: a
// request whose answer never arrives.
func dropper(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			buf := make([]byte, 4096)
			_, _ = conn.Read(buf)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return "http://" + ln.Addr().String(), &n
}

func TestUnansweredWritesAreRetriedOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	url, conns := dropper(t)
	cl, err := client.New(url, client.Config{MaxRetryWait: time.Millisecond, HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	require.NoError(t, err)
	ctx := context.Background()
	count := func(call func() error) int32 {
		before := conns.Load()
		require.Error(t, call())
		return conns.Load() - before
	}
	tries := int32(1 + client.DefaultMaxRetries)
	// An alert has its id fixed before the first try: a repeat finds it.
	require.Equal(t, tries, count(func() error {
		_, _, err := cl.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "t"})
		return err
	}))
	// An interaction with a key is safe to repeat; one without is not.
	require.Equal(t, tries, count(func() error {
		_, err := cl.RecordInteraction(ctx, tenant, tenant, uuid.Nil, alertanalytics.InteractionInput{Type: "resolved", IdempotencyKey: "k"})
		return err
	}))
	require.Equal(t, int32(1), count(func() error {
		_, err := cl.RecordInteraction(ctx, tenant, tenant, uuid.Nil, alertanalytics.InteractionInput{Type: "resolved"})
		return err
	}))
	require.Equal(t, int32(1), count(func() error {
		_, err := cl.RecordInteractions(ctx, tenant, uuid.Nil, []alertanalytics.InteractionInput{{Type: "resolved", IdempotencyKey: "k"}, {Type: "resolved"}})
		return err
	}))
	// A deletion and a purge leave a receipt each time: never repeated.
	require.Equal(t, int32(1), count(func() error { _, err := cl.DeleteTenant(ctx, tenant, "x"); return err }))
	require.Equal(t, int32(1), count(func() error {
		_, err := cl.PurgeTenant(ctx, tenant, alertanalytics.Retention{MaxAge: 48 * time.Hour})
		return err
	}))
	// Reads are.
	require.Equal(t, tries, count(func() error { _, err := cl.Alert(ctx, tenant, tenant); return err }))
}

func TestAlertIDsAreFixedBeforeTheFirstTry(t *testing.T) {
	t.Parallel()
	s := &stub{answers: []func(http.ResponseWriter, *http.Request){
		problem(503, "0", `{"status":503}`),
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"`+uuid.NewString()+`"}`)
		},
	}, bodies: make(chan string, 2)}
	_, created, err := newClient(t, s, client.Config{}).RecordAlert(context.Background(), tenant, alertanalytics.AlertInput{AlertType: "t"})
	require.NoError(t, err)
	require.True(t, created)
	first, second := <-s.bodies, <-s.bodies
	require.Contains(t, first, `"id":"`)
	require.Equal(t, first, second, "the retry sends the same id")
}
