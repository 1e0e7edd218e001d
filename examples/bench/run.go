package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
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
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/internal/netdelay"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// dataSet is the sizes of one run.
type dataSet struct {
	smallTenants, smallAlerts int
	large, largeInteractions  int
	curve                     []int // further single tenants, for the cost curve
	interactionCalls          int
}

func sizes(quick bool) dataSet {
	if quick {
		return dataSet{smallTenants: 10, smallAlerts: 10000, large: 100000, largeInteractions: 50000,
			curve: []int{10000, 1000000}, interactionCalls: 300}
	}
	return dataSet{smallTenants: 100, smallAlerts: 10000, large: 1000000, largeInteractions: 500000,
		curve: []int{100000, 10000000}, interactionCalls: 1000}
}

func (d dataSet) total() int {
	n := d.smallTenants*d.smallAlerts + d.large
	for _, c := range d.curve {
		n += c
	}
	return n
}

// backend is a store plus the bare count(*) yardstick.
type backend struct {
	name, short string
	store       store.Store
	count       func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error)
	// settle brings the database to the steady state a live one sits in
	// after loading (PostgreSQL: what autovacuum does); nil when nothing is
	// owed.
	settle func(ctx context.Context) error
	close  func()
	// near and far are the store again through two pools opened alike
	// for -rtt: near's connections reach the database directly, far's add
	// the -rtt round-trip time; nearCounter and counter count their round
	// trips. Both nil without -rtt.
	near, far            store.Store
	nearCounter, counter *netdelay.Counter
}

