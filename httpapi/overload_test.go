package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// stalledStore holds its stallAt-th write (counting from 1) until release
// is closed, after telling entered: a write stuck on its way to the
// database, before its transaction begins (an in-memory SQLite database has
// one connection, which a stuck transaction would take from the reads too).
type stalledStore struct {
	store.Store
	stallAt          int32
	writes           *atomic.Int32
	entered, release chan struct{}
}

func (s stalledStore) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	if s.writes.Add(1) == s.stallAt {
		close(s.entered)
		<-s.release
	}
	return s.Store.Write(ctx, tenantID, opts, fn)
}

func postAlert(t *testing.T, e *env, body string) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/v1/tenants/"+tenantA+"/alerts", tokenService, body)
}

// TestOverloadAnswers503 fills the one write place of a Service with a
// write that cannot finish, then sends more: a second alert, an
// Alertmanager notification and an interaction each answer 503 with
// Retry-After once the 20 ms queue bound passes, and store nothing; the
// dashboard still answers 200 from the read places. When the stuck write
// finishes it answers 201, and a retry of the refused alert is stored.
func TestOverloadAnswers503(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(ctx))
	stuckID := "01900000-0000-7000-8000-000000000002"
	stalled := stalledStore{Store: st, stallAt: 2, writes: new(atomic.Int32), entered: make(chan struct{}), release: make(chan struct{})}
	svc := alertanalytics.New(stalled, alertanalytics.Config{Clock: now, MaxWrites: 1, MaxReads: 2, QueueTimeout: 20 * time.Millisecond})
	auth, err := NewStaticTokens(map[string]Principal{tokenService: {UserID: uuid.MustParse(userService), AllTenants: true, Service: true}})
	require.NoError(t, err)
	h, err := New(svc, Config{Authenticator: auth})
	require.NoError(t, err)
	e := &env{svc: svc, handler: h}

	// An alert to interact with, stored before the write place fills.
	rec := postAlert(t, e, `{"id":"`+alertOne+`","alert_type":"oven"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())

	stuck := make(chan int)
	go func() {
		rec := postAlert(t, e, `{"id":"`+stuckID+`","alert_type":"oven"}`)
		stuck <- rec.Code
	}()
	<-stalled.entered // the one write place is taken

	refused := "01900000-0000-7000-8000-000000000003"
	for _, req := range []struct{ path, body string }{
		{"/api/v1/tenants/" + tenantA + "/alerts", `{"id":"` + refused + `","alert_type":"oven"}`},
		{"/api/v1/tenants/" + tenantA + "/alerts/" + alertOne + "/interactions", `{"interaction_type":"acknowledged"}`},
		{"/api/v1/tenants/" + tenantA + "/integrations/alertmanager", `{"version":"4","status":"firing","alerts":[
			{"status":"firing","labels":{"alertname":"OvenHot"},"startsAt":"2026-11-02T09:00:00Z","fingerprint":"f1"}]}`},
	} {
		rec := e.do(t, http.MethodPost, req.path, tokenService, req.body)
		requireProblem(t, rec, http.StatusServiceUnavailable, "")
		require.Equal(t, "1", rec.Header().Get("Retry-After"), req.path)
	}
	rec = e.do(t, http.MethodGet, "/api/v1/tenants/"+tenantA+"/alerts/analytics/dashboard", tokenService, "")
	require.Equal(t, http.StatusOK, rec.Code, "reads have places of their own: %s", rec.Body.String())
	require.EqualValues(t, 1, decode(t, rec)["total_alerts"], "only the first alert is stored so far")

	close(stalled.release)
	require.Equal(t, http.StatusCreated, <-stuck)
	counts, err := svc.PreviewTenantDeletion(ctx, uuid.MustParse(tenantA))
	require.NoError(t, err)
	require.Equal(t, alertanalytics.TenantCounts{Alerts: 2}, counts, "nothing was written for a 503")
	rec = postAlert(t, e, `{"id":"`+refused+`","alert_type":"oven"}`)
	require.Equal(t, http.StatusCreated, rec.Code, "the retry is stored: %s", rec.Body.String())
}
