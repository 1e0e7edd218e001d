package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// EnvAlertmanager names the variable holding the path of a real
// Alertmanager binary (.ci/build-alertmanager builds one).
const EnvAlertmanager = "ALERTANALYTICS_ALERTMANAGER_BIN"

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// TestAlertmanagerEndToEnd runs the real Alertmanager with a webhook
// receiver pointing at the example server, posts an alert to
// Alertmanager's own API, then resolves it, and waits until the analytics
// show it created and resolved.
func TestAlertmanagerEndToEnd(t *testing.T) {
	t.Parallel()
	bin := os.Getenv(EnvAlertmanager)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set and CI is: build it with .ci/build-alertmanager", EnvAlertmanager)
		}
		t.Skipf("no Alertmanager: %s=$(.ci/build-alertmanager) go test ./examples/server", EnvAlertmanager)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const token, tenant = "am-token", "b4ce7e11-0000-4000-8000-0000000000a3"
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0", "-sqlite", filepath.Join(t.TempDir(), "am.db"), "-token", token}, noEnv, stdout, stderr)
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
	}, 20*time.Second, 20*time.Millisecond)

	dir := t.TempDir()
	config := fmt.Sprintf(`route:
  receiver: analytics
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: analytics
    webhook_configs:
      - url: %s/api/v1/tenants/%s/integrations/alertmanager
        send_resolved: true
        max_alerts: 1000
        http_config:
          authorization:
            credentials: %s
`, base, tenant, token)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(config), 0o600))
	amAddr := freePort(t)
	am := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), "--web.listen-address="+amAddr, "--cluster.listen-address=")
	var amLog bytes.Buffer
	am.Stdout, am.Stderr = &amLog, &amLog
	require.NoError(t, am.Start())
	defer func() { cancel(); _ = am.Wait() }()
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + amAddr + "/-/ready")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	}, 30*time.Second, 100*time.Millisecond, "alertmanager did not start: %s", &amLog)

	startsAt := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	post := func(endsAt time.Time) {
		alert := map[string]any{"labels": map[string]string{"alertname": "OvenTooHot", "severity": "critical", "service": "oven"},
			"annotations": map[string]string{"summary": "Oven 2 above 280 °C"}, "startsAt": startsAt, "generatorURL": "http://prometheus/graph"}
		if !endsAt.IsZero() {
			alert["endsAt"] = endsAt
		}
		b, err := json.Marshal([]any{alert})
		require.NoError(t, err)
		res, err := http.Post("http://"+amAddr+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	analytics := func() map[string]any {
		req, err := http.NewRequest(http.MethodGet, base+"/api/v1/tenants/"+tenant+"/alerts/analytics?days=1", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var a map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&a))
		return a
	}
	post(time.Time{})
	require.Eventually(t, func() bool { return analytics()["totalAlerts"] == float64(1) }, 30*time.Second, 200*time.Millisecond,
		"the alert never arrived; alertmanager: %s; server: %s", &amLog, stderr.String())
	post(time.Now().UTC().Add(-time.Second))
	require.Eventually(t, func() bool { return analytics()["resolvedAlerts"] == float64(1) }, 30*time.Second, 200*time.Millisecond,
		"the alert never resolved; alertmanager: %s; server: %s", &amLog, stderr.String())
	a := analytics()
	require.Equal(t, float64(1), a["totalAlerts"], "redelivery created nothing new")
	cancel()
	<-exit
}
