package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// TestQuietTenantBesideStorm: one tenant's write holds the only write
// place and its queue of one is full, so its next write is refused at once
// with 503 and Retry-After; a quiet tenant's write waits its turn and is
// answered 201 once the place frees. Every 2xx is stored, the 503 not.
func TestQuietTenantBesideStorm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(ctx))
	stalled := stalledStore{Store: st, stallAt: 1, writes: new(atomic.Int32), entered: make(chan struct{}), release: make(chan struct{})}
	svc := alertanalytics.New(stalled, alertanalytics.Config{Clock: now, MaxWrites: 1, TenantQueue: 1, QueueTimeout: time.Minute})
	auth, err := NewStaticTokens(map[string]Principal{tokenService: {UserID: uuid.MustParse(userService), AllTenants: true, Service: true}})
	require.NoError(t, err)
	h, err := New(svc, Config{Authenticator: auth})
	require.NoError(t, err)
	e := &env{svc: svc, handler: h}
	quiet := uuid.New()

	type answer struct {
		code       int
		retryAfter string
	}
	codes := make(chan answer, 4)
	post := func() {
		rec := postAlert(t, e, `{"alert_type":"storm"}`)
		codes <- answer{rec.Code, rec.Header().Get("Retry-After")}
	}
	go post()
	<-stalled.entered // the storm's first write holds the one place
	// Two more of the storm's writes: one waits in its queue of one, the
	// other is refused at once.
	go post()
	go post()
	require.Equal(t, answer{http.StatusServiceUnavailable, "1"}, <-codes, "the storm's excess is refused first, without waiting")
	quietDone := make(chan int)
	go func() {
		quietDone <- e.do(t, http.MethodPost, "/api/v1/tenants/"+quiet.String()+"/alerts", tokenService, `{"alert_type":"quiet"}`).Code
	}()
	close(stalled.release)
	require.Equal(t, http.StatusCreated, <-quietDone, "the quiet tenant's write is answered")
	require.Equal(t, http.StatusCreated, (<-codes).code)
	require.Equal(t, http.StatusCreated, (<-codes).code)
	for tenant, want := range map[uuid.UUID]int64{uuid.MustParse(tenantA): 2, quiet: 1} {
		counts, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, want, counts.Alerts)
	}
}

// conflictStore aborts every write with a serialization failure.
type conflictStore struct{ store.Store }

func (c conflictStore) Write(ctx context.Context, tenantID uuid.UUID, opts store.WriteOptions, fn func(store.Tx) error) error {
	return fmt.Errorf("could not serialize access: %w", store.ErrConflict)
}

// TestConflictAnswers503: a write the database keeps aborting for a
// conflict, past the Service's own retries, answers 503 with Retry-After,
// never 500.
func TestConflictAnswers503(t *testing.T) {
	t.Parallel()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Migrate(context.Background()))
	svc := alertanalytics.New(conflictStore{st}, alertanalytics.Config{Clock: now})
	auth, err := NewStaticTokens(map[string]Principal{tokenService: {UserID: uuid.MustParse(userService), AllTenants: true, Service: true}})
	require.NoError(t, err)
	h, err := New(svc, Config{Authenticator: auth})
	require.NoError(t, err)
	rec := postAlert(t, &env{svc: svc, handler: h}, `{"alert_type":"oven"}`)
	requireProblem(t, rec, http.StatusServiceUnavailable, "")
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
}
