// The benchmarks of section 8 of the specification, run on each backend
// against its own store so the figures of both compare:
//
//	go test -run '^$' -bench . -benchmem .    # SQLite, and PostgreSQL where the test database is set
//
// Sizes follow the "bakery SaaS" data set scaled by environment variables,
// so a default run stays short on a 2-core machine:
//
//	ALERTANALYTICS_BENCH_ALERTS  alerts of the measured tenant (default 10000)
//	ALERTANALYTICS_BENCH_NOISE   alerts of other tenants, 10,000 each (default 0)
package alertanalytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// benchBackend opens stores for the benchmarks.
type benchBackend struct {
	// NewStore returns a fresh, migrated, empty store cleaned up with b.
	NewStore func(b *testing.B) store.Store
	// CountWindow runs one bare count(*) over the tenant's alerts created in
	// [from, to), the yardstick the Dashboard is compared against.
	CountWindow func(ctx context.Context, st store.Store, tenantID uuid.UUID, from, to time.Time) (int64, error)
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

// now is the pinned clock of every benchmark.
func benchNow() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

// alerts returns n alerts spread evenly over the 90 days before now, in
// created_at order.
func benchAlerts(r *rand.Rand, n int) []alertanalytics.AlertInput {
	return demo.Stream(r, n, benchNow().Add(-90*24*time.Hour), 90*24*time.Hour/time.Duration(n))
}

// seed fills tenant with n alerts and the interactions of demo.Responses.
func benchSeed(b *testing.B, svc *alertanalytics.Service, tenant uuid.UUID, n int, r *rand.Rand) {
	ctx := context.Background()
	in := benchAlerts(r, n)
	for i := 0; i < len(in); i += 1000 {
		if _, err := svc.RecordAlerts(ctx, tenant, in[i:min(i+1000, len(in))]); err != nil {
			b.Fatal(err)
		}
	}
	user := uuid.New()
	responses := demo.Responses(r, in, len(in))
	for i := 0; i < len(responses); i += 1000 {
		if _, err := svc.RecordInteractions(ctx, tenant, user, responses[i:min(i+1000, len(responses))]); err != nil {
			b.Fatal(err)
		}
	}
}

// runBenchmarks runs the benchmarks against the backend.
func runBenchmarks(b *testing.B, be benchBackend) {
	b.Run("IngestBatch1000", func(b *testing.B) { benchIngest(b, be) })
	b.Run("RecordInteraction", func(b *testing.B) { benchInteraction(b, be) })
	b.Run("Dashboard30d", func(b *testing.B) { benchDashboard(b, be) })
}

// benchIngest loads tenants of ALERTANALYTICS_BENCH_ALERTS alerts each,
// spread over 90 days as in the data set of section 8, so a small tenant's
// batch of 1,000 spans days of 15-minute buckets, as it does there.
func benchIngest(b *testing.B, be benchBackend) {
	svc := alertanalytics.New(be.NewStore(b), alertanalytics.Config{Clock: benchNow})
	r := rand.New(rand.NewPCG(1, 2))
	size := max(envInt(b, "ALERTANALYTICS_BENCH_ALERTS", 10000)/1000, 1) * 1000
	step := 90 * 24 * time.Hour / time.Duration(size)
	start := benchNow().Add(-90 * 24 * time.Hour)
	tenants := make([]uuid.UUID, 0, b.N*1000/size+1)
	batches := make([][]alertanalytics.AlertInput, 0, b.N)
	for i := range b.N {
		j := i % (size / 1000)
		if j == 0 {
			tenants = append(tenants, uuid.New())
		}
		batches = append(batches, demo.Stream(r, 1000, start.Add(time.Duration(j*1000)*step), step))
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := svc.RecordAlerts(context.Background(), tenants[i/(size/1000)], batches[i])
		if err != nil || res.Created != 1000 {
			b.Fatal(err, res.Created)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "alerts/s")
}

func benchInteraction(b *testing.B, be benchBackend) {
	svc := alertanalytics.New(be.NewStore(b), alertanalytics.Config{Clock: benchNow})
	r := rand.New(rand.NewPCG(3, 4))
	tenant := uuid.New()
	in := benchAlerts(r, max(b.N, 1))
	for i := 0; i < len(in); i += 1000 {
		if _, err := svc.RecordAlerts(context.Background(), tenant, in[i:min(i+1000, len(in))]); err != nil {
			b.Fatal(err)
		}
	}
	user := uuid.New()
	b.ResetTimer()
	for i := range b.N {
		if _, err := svc.RecordInteraction(context.Background(), tenant, in[i].ID, user,
			alertanalytics.InteractionInput{Type: "acknowledged"}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDashboard(b *testing.B, be benchBackend) {
	ctx := context.Background()
	st := be.NewStore(b)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: benchNow})
	r := rand.New(rand.NewPCG(5, 6))
	size := envInt(b, "ALERTANALYTICS_BENCH_ALERTS", 10000)
	noise := envInt(b, "ALERTANALYTICS_BENCH_NOISE", 0)
	tenant := uuid.New()
	benchSeed(b, svc, tenant, size, r)
	for i := 0; i < noise/10000; i++ {
		benchSeed(b, svc, uuid.New(), 10000, r)
	}
	w := alertanalytics.Window{Days: 30}
	from := benchNow().Add(-29 * 24 * time.Hour).Truncate(24 * time.Hour)
	name := fmt.Sprintf("tenant=%d/others=%d", size, noise)
	b.Run(name+"/Dashboard", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Dashboard(ctx, tenant, w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(name+"/CountStar", func(b *testing.B) {
		for b.Loop() {
			if _, err := be.CountWindow(ctx, st, tenant, from, benchNow()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSQLite runs the benchmarks on a WAL database file:
//
//	go test -run '^$' -bench SQLite -benchmem .
func BenchmarkSQLite(b *testing.B) {
	// The bare count(*) reads the file through a connection of its own.
	readers := map[store.Store]*sql.DB{}
	runBenchmarks(b, benchBackend{
		NewStore: func(b *testing.B) store.Store {
			path := filepath.Join(b.TempDir(), "bench.db")
			st, err := sqlite.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			if err := st.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			readers[st] = db
			return st
		},
		CountWindow: func(ctx context.Context, s store.Store, tenantID uuid.UUID, from, to time.Time) (int64, error) {
			var n int64
			err := readers[s].QueryRowContext(ctx, `SELECT count(*) FROM alertanalytics_alerts
				WHERE tenant_id = ? AND created_at >= ? AND created_at < ?`, tenantID[:], from.UnixMilli(), to.UnixMilli()).Scan(&n)
			return n, err
		},
	})
}

// BenchmarkPostgres runs the benchmarks on the test database:
//
//	ALERTANALYTICS_TEST_POSTGRES_URL=... go test -run '^$' -bench Postgres -benchmem .
func BenchmarkPostgres(b *testing.B) {
	pool := pgtest.Pool(b)
	runBenchmarks(b, benchBackend{
		NewStore: func(b *testing.B) store.Store { return newPostgresStore(b) },
		CountWindow: func(ctx context.Context, s store.Store, tenantID uuid.UUID, from, to time.Time) (int64, error) {
			var n int64
			err := pool.QueryRow(ctx, `SELECT count(*) FROM "`+s.(*postgres.Store).Schema()+`".alerts
				WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`, tenantID, from.UnixMilli(), to.UnixMilli()).Scan(&n)
			return n, err
		},
	})
}
