package httpapi

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
)

func basic(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("someone:"+token))
}

func seedPage(t *testing.T, e *env) {
	t.Helper()
	for i, created := range []string{"2026-10-30T08:00:00Z", "2026-10-31T09:30:00Z", "2026-11-01T10:00:00Z", "2026-11-02T09:15:00Z"} {
		body := `{"alert_type":"<script>alert(1)</script>","service":"oven","priority_level":"critical","created_at":"` + created + `"}`
		if i%2 == 1 {
			body = `{"alert_type":"stock_low","priority_level":"info","created_at":"` + created + `","business_impact":{"financial_impact_eur":12.5}}`
		}
		rec := createAlert(t, e, tenantA, body)
		require.Equal(t, http.StatusCreated, rec.Code)
		// Two people act: tenant A's user acknowledges the first alert
		// after 3 minutes; the service user resolves the second within a
		// minute, before anyone looked (a short episode: it flapped).
		id := decode(t, rec)["id"].(string)
		at := func(d time.Duration) string {
			c, _ := time.Parse(time.RFC3339, created)
			return c.Add(d).Format(time.RFC3339)
		}
		switch i {
		case 0:
			rec = e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+id+"/interactions", tokenA,
				`{"interaction_type":"acknowledged","interacted_at":"`+at(3*time.Minute)+`"}`)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		case 1:
			rec = e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts/"+id+"/interactions", tokenService,
				`{"interaction_type":"resolved","interacted_at":"`+at(time.Minute)+`"}`)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		}
	}
}

func TestDashboardPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	seedPage(t, e)
	path := "/tenants/" + tenantA + "/dashboard?days=7&tz=Europe/Madrid"
	// Without credentials the page asks the browser for them.
	rec := e.do(t, http.MethodGet, path, "", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.True(t, strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic "), rec.Header().Get("WWW-Authenticate"))
	// The API keeps Bearer.
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics", "", "")
	require.True(t, strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer "))

	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", basic(tokenA))
	rr := httptest.NewRecorder()
	e.handler.ServeHTTP(rr, req)
	require.Equal(t, http.StatusOK, rr.Code, rr.Body.String())
	require.Equal(t, "text/html; charset=utf-8", rr.Header().Get("Content-Type"))
	page := rr.Body.String()
	require.NotContains(t, page, "<script")
	require.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.Contains(t, page, `id="total-alerts">4<`)
	require.Equal(t, 7, strings.Count(page, `<g class="day">`))
	require.Contains(t, page, "<title id=\"trend-title\">")
	// The trend's dates: the first, middle and last local date of the 7
	// days (27 October to 2 November in Madrid); its y scale runs from 0
	// to the busiest day's 1 alert.
	require.Equal(t, 3, strings.Count(page, `<text class="date"`))
	for _, date := range []string{">2026-10-27<", ">2026-10-30<", ">2026-11-02<"} {
		require.Contains(t, page, date)
	}
	require.Equal(t, 2, strings.Count(page, `<g class="tick">`))
	// People: the service user and user A, one interaction each (ties by
	// user id: A's 0000000a… first); flapping: stock_low, 1 of 2.
	people := page[strings.Index(page, `<table id="people">`):]
	people = people[:strings.Index(people, "</table>")]
	require.Equal(t, 3, strings.Count(people, "<tr>"))
	require.Less(t, strings.Index(people, userA), strings.Index(people, userService))
	require.Contains(t, people, "<td>"+userA+"</td><td>1</td><td>1</td><td>0</td><td>1</td><td>3m0s</td>")
	require.Contains(t, page, "<td>stock_low</td><td></td><td>2</td><td>1</td><td>50.0%</td><td>1m0s</td>")

	// A wrong password is refused; another tenant's token is forbidden.
	req.Header.Set("Authorization", basic("nope"))
	rr = httptest.NewRecorder()
	e.handler.ServeHTTP(rr, req)
	require.Equal(t, http.StatusUnauthorized, rr.Code)
	requireProblem(t, e.do(t, http.MethodGet, "/tenants/"+tenantB+"/dashboard", tokenA, ""), http.StatusForbidden, "")
	requireProblem(t, e.do(t, http.MethodGet, "/tenants/"+tenantA+"/dashboard?days=0", tokenA, ""), http.StatusUnprocessableEntity, "days")
}

// TestDashboardPageInChromium loads the page in headless Chromium with
// Basic credentials, checks the figures shown against the JSON API and
// the trend's bar groups, and keeps a screenshot under artifacts/.
func TestDashboardPageInChromium(t *testing.T) {
	t.Parallel()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed and CI is set: apt-get install chromium")
		}
		t.Skip("no chromium: apt-get install chromium")
	}
	e := setup(t)
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
