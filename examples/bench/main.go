// Command bench measures the targets of the "bakery SaaS" data set on one
// backend and prints medians and ratios measured in one run:
//
//	go run ./examples/bench                                  # SQLite file in a temp folder
//	go run ./examples/bench -postgres "$URL"                 # PostgreSQL, in a fresh schema
//	go run ./examples/bench -small-tenants 10 -large 100000  # a quicker, smaller run
//
// The data set: one measured tenant of -small-alerts alerts (with
// interactions), -small-tenants − 1 more of the same size, one large tenant
// of -large alerts and -large-interactions interactions, and extra tenants
// until -noise alerts belong to tenants other than the measured one. Every
// tenant's alerts arrive in created_at order with UUIDv7 ids, in batches of
// 1,000, over the 90 days before now.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/benchdata"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

type config struct {
	postgresURL                   string
	smallTenants, smallAlerts     int
	large, largeInteractions      int
	noise, runs, interactionCalls int
}

func main() {
	var c config
	flag.StringVar(&c.postgresURL, "postgres", "", "measure PostgreSQL at this URL instead of SQLite")
	flag.IntVar(&c.smallTenants, "small-tenants", 100, "tenants of -small-alerts alerts, the measured one included")
	flag.IntVar(&c.smallAlerts, "small-alerts", 10000, "alerts per small tenant")
	flag.IntVar(&c.large, "large", 1000000, "alerts of the large tenant")
	flag.IntVar(&c.largeInteractions, "large-interactions", 500000, "interactions of the large tenant")
	flag.IntVar(&c.noise, "noise", 10000000, "alerts of tenants other than the measured one, at least")
	flag.IntVar(&c.runs, "runs", 21, "timed runs per read measurement")
	flag.IntVar(&c.interactionCalls, "interaction-calls", 1000, "single interactions timed")
	flag.Parse()
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// backend is a store plus a way to run the bare count(*) yardstick.
type backend struct {
	name  string
	store store.Store
	count func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error)
	// settle brings the database to the steady state a live one sits in
	// after loading (PostgreSQL: what autovacuum does); nil when nothing is
	// owed.
	settle func(ctx context.Context) error
	close  func()
}