func openBackend(ctx context.Context, c config) (*backend, error) {
	if c.postgresURL != "" {
		pool, err := postgres.Connect(ctx, c.postgresURL)
		if err != nil {
			return nil, err
		}
		schema := "bench_" + time.Now().UTC().Format("20060102_150405")
		st, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: c.citus})
		if err == nil {
			err = st.Migrate(ctx)
		}
		drop := func() {
			_, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
			pool.Close()
		}
		if err != nil {
			drop()
			return nil, err
		}
		settle := func(ctx context.Context) error {
			_, err := pool.Exec(ctx, `VACUUM (ANALYZE)`)
			return err
		}
		be := &backend{name: "PostgreSQL schema " + schema, short: "postgres", store: st, count: pgCount(pool, schema),
			settle: settle, close: drop}
		if c.rtt > 0 {
			if err := be.openNetwork(ctx, c, schema); err != nil {
				drop()
				return nil, err
			}
		}
		return be, nil
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
		st.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &backend{name: "SQLite file " + path, short: "sqlite", store: st, count: func(ctx context.Context, tenant uuid.UUID, from, to time.Time) (int64, error) {
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

// timing is the median and p90 of repeated runs of a read, and the median
// bytes it allocated.
type timing struct {
	median, p90 time.Duration
	bytes       uint64
}

// timeRuns runs fn twice to warm up, then runs times.
func timeRuns(ctx context.Context, runs int, fn func() error) (timing, error) {
	var (
		times  []time.Duration
		allocs []uint64
		ms     runtime.MemStats
	)
	for i := 0; i < runs+2; i++ {
		if err := ctx.Err(); err != nil {
			return timing{}, err
		}
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		began := time.Now()
		if err := fn(); err != nil {
			return timing{}, err
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
	return timing{median: times[len(times)/2], p90: times[len(times)*9/10], bytes: allocs[len(allocs)/2]}, nil
}

// loader ingests tenants and reports progress on stderr.
type loader struct {
	svc      *alertanalytics.Service
	r        *rand.Rand
	now      time.Time
	progress io.Writer
	total    int
	done     int
	began    time.Time
	last     time.Time
	// batch rates of the large tenant and of the others, alerts/s
	largeRates, smallRates []float64
}

func (l *loader) report() {
	if time.Since(l.last) < 2*time.Second && l.done < l.total {
		return
	}
	l.last = time.Now()
	elapsed := time.Since(l.began)
	rate := float64(l.done) / elapsed.Seconds()
	left := time.Duration(float64(l.total-l.done)/rate) * time.Second
	fmt.Fprintf(l.progress, "loading: %d of %d alerts, %.0f/s, about %s left\n", l.done, l.total, rate, left.Round(time.Second))
}

// ingest records n alerts for tenant in batches of 1,000, and up to
// maxInteractions interactions spread evenly over them, in created_at
// order over the last 90 days.
func (l *loader) ingest(ctx context.Context, tenant uuid.UUID, n, maxInteractions int, rates *[]float64) error {
	step := 90 * 24 * time.Hour / time.Duration(n)
	start := l.now.Add(-90 * 24 * time.Hour)
	// Eight people share the on-call load, a batch of 1,000 each in turn.
	users := make([]uuid.UUID, 8)
	for i := range users {
		users[i] = uuid.New()
	}
	recorded := 0
	for i := 0; i < n; i += 10000 {
		chunk := demo.Stream(l.r, min(10000, n-i), start.Add(time.Duration(i)*step), step)
		for j := 0; j < len(chunk); j += 1000 {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch := chunk[j:min(j+1000, len(chunk))]
			began := time.Now()
			res, err := l.svc.RecordAlerts(ctx, tenant, batch)
			if err != nil {
				return err
			}
			if len(res.Rejected) > 0 {
				return res.Rejected[0].Err
			}
			if rates != nil && len(batch) == 1000 {
				*rates = append(*rates, 1000/time.Since(began).Seconds())
			}
			l.done += len(batch)
			l.report()
		}
		// Interactions spread over the tenant's whole stream, as many per
		// chunk as its share, so every window holds response times.
		responses := demo.Responses(l.r, chunk, min(maxInteractions-recorded, len(chunk)*maxInteractions/n))
		for j := 0; j < len(responses); j += 1000 {
			user := users[(recorded/1000+j/1000)%len(users)]
			if _, err := l.svc.RecordInteractions(ctx, tenant, user, responses[j:min(j+1000, len(responses))]); err != nil {
				return err
			}
		}
		recorded += len(responses)
	}
	return nil
}

func percentile(values []float64, p int) float64 {
	v := slices.Clone(values)
	slices.Sort(v)
	return v[(len(v)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func run(ctx context.Context, c config, out, progress io.Writer) error {
	be, err := openBackend(ctx, c)
	if err != nil {
		return err
	}
	defer be.close()
	ds := sizes(c.quick)
	now := time.Now().UTC().Truncate(time.Millisecond)
	svc := alertanalytics.New(be.store, alertanalytics.Config{Clock: func() time.Time { return now }})
	l := &loader{svc: svc, r: rand.New(rand.NewPCG(42, 7)), now: now, progress: progress, total: ds.total(), began: time.Now()}
	fmt.Fprintf(progress, "backend: %s (GOMAXPROCS %d), %d alerts to load\n", be.name, runtime.GOMAXPROCS(0), l.total)

	p := &printer{out: out, json: c.json, backend: be.short}
	window := alertanalytics.Window{Days: 30}
	dashboard := func(tenant uuid.UUID) (timing, error) {
		return timeRuns(ctx, c.runs, func() error { _, err := svc.Dashboard(ctx, tenant, window); return err })
	}

	// The measured tenant first, alone, for the noise ratio.
	measured := uuid.New()
	if err := l.ingest(ctx, measured, ds.smallAlerts, ds.smallAlerts/2, &l.smallRates); err != nil {
		return err
	}
	if be.settle != nil {
		if err := be.settle(ctx); err != nil {
			return err
		}
	}
	alone, err := dashboard(measured)
	if err != nil {
		return err
	}
	for i := 1; i < ds.smallTenants; i++ {
		if err := l.ingest(ctx, uuid.New(), ds.smallAlerts, 0, &l.smallRates); err != nil {
			return err
		}
	}
	large := uuid.New()
	if err := l.ingest(ctx, large, ds.large, ds.largeInteractions, &l.largeRates); err != nil {
		return err
	}
	curve := make([]uuid.UUID, len(ds.curve))
	for i, n := range ds.curve {
		curve[i] = uuid.New()
		if err := l.ingest(ctx, curve[i], n, 0, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(progress, "loaded %d alerts in %s\n", l.done, time.Since(l.began).Round(time.Second))
	if be.settle != nil {
		t0 := time.Now()
		if err := be.settle(ctx); err != nil {
			return err
		}
		fmt.Fprintf(progress, "VACUUM (ANALYZE) after loading, as autovacuum would: %s\n", time.Since(t0).Round(time.Second))
	}

	p.header()
	p.add(measure{Name: "bulk alert ingest, batches of 1,000 (large tenant)", Unit: "/s", Median: percentile(l.largeRates, 50),
		P90: percentile(l.largeRates, 10), Target: "≥ 100,000/s", Met: percentile(l.largeRates, 50) >= 100000})
	p.add(measure{Name: "bulk alert ingest, batches of 1,000 (small tenants)", Unit: "/s", Median: percentile(l.smallRates, 50),
		P90: percentile(l.smallRates, 10), Target: "≥ 100,000/s", Met: percentile(l.smallRates, 50) >= 100000})

	if err := measureInteraction(ctx, svc, l, ds, p, be.short); err != nil {
		return err
	}

	small, err := dashboard(measured)
	if err != nil {
		return err
	}
	p.add(measure{Name: fmt.Sprintf("Dashboard 30 days, %d-alert tenant", ds.smallAlerts), Unit: "ms", Median: ms(small.median),
		P90: ms(small.p90), Target: "≤ 2 ms", Met: small.median <= 2*time.Millisecond})
	noise := float64(small.median) / float64(alone.median)
	p.add(measure{Name: fmt.Sprintf("  with %d alerts of other tenants ÷ with none", l.total-ds.smallAlerts), Median: noise,
		Target: "≤ 1.2", Met: noise <= 1.2})

	big, err := dashboard(large)
	if err != nil {
		return err
	}
	p.add(measure{Name: fmt.Sprintf("Dashboard 30 days, %d-alert tenant", ds.large), Unit: "ms", Median: ms(big.median),
		P90: ms(big.p90), Target: "≤ 25 ms", Met: big.median <= 25*time.Millisecond})
	from := time.Date(now.Year(), now.Month(), now.Day()-29, 0, 0, 0, 0, time.UTC)
	var rows int64
	count, err := timeRuns(ctx, c.runs, func() (err error) { rows, err = be.count(ctx, large, from, now.Add(time.Millisecond)); return err })
	if err != nil {
		return err
	}
	ratio := float64(big.median) / float64(count.median)
	p.add(measure{Name: fmt.Sprintf("  ÷ one bare count(*) over its window (%d rows, %.2f ms)", rows, ms(count.median)),
		Median: ratio, Target: "≤ 1", Met: ratio <= 1})
	bytesRatio := float64(big.bytes) / float64(small.bytes)
	p.add(measure{Name: "  bytes allocated per Dashboard", Unit: "bytes", Median: float64(big.bytes), Target: "flat", Met: bytesRatio <= 1.5})
	p.add(measure{Name: fmt.Sprintf("  ÷ bytes per Dashboard of the %d-alert tenant", ds.smallAlerts), Median: bytesRatio,
		Target: "≤ 1.5 (flat)", Met: bytesRatio <= 1.5})
	// The cost curve's tenants hold alerts only (no interactions, which
	// would take the 10,000,000-alert tenant hours to load); the ratio
	// between two of them compares like with like.
	var first timing
	for i, n := range ds.curve {
		t, err := dashboard(curve[i])
		if err != nil {
			return err
		}
		p.add(measure{Name: fmt.Sprintf("Dashboard 30 days, %d-alert tenant (cost curve, no interactions)", n), Unit: "ms", Median: ms(t.median),
			P90: ms(t.p90), Target: "—", Met: true})
		if i == 0 {
			first = t
			continue
		}
		r := float64(t.median) / float64(first.median)
		p.add(measure{Name: fmt.Sprintf("  ÷ the %d-alert tenant's (%d× the alerts)", ds.curve[0], n/ds.curve[0]), Median: r,
			Target: "≤ 2 (cost follows days)", Met: r <= 2})
	}
	if err := measureReads(ctx, svc, large, ds.large, c.runs, p); err != nil {
		return err
	}
	if err := measureInsights(ctx, svc, measured, ds.smallAlerts, c.runs, p); err != nil {
		return err
	}
	if err := measureInsights(ctx, svc, large, ds.large, c.runs, p); err != nil {
		return err
	}
	if err := measureExport(ctx, svc, large, ds.large, p); err != nil {
		return err
	}
	if be.far != nil {
		nearSvc := alertanalytics.New(be.near, alertanalytics.Config{Clock: func() time.Time { return now }})
		farSvc := alertanalytics.New(be.far, alertanalytics.Config{Clock: func() time.Time { return now }})
		n := &network{near: nearSvc, far: farSvc, counter: be.counter, rtt: c.rtt, runs: c.runs, out: out, json: c.json, l: l}
		if err := n.measure(ctx, measured, large, ds); err != nil {
			return err
		}
		p.missed += n.missed
	}
	if err := measureDeletion(ctx, svc, measured, large, ds, p); err != nil {
		return err
	}
	if p.missed > 0 && !c.json {
		fmt.Fprintf(out, "\n%d measure(s) missed their target\n", p.missed)
	}
	return nil
}

// measureInteraction times single interactions on a tenant of their own,
// so the measured tenant stays as it was when measured alone.
func measureInteraction(ctx context.Context, svc *alertanalytics.Service, l *loader, ds dataSet, p *printer, short string) error {
	clicks, ids := uuid.New(), demo.Stream(l.r, ds.interactionCalls, l.now.Add(-time.Hour), time.Millisecond)
	if _, err := svc.RecordAlerts(ctx, clicks, ids); err != nil {
		return err
	}
	user := uuid.New()
	var lat []float64
	for _, a := range ids {
		t0 := time.Now()
		if _, err := svc.RecordInteraction(ctx, clicks, a.ID, user, alertanalytics.InteractionInput{Type: "acknowledged"}); err != nil {
			return err
		}
		lat = append(lat, ms(time.Since(t0)))
	}
	limit := 1.0
	if short == "postgres" {
		limit = 2
	}
	p.add(measure{Name: "one interaction (status move + audit), p50", Unit: "ms", Median: percentile(lat, 50), P90: percentile(lat, 90),
		Target: fmt.Sprintf("≤ %.0f ms", limit), Met: percentile(lat, 50) <= limit})
	return nil
}

// measureReads times the other reads of the large tenant.
func measureReads(ctx context.Context, svc *alertanalytics.Service, large uuid.UUID, size, runs int, p *printer) error {
	window := alertanalytics.Window{Days: 30}
	for _, r := range []struct {
		name  string
		limit time.Duration
		read  func() error
	}{
		{"Trends 30 days", 25 * time.Millisecond, func() error { _, err := svc.Trends(ctx, large, window); return err }},
		{"Analytics 30 days (top categories included)", 50 * time.Millisecond, func() error { _, err := svc.Analytics(ctx, large, window); return err }},
	} {
		t, err := timeRuns(ctx, runs, r.read)
		if err != nil {
			return err
		}
		p.add(measure{Name: fmt.Sprintf("%s, %d-alert tenant", r.name, size), Unit: "ms", Median: ms(t.median), P90: ms(t.p90),
			Target: fmt.Sprintf("≤ %d ms", r.limit/time.Millisecond), Met: t.median <= r.limit})
	}
	return nil
}

// measureInsights times the insights of section 10 for one tenant.
func measureInsights(ctx context.Context, svc *alertanalytics.Service, tenant uuid.UUID, size, runs int, p *printer) error {
	window := alertanalytics.Window{Days: 30}
	for _, r := range []struct {
		name  string
		limit time.Duration
		read  func() error
	}{
		{"compliance 30 days", 25 * time.Millisecond, func() error {
			_, err := svc.Compliance(ctx, tenant, window, alertanalytics.Targets{})
			return err
		}},
		{"hours 30 days", 25 * time.Millisecond, func() error {
			_, err := svc.Hours(ctx, tenant, window, alertanalytics.HoursOptions{})
			return err
		}},
		{"breakdown by category 30 days", 300 * time.Millisecond, func() error {
			_, err := svc.Breakdown(ctx, tenant, window, alertanalytics.ByCategory, 10)
			return err
		}},
		{"noisy 30 days", 300 * time.Millisecond, func() error { _, err := svc.Noisy(ctx, tenant, window, 10); return err }},
		{"people 30 days", 300 * time.Millisecond, func() error {
			_, err := svc.People(ctx, tenant, window, alertanalytics.PeopleOptions{})
			return err
		}},
		{"flapping 30 days", 300 * time.Millisecond, func() error {
			_, err := svc.Flapping(ctx, tenant, window, alertanalytics.FlappingOptions{})
			return err
		}},
		{"digest 7 days", 0, func() error { _, err := svc.Digest(ctx, tenant, alertanalytics.Window{Days: 7}); return err }},
	} {
		t, err := timeRuns(ctx, max(runs/3, 3), r.read)
		if err != nil {
			return err
		}
		m := measure{Name: fmt.Sprintf("%s, %d-alert tenant", r.name, size), Unit: "ms", Median: ms(t.median), P90: ms(t.p90),
			Target: "—", Met: true}
		if r.limit > 0 {
			m.Target, m.Met = fmt.Sprintf("≤ %d ms", r.limit/time.Millisecond), t.median <= r.limit
		}
		p.add(m)
	}
	return nil
}

// measureExport streams the large tenant's alerts to a discarding writer,
// once as NDJSON and once as CSV, and reports rows per second and the
// bytes allocated per row (the Go heap's total allocation over the run,
// divided by the rows: garbage, not what stays in use).
func measureExport(ctx context.Context, svc *alertanalytics.Service, large uuid.UUID, size int, p *printer) error {
	for _, format := range []alertanalytics.ExportFormat{alertanalytics.NDJSON, alertanalytics.CSV} {
		var rows lineCounter
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		if err := svc.Export(ctx, large, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts, Format: format}, &rows); err != nil {
			return err
		}
		took := time.Since(t0)
		runtime.ReadMemStats(&after)
		n := rows.lines
		if format == alertanalytics.CSV {
			n-- // the header line
		}
		if n <= 0 {
			return fmt.Errorf("export %s wrote no rows", format)
		}
		rate := float64(n) / took.Seconds()
		perRow := float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
		p.add(measure{Name: fmt.Sprintf("export %s, %d-alert tenant (%d rows)", format, size, n), Unit: "rows/s", Median: rate,
			Target: "≥ 200,000 rows/s", Met: rate >= 200000})
		p.add(measure{Name: "  bytes allocated per row", Unit: "bytes", Median: perRow, Target: "≤ 600 B", Met: perRow <= 600})
	}
	return nil
}

// lineCounter counts the lines written to it and keeps nothing.
type lineCounter struct{ lines int }

func (c *lineCounter) Write(b []byte) (int, error) {
	c.lines += bytes.Count(b, []byte{'\n'})
	return len(b), nil
}

// measureDeletion deletes the large tenant and checks another is untouched.
func measureDeletion(ctx context.Context, svc *alertanalytics.Service, measured, large uuid.UUID, ds dataSet, p *printer) error {
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
	p.add(measure{Name: fmt.Sprintf("delete the %d-alert tenant (%d rows), others untouched", ds.large, receipt.Deleted.Total()),
		Unit: "s", Median: took.Seconds(), Target: "≤ 20 s", Met: took <= 20*time.Second})
	return nil
}
