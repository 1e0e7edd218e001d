package alertanalytics_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// The crash test re-executes the test binary as a writer that ingests
// batches of alerts and acknowledges each batch in one interaction batch,
// forever, and kills it with SIGKILL at random instants.
const (
	envCrashChild   = "ALERTANALYTICS_CRASH_CHILD"  // "sqlite" or "postgres"
	envCrashTarget  = "ALERTANALYTICS_CRASH_TARGET" // file path or schema
	envCrashTenant  = "ALERTANALYTICS_CRASH_TENANT"
	crashBatchAlert = 50
)

func crashStore(ctx context.Context, backend, target string) (store.Store, func(), error) {
	if backend == "sqlite" {
		st, err := sqlite.Open(target)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, st.Migrate(ctx)
	}
	pool, err := postgres.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.New(pool, postgres.Config{Schema: target})
	if err == nil {
		err = st.Migrate(ctx)
	}
	return st, pool.Close, err
}

// TestCrashChild is the writer; it runs only when re-executed by
// TestCrashConsistency.
func TestCrashChild(t *testing.T) {
	backend := os.Getenv(envCrashChild)
	if backend == "" {
		t.Skip("run by TestCrashConsistency")
	}
	ctx := context.Background()
	st, closeStore, err := crashStore(ctx, backend, os.Getenv(envCrashTarget))
	require.NoError(t, err)
	defer closeStore()
	svc := alertanalytics.New(st, alertanalytics.Config{})
	tenant, user := uuid.MustParse(os.Getenv(envCrashTenant)), uuid.New()
	for {
		batch := uuid.NewString()
		ins := make([]alertanalytics.AlertInput, crashBatchAlert)
		for i := range ins {
			ins[i] = alertanalytics.AlertInput{AlertType: "batch-" + batch, PriorityLevel: alertanalytics.PriorityCritical,
				BusinessImpact: []byte(`{"financial_impact_eur": 1.5}`), CreatedAt: time.Now().Add(-time.Minute)}
		}
		res, err := svc.RecordAlerts(ctx, tenant, ins)
		require.NoError(t, err)
		acks := make([]alertanalytics.InteractionInput, len(res.IDs))
		for i, id := range res.IDs {
			acks[i] = alertanalytics.InteractionInput{AlertID: id, Type: alertanalytics.InteractionAcknowledged}
		}
		_, err = svc.RecordInteractions(ctx, tenant, user, acks)
		require.NoError(t, err)
	}
}

func TestCrashConsistency(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name   string
		kills  int
		target func(t *testing.T) string
	}{
		{"sqlite", 10, func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") }},
		{"postgres", 3, func(t *testing.T) string { return pgtest.Schema(t, pgtest.Pool(t)) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			ctx, target, tenant := context.Background(), backend.target(t), uuid.New()
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for kill := range backend.kills {
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), envCrashChild+"="+backend.name, envCrashTarget+"="+target, envCrashTenant+"="+tenant.String())
				require.NoError(t, cmd.Start())
				time.Sleep(time.Duration(300+r.IntN(700)) * time.Millisecond)
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				_ = cmd.Wait()

				st, closeStore, err := crashStore(ctx, backend.name, target)
				require.NoError(t, err)
				svc := alertanalytics.New(st, alertanalytics.Config{})
				// Every batch, and every batch's acknowledgements, whole or absent.
				var rows bytes.Buffer
				require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &rows, nil))
				alerts, acked := map[string]int{}, map[string]int{}
				sc := bufio.NewScanner(&rows)
				for sc.Scan() {
					var a alertanalytics.Alert
					require.NoError(t, json.Unmarshal(sc.Bytes(), &a))
					alerts[a.AlertType]++
					if a.AcknowledgedAt != nil {
						acked[a.AlertType]++
					}
				}
				for batch, n := range alerts {
					require.Equal(t, crashBatchAlert, n, "kill %d: batch %s is partial", kill, batch)
					require.Contains(t, []int{0, crashBatchAlert}, acked[batch], "kill %d: the acknowledgements of %s are partial", kill, batch)
				}
				require.NoError(t, svc.CheckTotals(ctx, tenant), "kill %d", kill)
				d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 1})
				require.NoError(t, err)
				require.Equal(t, fmt.Sprintf("%.2f", 1.5*float64(d.ActiveAlerts)), fmt.Sprintf("%.2f", d.TotalFinancialImpactAtRiskEUR))
				closeStore()
				t.Logf("kill %d: %d batches whole", kill, len(alerts))
			}
		})
	}
}
