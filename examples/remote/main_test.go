package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// The report, worked out by hand: four alerts sent, the first twice (3
// created, 1 already there); the critical one acknowledged after 240 s and
// resolved after 600 s; of the 3 alerts 1 resolved (33 %), 2 open, mean
// time to acknowledge 4 min; 1,200 EUR was at risk only on the resolved
// one, so 0 now.
const want = `alerts: 3 created, 1 already there
acknowledged after 240s
resolved after 600s
an interaction on an unknown alert: not found
analytics: 3 alerts, 1 resolved (33%), 2 open, mean time to acknowledge 4 min
dashboard: 2 open now, 0.00 EUR at risk, critical p50 to resolve 600 s
a 120-day window: invalid days
`

func TestRemoteAndEmbeddedPrintTheSameReport(t *testing.T) {
	ctx := context.Background()
	var embedded bytes.Buffer
	require.NoError(t, run(ctx, &embedded, "", "", "", true))
	require.Equal(t, want, embedded.String())

	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{
		"secret": {UserID: uuid.New(), AllTenants: true, Service: true},
	})
	require.NoError(t, err)
	h, err := httpapi.New(alertanalytics.New(st, alertanalytics.Config{}), httpapi.Config{Authenticator: auth})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var remote bytes.Buffer
	require.NoError(t, run(ctx, &remote, srv.URL, "secret", "", false))
	require.Equal(t, want, remote.String())

	// Without credentials the server refuses, and the report says why.
	err = run(ctx, &remote, srv.URL, "wrong", "", false)
	require.ErrorContains(t, err, "401")
}