func openBackend(ctx context.Context, c config) (*backend, error) {
	if c.postgresURL != "" {
		pool, err := postgres.Connect(ctx, c.postgresURL)
		if err != nil {
			return nil, err
		}
		schema := "bench_" + time.Now().UTC().Format("20060102_150405")
		st, err := postgres.New(pool, postgres.Config{Schema: schema})
		if err == nil {
			err = st.Migrate(ctx)
		}
		if err != nil {
			pool.Close()
			return nil, err
		}
		settle := func(ctx context.Context) error {
			for _, table := range []string{"alerts", "alert_interactions", "audit_logs"} {
				if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+schema+`.`+table); err != nil {
					return err
				}
			}
			return nil
		}
		return &backend{name: "PostgreSQL schema " + schema, store: st, count: pgCount(pool, schema), settle: settle, close: func() {
			_, _ = pool.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			pool.Close()
		}}, nil
	}
	dir, err := os.MkdirTemp("", "alertanalytics-bench-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "bench.db")
	st, err := sqlite.Open(path)
	if err == nil {
		err = st.Migrate(ctx)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	return &backend{name: "SQLite file " + path, store: st, count: func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error) {
		var n int64
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM alertanalytics_alerts WHERE tenant_id = ? AND created_at >= ? AND created_at < ?`,
			tenant[:], from.UnixMilli(), to.UnixMilli()).Scan(&n)
		return n, err
	}, close: func() { db.Close(); st.Close(); os.RemoveAll(dir) }}, nil
}

func pgCount(pool *pgxpool.Pool, schema string) func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error) {
	return func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error) {
		var n int64
		err := pool.QueryRow(ctx, `SELECT count(*) FROM `+schema+`.alerts WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`,
			tenant, from.UnixMilli(), to.UnixMilli()).Scan(&n)
		return n, err
	}
}

// median runs fn twice to warm up, then runs times, and returns the median
// duration and the median bytes allocated per run.
func median(runs int, fn func() error) (time.Duration, uint64, error) {
	var times []time.Duration
	var allocs []uint64
	var ms runtime.MemStats
	for i := 0; i < runs+2; i++ {
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		began := time.Now()
		if err := fn(); err != nil {
			return 0, 0, err
		}
		d := time.Since(began)
		runtime.ReadMemStats(&ms)
		if i >= 2 {
			times = append(times, d)
			allocs = append(allocs, ms.TotalAlloc-before)
		}
	}
	slices.Sort(times)
	slices.Sort(allocs)
	return times[len(times)/2], allocs[len(allocs)/2], nil
}

type ingestStats struct{ batches []time.Duration }

func (s *ingestStats) rate() float64 {
	b := slices.Clone(s.batches)
	slices.Sort(b)
	return 1000 / b[len(b)/2].Seconds()
}

// ingest records n alerts for tenant in batches of 1,000 and their
// interactions (up to maxInteractions), timing each alert batch.
func ingest(ctx context.Context, svc *alertanalytics.Service, r *rand.Rand, tenant uuid.UUID, n, maxInteractions int, now time.Time, st *ingestStats) error {
	step := 90 * 24 * time.Hour / time.Duration(n)
	start := now.Add(-90 * 24 * time.Hour)
	user := uuid.New()
	recorded := 0
	for i := 0; i < n; i += 10000 {
		chunk := benchdata.Stream(r, min(10000, n-i), start.Add(time.Duration(i)*step), step)
		for j := 0; j < len(chunk); j += 1000 {
			began := time.Now()
			res, err := svc.RecordAlerts(ctx, tenant, chunk[j:min(j+1000, len(chunk))])
			if err != nil {
				return err
			}
			if len(res.Rejected) > 0 {
				return res.Rejected[0].Err
			}
			if st != nil {
				st.batches = append(st.batches, time.Since(began))
			}
		}
		responses := benchdata.Responses(r, chunk, maxInteractions-recorded)
		for j := 0; j < len(responses); j += 1000 {
			if _, err := svc.RecordInteractions(ctx, tenant, user, responses[j:min(j+1000, len(responses))]); err != nil {
				return err
			}
		}
		recorded += len(responses)
	}
	return nil
}

type dashboardResult struct {
	dashboard, count time.Duration
	bytes            uint64
	rows             int64
}

func measureDashboard(ctx context.Context, be *backend, svc *alertanalytics.Service, tenant uuid.UUID, now time.Time, runs int) (dashboardResult, error) {
	var r dashboardResult
	var err error
	w := alertanalytics.Window{Days: 30}
	from := time.Date(now.Year(), now.Month(), now.Day()-29, 0, 0, 0, 0, time.UTC)
	to := now.Add(time.Millisecond)
	if r.dashboard, r.bytes, err = median(runs, func() error { _, err := svc.Dashboard(ctx, tenant, w); return err }); err != nil {
		return r, err
	}
	r.count, _, err = median(runs, func() error { r.rows, err = be.count(ctx, tenant, from, to); return err })
	return r, err
}

func run(ctx context.Context, c config, out io.Writer) error {
	be, err := openBackend(ctx, c)
	if err != nil {
		return err
	}
	defer be.close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	svc := alertanalytics.New(be.store, alertanalytics.Config{Clock: func() time.Time { return now }})
	r := rand.New(rand.NewPCG(42, 7))
	fmt.Fprintf(out, "backend: %s (GOMAXPROCS %d)\n", be.name, runtime.GOMAXPROCS(0))

	// The measured tenant first, alone, for the noise ratio.
	measured := uuid.New()
	if err := ingest(ctx, svc, r, measured, c.smallAlerts, c.smallAlerts/2, now, nil); err != nil {
		return err
	}
	if be.settle != nil {
		if err := be.settle(ctx); err != nil {
			return err
		}
	}
	alone, err := measureDashboard(ctx, be, svc, measured, now, c.runs)
	if err != nil {
		return err
	}

	var smallIngest, largeIngest ingestStats
	others := 0
	began := time.Now()
	for i := 1; i < c.smallTenants; i++ {
		if err := ingest(ctx, svc, r, uuid.New(), c.smallAlerts, 0, now, &smallIngest); err != nil {
			return err
		}
		others += c.smallAlerts
	}
	large := uuid.New()
	if c.large > 0 {
		if err := ingest(ctx, svc, r, large, c.large, c.largeInteractions, now, &largeIngest); err != nil {
			return err
		}
		others += c.large
	}
	for others < c.noise {
		n := min(c.smallAlerts, c.noise-others)
		if err := ingest(ctx, svc, r, uuid.New(), n, 0, now, &smallIngest); err != nil {
			return err
		}
		others += n
	}
	fmt.Fprintf(out, "data set: %d alerts of other tenants loaded in %s\n", others, time.Since(began).Round(time.Second))
	if be.settle != nil {
		t0 := time.Now()
		if err := be.settle(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "VACUUM (ANALYZE) after loading, as autovacuum would: %s\n", time.Since(t0).Round(time.Second))
	}
	fmt.Fprintln(out)

	fmt.Fprintf(out, "%-58s %12s\n", "measure", "median")
	if len(largeIngest.batches) > 0 {
		fmt.Fprintf(out, "%-58s %9.0f/s\n", "bulk alert ingest, batches of 1,000 (large tenant)", largeIngest.rate())
	}
	if len(smallIngest.batches) > 0 {
		fmt.Fprintf(out, "%-58s %9.0f/s\n", "bulk alert ingest, batches of 1,000 (small tenants)", smallIngest.rate())
	}

	// Single interactions go to a tenant of their own, so the measured
	// tenant stays as it was when measured alone.
	clicks, ids := uuid.New(), benchdata.Stream(r, c.interactionCalls, now.Add(-time.Hour), time.Millisecond)
	if _, err := svc.RecordAlerts(ctx, clicks, ids); err != nil {
		return err
	}
	user := uuid.New()
	var lat []time.Duration
	for _, a := range ids {
		t0 := time.Now()
		if _, err := svc.RecordInteraction(ctx, clicks, a.ID, user, alertanalytics.InteractionInput{Type: "acknowledged"}); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	fmt.Fprintf(out, "%-58s %12s\n", "one interaction (status move + audit), p50", lat[len(lat)/2].Round(time.Microsecond))

	small, err := measureDashboard(ctx, be, svc, measured, now, c.runs)
	if err != nil {
		return err
	}
	report := func(label string, d dashboardResult) {
		fmt.Fprintf(out, "%-58s %12s\n", "Dashboard 30 days, "+label, d.dashboard.Round(10*time.Microsecond))
		fmt.Fprintf(out, "%-58s %12s\n", fmt.Sprintf("  bare count(*) over the same window (%d rows)", d.rows), d.count.Round(10*time.Microsecond))
		fmt.Fprintf(out, "%-58s %12.1f\n", "  Dashboard ÷ count(*)", float64(d.dashboard)/float64(d.count))
		fmt.Fprintf(out, "%-58s %12d\n", "  bytes allocated per Dashboard", d.bytes)
	}
	report(fmt.Sprintf("%d-alert tenant", c.smallAlerts), small)
	fmt.Fprintf(out, "%-58s %12.2f\n", fmt.Sprintf("  with %d rows of other tenants ÷ with none", others), float64(small.dashboard)/float64(alone.dashboard))
	if c.large > 0 {
		big, err := measureDashboard(ctx, be, svc, large, now, c.runs)
		if err != nil {
			return err
		}
		report(fmt.Sprintf("%d-alert tenant", c.large), big)

		before, err := svc.PreviewTenantDeletion(ctx, measured)
		if err != nil {
			return err
		}
		t0 := time.Now()
		receipt, err := svc.DeleteTenant(ctx, large, "bench")
		if err != nil {
			return err
		}
		took := time.Since(t0)
		after, err := svc.PreviewTenantDeletion(ctx, measured)
		if err != nil {
			return err
		}
		if before != after {
			return errors.New("deleting the large tenant changed another tenant's counts")
		}
		fmt.Fprintf(out, "%-58s %12s\n", fmt.Sprintf("delete the large tenant (%d rows), others untouched",
			receipt.Deleted.Alerts+receipt.Deleted.AlertInteractions+receipt.Deleted.AuditLogs), took.Round(time.Millisecond))
	}
	return nil
}
