package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/demo"
)

func noEnv(string) string { return "" }

func TestBadFlagsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-token", "x", "-nope"},
		{}, // no token
		{"-token", "x", "-user", "bob"},
		{"-token", "x", "-addr", "nocolon"},
		{"-token", "x", "extra"},
		{"-token", "x", "-retention", "12h"},
		{"-token", "x", "-retention", "forever"},
		{"-token", "x", "-smtp", "127.0.0.1:25", "-smtp-from", "a@example.com"}, // -smtp without -deliver
		{"-token", "x", "-deliver", "-smtp", "127.0.0.1:25"},                    // without -smtp-from
	} {
		var stderr bytes.Buffer
		require.Equal(t, 2, run(context.Background(), args, noEnv, io.Discard, &stderr), "%v", args)
		require.NotEmpty(t, stderr.String())
	}
	var stderr bytes.Buffer
	run(context.Background(), nil, noEnv, io.Discard, &stderr)
	require.Contains(t, stderr.String(), "ALERTANALYTICS_TOKEN")

	// A malformed -tokens file is refused at start, naming its line.
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"fields": {"# people\n\ntok-1 00000000-0000-4000-8000-0000000000b1\ntok-2\n", "line 4"},
		"user":   {"tok-1 bob\n", "line 1"},
		"twice":  {"tok-1 00000000-0000-4000-8000-0000000000b1\ntok-1 00000000-0000-4000-8000-0000000000b2\n", "line 2"},
		"main":   {"x 00000000-0000-4000-8000-0000000000b1\n", "line 1"},
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(c.text), 0o600))
		var stderr bytes.Buffer
		require.Equal(t, 2, run(context.Background(), []string{"-token", "x", "-tokens", path}, noEnv, io.Discard, &stderr), name)
		require.Contains(t, stderr.String(), c.want, name)
	}
	var missing bytes.Buffer
	require.Equal(t, 2, run(context.Background(), []string{"-token", "x", "-tokens", filepath.Join(dir, "absent")}, noEnv, io.Discard, &missing))
}

// syncBuffer is a bytes.Buffer safe to write from the server and read from
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHealthzAnswers503WhenTheDatabaseDoesNot(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	healthz(func(context.Context) error { return errors.New("connection refused") })(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "refused")
}

func TestServesDemoAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	exit := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "server.db")
	// A second person, through -tokens.
	tokens := filepath.Join(t.TempDir(), "tokens")
	const second = "00000000-0000-4000-8000-0000000000b2"
	require.NoError(t, os.WriteFile(tokens, []byte("# on call\nsecond-token "+second+"\n"), 0o600))
	env := func(k string) string {
		if k == "ALERTANALYTICS_TOKEN" {
			return "s3cret"
		}
		return ""
	}
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0", "-sqlite", db, "-demo", "-retention", "400d", "-metrics", "-tokens", tokens,
			"-deliver", "-smtp", "127.0.0.1:2525", "-smtp-from", "digests@example.com"}, env, stdout, stderr)
	}()

	var base string
	require.Eventually(t, func() bool {
		sc := bufio.NewScanner(strings.NewReader(stdout.String()))
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				base = addr
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "stdout: %s stderr: %s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "demo tenant: "+demo.TenantID)
	require.Contains(t, stdout.String(), "/tenants/"+demo.TenantID+"/dashboard")

	get := func(token string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, base+"/api/v1/tenants/"+demo.TenantID+"/alerts/analytics?days=7&tz=Europe/Madrid", nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return res
	}
	res := get("")
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	// The health check needs no credentials.
	health, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(health.Body)
	health.Body.Close()
	require.Equal(t, http.StatusOK, health.StatusCode)
	require.Equal(t, "ok\n", string(body))
	res = get("s3cret")
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var a map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&a))
	require.Greater(t, a["totalAlerts"].(float64), float64(50))

	// The second token acknowledges an alert of its own as its own user,
	// and the people route names that user.
	do := func(method, path, token, body string) *http.Response {
		req, err := http.NewRequest(method, base+"/api/v1/tenants/"+demo.TenantID+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return res
	}
	res2 := do(http.MethodPost, "/alerts", "second-token", `{"alert_type":"oven_fault"}`)
	var created map[string]any
	require.NoError(t, json.NewDecoder(res2.Body).Decode(&created))
	res2.Body.Close()
	require.Equal(t, http.StatusCreated, res2.StatusCode)
	res2 = do(http.MethodPost, "/alerts/"+created["id"].(string)+"/interactions", "second-token", `{"interaction_type":"acknowledged"}`)
	res2.Body.Close()
	require.Equal(t, http.StatusOK, res2.StatusCode)
	res2 = do(http.MethodGet, "/alerts/analytics/people?days=1&limit=100", "s3cret", "")
	var people struct {
		Rows []struct {
			UserID       string `json:"user_id"`
			Interactions int    `json:"interactions"`
		} `json:"rows"`
	}
	require.NoError(t, json.NewDecoder(res2.Body).Decode(&people))
	res2.Body.Close()
	require.Contains(t, people.Rows, struct {
		UserID       string `json:"user_id"`
		Interactions int    `json:"interactions"`
	}{second, 1})

	// Prometheus metrics: requests by route pattern, alerts ingested.
	mres, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(mres.Body)
	mres.Body.Close()
	require.Equal(t, http.StatusOK, mres.StatusCode)
	require.Contains(t, string(metrics), `http_route="/api/v1/tenants/{tenant_id}/alerts/analytics"`)
	require.Contains(t, string(metrics), "alertanalytics_alerts_ingested")
	require.NotContains(t, string(metrics), demo.TenantID)

	cancel()
	select {
	case code := <-exit:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	require.Contains(t, stdout.String(), "shutting down")
	require.Contains(t, stderr.String(), "retention purge")
}
