package alertanalytics_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// metricsVector is testdata/metrics-vector-2.json: a fixed data set across
// the 2026 Madrid daylight-saving change and every answer for it.
type metricsVector struct {
	Now          time.Time                         `json:"now"`
	TenantID     uuid.UUID                         `json:"tenant_id"`
	UserID       uuid.UUID                         `json:"user_id"`
	Alerts       []alertanalytics.AlertInput       `json:"alerts"`
	Interactions []alertanalytics.InteractionInput `json:"interactions"`
	Expected     map[string]json.RawMessage        `json:"expected"`
}

func newMemoryStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	require.NoError(t, st.Migrate(context.Background()))
	return st
}

func newMemoryService(t *testing.T, now time.Time) *alertanalytics.Service {
	t.Helper()
	return alertanalytics.New(newMemoryStore(t), alertanalytics.Config{Clock: func() time.Time { return now }})
}

// forEachBackend runs test once per backend, as a parallel subtest with a
// fresh store: SQLite in memory, and PostgreSQL (see internal/pgtest for
// when it runs).
func forEachBackend(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Helper()
	for name, newStore := range map[string]func(t *testing.T) store.Store{
		"sqlite":   newMemoryStore,
		"postgres": func(t *testing.T) store.Store { return newPostgresStore(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newStore(t))
		})
	}
}

// asJSONValue round-trips v through JSON into maps and slices, so that a
// result compares with the vector key by key.
func asJSONValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestMetricsVector(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/metrics-vector-2.json")
	require.NoError(t, err)
	var vec metricsVector
	require.NoError(t, json.Unmarshal(raw, &vec))

	forEachBackend(t, func(t *testing.T, st store.Store) { checkMetricsVector(t, st, vec) })
}

func checkMetricsVector(t *testing.T, st store.Store, vec metricsVector) {
	ctx := context.Background()
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return vec.Now }})
	res, err := svc.RecordAlerts(ctx, vec.TenantID, vec.Alerts)
	require.NoError(t, err)
	require.Empty(t, res.Rejected)
	require.Equal(t, len(vec.Alerts), res.Created)
	for i, in := range vec.Interactions {
		_, err := svc.RecordInteraction(ctx, vec.TenantID, in.AlertID, vec.UserID, in)
		require.NoError(t, err, "interaction %d", i)
	}

	require.Len(t, vec.Expected, 7)
	for name, want := range vec.Expected {
		t.Run(name, func(t *testing.T) {
			var got any
			if name == "deletion preview" {
				counts, err := svc.PreviewTenantDeletion(ctx, vec.TenantID)
				require.NoError(t, err)
				// The vector names the counts as the HTTP API does.
				got = asJSONValue(t, map[string]int64{"alerts": counts.Alerts,
					"alert_interactions": counts.AlertInteractions, "audit_logs": counts.AuditLogs})
			} else {
				fields := strings.Fields(name) // e.g. "dashboard days=14 tz=Europe/Madrid"
				require.Len(t, fields, 3)
				days, err := strconv.Atoi(strings.TrimPrefix(fields[1], "days="))
				require.NoError(t, err)
				loc, err := time.LoadLocation(strings.TrimPrefix(fields[2], "tz="))
				require.NoError(t, err)
				w := alertanalytics.Window{Days: days, Location: loc}
				switch fields[0] {
				case "analytics":
					a, err := svc.Analytics(ctx, vec.TenantID, w)
					require.NoError(t, err)
					got = asJSONValue(t, a)
				case "trends":
					tr, err := svc.Trends(ctx, vec.TenantID, w)
					require.NoError(t, err)
					got = asJSONValue(t, tr)
				case "dashboard":
					d, err := svc.Dashboard(ctx, vec.TenantID, w)
					require.NoError(t, err)
					got = asJSONValue(t, d)
				default:
					t.Fatalf("unknown expectation %q", name)
				}
			}
			var wantValue any
			require.NoError(t, json.Unmarshal(want, &wantValue))
			require.Equal(t, wantValue, got)
		})
	}
}

// newPostgresStore returns a migrated store in a fresh schema of its own
// on the test database (see internal/pgtest), dropped when the test ends.
func newPostgresStore(t testing.TB) *postgres.Store {
	t.Helper()
	pool := pgtest.Pool(t)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
