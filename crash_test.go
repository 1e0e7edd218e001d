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
	"strings"
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
	envCrashMode    = "ALERTANALYTICS_CRASH_MODE" // "write" or "delete"
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
	// A crash child needs few connections, and the kills leave the server
	// reaping its backends: keep its pool small, so the runs do not use up
	// the server's connection slots.
	url := os.Getenv(pgtest.EnvURL)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pool, err := postgres.Connect(ctx, url+sep+"pool_min_conns=1&pool_max_conns=4")
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.New(pool, postgres.Config{Schema: target, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
	if err == nil {
		err = st.Migrate(ctx)
	}
	return st, pool.Close, err
}

// crashAppName is the PostgreSQL application_name of a crash child.
func crashAppName(tenant uuid.UUID) string { return "crash-" + tenant.String() }

// awaitServerDone waits, on PostgreSQL, until the server has ended the
// killed child's sessions: a COMMIT the child sent just before the kill
// may still be applied after the process is gone, and reading before that
// would see the tenant in between.
func awaitServerDone(t *testing.T, backend string, tenant uuid.UUID) {
	if backend != "postgres" {
		return
	}
	pool := pgtest.Pool(t)
	for range 200 {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", crashAppName(tenant)).Scan(&n))
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the killed child's sessions never ended")
}

// TestMain runs the test binary as a crash child when re-executed by a
// crash test, and the tests otherwise.
func TestMain(m *testing.M) {
	if backend := os.Getenv(envCrashChild); backend != "" {
		if err := crashChild(backend, os.Getenv(envCrashMode)); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild is the process the crash tests kill. In "write" mode it
// ingests batches and acknowledges each batch in one interaction batch,
// forever; in "delete" mode it deletes the tenant once.
func crashChild(backend, mode string) error {
	ctx := context.Background()
	st, closeStore, err := crashStore(ctx, backend, os.Getenv(envCrashTarget))
	if err != nil {
		return err
	}
	defer closeStore()
	svc := alertanalytics.New(st, alertanalytics.Config{})
	tenant, user := uuid.MustParse(os.Getenv(envCrashTenant)), uuid.New()
	if mode == "deliver" {
		// Sends whatever is due, with a lease of one second, until killed.
		opts := alertanalytics.DeliveryOptions{Owner: "doomed", Poll: 10 * time.Millisecond, Lease: time.Second, Timeout: 500 * time.Millisecond}
		return alertanalytics.New(st, alertanalytics.Config{AllowPrivateWebhooks: true}).RunDeliveries(ctx, opts)
	}
	if mode == "delete" {
		fmt.Println("deleting") // the parent times its kill from here
		_, err := svc.DeleteTenant(ctx, tenant, "crash-test")
		return err
	}
	for {
		batch := uuid.NewString()
		ins := make([]alertanalytics.AlertInput, crashBatchAlert)
		for i := range ins {
			ins[i] = alertanalytics.AlertInput{AlertType: "batch-" + batch, PriorityLevel: alertanalytics.PriorityCritical,
				BusinessImpact: []byte(`{"financial_impact_eur": 1.5}`), CreatedAt: time.Now().Add(-time.Minute)}
		}
		res, err := svc.RecordAlerts(ctx, tenant, ins)
		if err != nil {
			return err
		}
		acks := make([]alertanalytics.InteractionInput, len(res.IDs))
		for i, id := range res.IDs {
			acks[i] = alertanalytics.InteractionInput{AlertID: id, Type: alertanalytics.InteractionAcknowledged}
		}
		if _, err = svc.RecordInteractions(ctx, tenant, user, acks); err != nil {
			return err
		}
	}
}

// crashChildCmd is the test binary re-executed as a crash child, not
// started yet.
func crashChildCmd(backend, mode, target string, tenant uuid.UUID) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envCrashChild+"="+backend, envCrashMode+"="+mode,
		envCrashTarget+"="+target, envCrashTenant+"="+tenant.String(), "PGAPPNAME="+crashAppName(tenant))
	cmd.Stderr = os.Stderr
	return cmd
}

func TestCrashConsistency(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name   string
		kills  int
		target func(t *testing.T) string
	}{
		{"sqlite", 10, func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") }},
		{"postgres", 10, func(t *testing.T) string { return pgtest.Schema(t, pgtest.Pool(t)) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			ctx, target, tenant := context.Background(), backend.target(t), uuid.New()
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for kill := range backend.kills {
				cmd := crashChildCmd(backend.name, "write", target, tenant)
				require.NoError(t, cmd.Start())
				time.Sleep(time.Duration(300+r.IntN(700)) * time.Millisecond)
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				_ = cmd.Wait()
				awaitServerDone(t, backend.name, tenant)

				st, closeStore, err := crashStore(ctx, backend.name, target)
				require.NoError(t, err)
				svc := alertanalytics.New(st, alertanalytics.Config{})
				// Every batch, and every batch's acknowledgements, whole or absent.
				var rows bytes.Buffer
				require.NoError(t, svc.Export(ctx, tenant, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts}, &rows))
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

// TestCrashDuringDeletion kills a process deleting a tenant of 3,000
// alerts, 1,000 interactions and 1,000 audit rows at random instants, at
// least 12 times: after each kill the tenant is whole (every row and kept
// total as seeded) or absent with its receipt.
func TestCrashDuringDeletion(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "crash.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Schema(t, pgtest.Pool(t)) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			ctx, target := context.Background(), backend.target(t)
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
			var whole, absent int
			delay := 4 * time.Millisecond
			for kill := 0; kill < 12 || whole == 0 || absent == 0; kill++ {
				require.Less(t, kill, 40, "never saw both outcomes")
				st, closeStore, err := crashStore(ctx, backend.name, target)
				require.NoError(t, err)
				svc := alertanalytics.New(st, alertanalytics.Config{})
				tenant := uuid.New()
				for b := range 3 {
					ins := make([]alertanalytics.AlertInput, 1000)
					for i := range ins {
						ins[i] = alertanalytics.AlertInput{AlertType: "seed", BusinessImpact: []byte(`{"financial_impact_eur": 2}`),
							CreatedAt: time.Now().Add(-time.Duration(b*1000+i) * time.Second)}
					}
					res, err := svc.RecordAlerts(ctx, tenant, ins)
					require.NoError(t, err)
					if b == 0 { // interactions and audit rows too, deleted before the alerts
						acks := make([]alertanalytics.InteractionInput, len(res.IDs))
						for i, id := range res.IDs {
							acks[i] = alertanalytics.InteractionInput{AlertID: id, Type: alertanalytics.InteractionAcknowledged}
						}
						_, err = svc.RecordInteractions(ctx, tenant, uuid.New(), acks)
						require.NoError(t, err)
					}
				}
				seeded, err := svc.PreviewTenantDeletion(ctx, tenant)
				require.NoError(t, err)

				cmd := crashChildCmd(backend.name, "delete", target, tenant)
				out, err := cmd.StdoutPipe()
				require.NoError(t, err)
				require.NoError(t, cmd.Start())
				line, err := bufio.NewReader(out).ReadString('\n')
				require.NoError(t, err)
				require.Equal(t, "deleting\n", line)
				// How long the deletion takes depends on the machine and the
				// race detector: the delay doubles while kills land before
				// the commit and halves once one lands after it, so kills
				// keep falling around the deletion's end, on both sides.
				time.Sleep(delay/2 + time.Duration(r.Int64N(int64(delay))))
				_ = cmd.Process.Signal(syscall.SIGKILL)
				_ = cmd.Wait()
				awaitServerDone(t, backend.name, tenant)

				after, err := svc.PreviewTenantDeletion(ctx, tenant)
				require.NoError(t, err)
				receipts, err := svc.TenantDeletionReceipts(ctx, tenant)
				require.NoError(t, err)
				switch after {
				case seeded:
					require.Empty(t, receipts, "kill %d: a receipt for a deletion that did not happen", kill)
					whole++
					delay *= 2
				case alertanalytics.TenantCounts{}:
					require.Len(t, receipts, 1, "kill %d: deleted without a receipt", kill)
					absent++
					delay = max(delay/2, time.Millisecond)
				default:
					t.Fatalf("kill %d: tenant partly deleted: %+v of %+v", kill, after, seeded)
				}
				require.NoError(t, svc.CheckTotals(ctx, tenant), "kill %d", kill)
				closeStore()
			}
			t.Logf("%d kills left the tenant whole, %d absent", whole, absent)
		})
	}
}
