package httpapi

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
