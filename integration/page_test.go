package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/httpapi"
)

func basic(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("someone:"+token))
}

// seedPage stores four alerts over the last days, one with a tenant string
// a browser must never run, and two people's interactions: tenant A's
// user acknowledges the first after 3 minutes; the service user resolves
// the second within a minute, before anyone looked (it flapped).
func seedPage(t *testing.T, e *env) {
	t.Helper()
	for i, created := range []string{"2026-10-30T08:00:00Z", "2026-10-31T09:30:00Z", "2026-11-01T10:00:00Z", "2026-11-02T09:15:00Z"} {
		body := `{"alert_type":"<script>alert(1)</script>","service":"oven","priority_level":"critical","created_at":"` + created + `"}`
		if i%2 == 1 {
			body = `{"alert_type":"stock_low","priority_level":"info","created_at":"` + created + `","business_impact":{"financial_impact_eur":12.5}}`
		}
		alert := id(t, e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts", tokenA, body))
		at, err := time.Parse(time.RFC3339, created)
		require.NoError(t, err)
		path := "/api/v1/tenants/" + tenantA + "/alerts/" + alert + "/interactions"
		switch i {
		case 0:
			id(t, e.do(t, http.MethodPost, path, tokenA, `{"interaction_type":"acknowledged","interacted_at":"`+at.Add(3*time.Minute).Format(time.RFC3339)+`"}`))
		case 1:
			id(t, e.do(t, http.MethodPost, path, tokenService, `{"interaction_type":"resolved","interacted_at":"`+at.Add(time.Minute).Format(time.RFC3339)+`"}`))
		}
	}
}

// TestDashboardPageInChromium loads the page in headless Chromium with
// Basic credentials, checks the figures shown against the JSON API, the
// trend's bar groups and dates, the People and Flapping tables, and keeps
// a screenshot under artifacts/.
func TestDashboardPageInChromium(t *testing.T) {
	t.Parallel()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed and CI is set: apt-get install chromium")
		}
		t.Skip("no chromium: apt-get install chromium")
	}
	e := setup(t, httpapi.Config{})
	seedPage(t, e)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()

	api := e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics/dashboard?days=7&tz=Europe/Madrid", tokenA, "")
	require.Equal(t, http.StatusOK, api.Code)
	var dash map[string]any
	require.NoError(t, json.Unmarshal(api.Body.Bytes(), &dash))

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": basic(tokenA)}})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/tenants/"+tenantA+"/dashboard?days=7&tz=Europe/Madrid"),
		chromedp.WaitVisible("#total-alerts")))
	text := func(sel string) string {
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		require.NoError(t, err, sel)
		return strings.TrimSpace(v)
	}
	total, active, rate := text("#total-alerts"), text("#active-alerts"), text("#resolution-rate")
	days, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg#trend g.day").length`))
	require.NoError(t, err)
	dates, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("svg#trend text.date")].map(e => e.textContent).join(" ")`))
	require.NoError(t, err)
	people, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#people tr").length`))
	require.NoError(t, err)
	flapping := text("#flapping tr:nth-child(2) td:first-child")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.Equal(t, formatNumber(dash["total_alerts"]), total)
	require.Equal(t, formatNumber(dash["active_alerts"]), active)
	cur := dash["period_comparison"].(map[string]any)["current_period"].(map[string]any)
	require.Equal(t, formatNumber(cur["resolution_rate"])+"%", rate)
	require.Equal(t, 7, days)
	require.Equal(t, "2026-10-27 2026-10-30 2026-11-02", dates)
	require.Equal(t, 3, people, "a header and two people")
	require.Equal(t, "stock_low", flapping)
	dir := filepath.Join("..", "artifacts")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard.png"), shot, 0o644))
}

func formatNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
