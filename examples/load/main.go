// Command load runs a sustained, mixed load against the HTTP API on
// loopback — the example server's stack, in this process — with vegeta as
// a library, then checks that every write landed and prints the latency
// percentiles of each kind of request:
//
//	go run ./examples/load                       # SQLite file in a temp folder, 200 req/s for 20 s
//	go run ./examples/load -rate 400 -duration 1m -postgres "$URL"
//	go run ./examples/load -sweep -tenants 50 -postgres "$URL" -rtt 1ms   # PostgreSQL 1 ms away
//	go run ./examples/load -storm 2000 -duration 15s               # one tenant storming beside 20 quiet ones
//
// The mix: 50 % single alerts, 10 % alert batches of 20, 25 % interactions
// on alerts already stored, 15 % reads (dashboard, analytics, compliance).
// It exits 1 when a request failed or a write is missing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/internal/netdelay"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

func main() {
	var o options
	flag.IntVar(&o.rate, "rate", 200, "requests per second (with -sweep, the first rate)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long to attack (with -sweep, each rate)")
	flag.StringVar(&o.pgURL, "postgres", "", "PostgreSQL URL; SQLite in a temp folder when empty")
	flag.IntVar(&o.tenants, "tenants", 1, "spread the mix over this many tenants (1: one hot tenant)")
	flag.IntVar(&o.storm, "storm", 0, "one tenant storming with writes at this rate beside 20 quiet tenants at 40 req/s: "+
		"the quiet alone, the storm alone, both, -duration each, printed per class")
	flag.BoolVar(&o.apart, "storm-apart", false, "with -storm: the storming tenant's requests come from a child process at the lowest CPU priority "+
		"(nice 19), as from clients on other machines, instead of from this process")
	flag.StringVar(&o.stormChild, "storm-child", "", "internal: run as -storm-apart's child, storming this server URL")
	flag.StringVar(&o.stormTenant, "storm-tenant", "", "internal: the tenant -storm-child storms")
	flag.BoolVar(&o.sweep, "sweep", false, "step the rate up by -step until -max or two rates past the knee, and print the knee")
	flag.IntVar(&o.step, "step", 200, "with -sweep, how much each rate adds")
	flag.IntVar(&o.max, "max", 3000, "with -sweep, the last rate tried")
	flag.DurationVar(&o.rtt, "rtt", 0, "with -postgres: connections that add this round-trip time (half each way), and round trips counted")
	flag.IntVar(&o.pool, "pool", 0, "PostgreSQL pool size (pool_max_conns); 0 keeps the URL's or pgx's default")
	flag.IntVar(&o.maxWrites, "max-writes", 0, "alertanalytics.Config.MaxWrites (0: the default)")
	flag.IntVar(&o.maxReads, "max-reads", 0, "alertanalytics.Config.MaxReads (0: the default)")
	flag.DurationVar(&o.queueTimeout, "queue-timeout", 0, "alertanalytics.Config.QueueTimeout (0: the default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and load generator) to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if o.stormChild != "" {
		if err := stormChild(o); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	rate, tenants, step, max, pool int
	storm                          int
	maxWrites, maxReads            int
	duration, queueTimeout, rtt    time.Duration
	pgURL                          string
	sweep, apart                   bool
	stormChild, stormTenant        string
}

// kneeP99 is the latency the knee is judged by: the highest rate whose
// p99 over every request stays within it.
const kneeP99 = 50 * time.Millisecond

const token = "load-token"

// openStore opens the store the server runs on; with -rtt its
// connections to PostgreSQL go through counter.
func openStore(ctx context.Context, pgURL string, poolSize int, counter *netdelay.Counter) (store.Store, func(), error) {
	if pgURL != "" {
		cfg, err := postgres.PoolConfig(pgURL)
		if err != nil {
			return nil, nil, err
		}
		if poolSize > 0 {
			cfg.MaxConns = int32(poolSize)
		}
		if counter != nil {
			cfg.ConnConfig.DialFunc = counter.DialFunc()
		}
		pool, err := postgres.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		schema := "load_" + time.Now().UTC().Format("20060102_150405")
		st, err := postgres.New(pool, postgres.Config{Schema: schema})
		if err == nil {
			err = st.Migrate(ctx)
		}
		drop := func() {
			_, _ = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
			pool.Close()
		}
		return st, drop, err
	}
	dir, err := os.MkdirTemp("", "alertanalytics-load-")
	if err != nil {
		return nil, nil, err
	}
	st, err := sqlite.Open(filepath.Join(dir, "load.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	// The log's checkpoints run beside the server, as the example
	// server runs them (see sqlite.Store.RunCheckpoints).
	cpCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		_ = st.RunCheckpoints(cpCtx, 10*time.Millisecond) // returns when stopped
	}()
	return st, func() { stop(); <-cpDone; st.Close(); os.RemoveAll(dir) }, st.Migrate(ctx)
}

// kinds returns the kinds of request, for the report.
func kinds() []string { return []string{"alert", "batch", "interaction", "read"} }

// tally is what the attack got answered: 2xx answers per kind of write
// (to check against what is stored), and per step the failures other than
// a 503.
type tally struct {
	wrote    map[string]int
	failures []string
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.tenants < 1 {
		return errors.New("-tenants must be at least 1")
	}
	if o.rtt > 0 && o.pgURL == "" {
		return errors.New("-rtt needs -postgres")
	}
	var counter *netdelay.Counter
	if o.rtt > 0 {
		counter = &netdelay.Counter{RTT: o.rtt}
		fmt.Fprintf(out, "PostgreSQL %s away: every round trip to it delayed by the connections\n", o.rtt)
	}
	st, closeStore, err := openStore(ctx, o.pgURL, o.pool, counter)
	if err != nil {
		return err
	}
	defer closeStore()
	svc := alertanalytics.New(st, alertanalytics.Config{MaxWrites: o.maxWrites, MaxReads: o.maxReads, QueueTimeout: o.queueTimeout})
	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{token: {UserID: uuid.New(), AllTenants: true, Service: true}})
	if err != nil {
		return err
	}
	api, err := httpapi.New(svc, httpapi.Config{Authenticator: auth})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		<-served
	}()
	if o.storm > 0 {
		return runStorm(ctx, svc, "http://"+ln.Addr().String(), o.storm, o.duration, o.apart, out)
	}
	m := newMix("http://"+ln.Addr().String(), o.tenants)
	t := tally{wrote: map[string]int{}}
	if !o.sweep {
		before := counter.Trips()
		r := m.attack(o.rate, o.duration, &t, out)
		r.print(out)
		if counter != nil {
			fmt.Fprintf(out, "round trips to PostgreSQL: %.2f per request\n", float64(counter.Trips()-before)/float64(r.all.Requests))
		}
		if err := m.check(ctx, svc, &t, out); err != nil {
			return err
		}
		if len(t.failures) > 0 {
			return fmt.Errorf("%d requests failed, e.g. %s", r.errors, strings.Join(t.failures, "; "))
		}
		fmt.Fprintln(out, "0 errors, 0 lost writes")
		return nil
	}
	fmt.Fprintf(out, "sweep: %d tenant(s), %s per rate; knee = highest rate with p99 <= %s\n\n", o.tenants, o.duration, kneeP99)
	trips := ""
	if counter != nil {
		trips = fmt.Sprintf(" %11s", "round trips")
	}
	fmt.Fprintf(out, "%6s %8s %10s %10s %10s %10s %10s %10s %7s %6s%s\n", "rate", "requests", "write p50", "write p99", "read p50", "read p99", "all p99", "max", "errors", "503s", trips)
	// A short warm-up first: the pool opens its connections and the
	// statements get cached, which the first rate would otherwise pay.
	m.attack(100, 3*time.Second, &t, io.Discard)
	knee, past := 0, 0
	for rate := o.rate; rate <= o.max && past < 2; rate += o.step {
		t.failures = nil
		before := counter.Trips()
		r := m.attack(rate, o.duration, &t, io.Discard)
		if counter != nil {
			// Round trips per request, the requests refused included.
			trips = fmt.Sprintf(" %11.2f", float64(counter.Trips()-before)/float64(max(r.all.Requests, 1)))
		}
		fmt.Fprintf(out, "%6d %8d %10s %10s %10s %10s %10s %10s %7d %6d%s\n", rate, r.all.Requests, rnd(r.write.Latencies.P50), rnd(r.write.Latencies.P99),
			rnd(r.read.Latencies.P50), rnd(r.read.Latencies.P99), rnd(r.all.Latencies.P99), rnd(r.all.Latencies.Max), r.errors, r.shed, trips)
		if r.all.Latencies.P99 <= kneeP99 && r.errors == 0 && r.shed == 0 {
			knee, past = rate, 0
		} else {
			past++
		}
	}
	fmt.Fprintf(out, "\nknee: %d req/s\n", knee)
	return m.check(ctx, svc, &t, out)
}

// mix makes the requests of the load: 50 % single alerts, 10 % batches of
// 20, 25 % interactions on alerts already stored, 15 % reads, each for a
// tenant taken in turn.
type mix struct {
	base    string
	tenants []uuid.UUID
	header  http.Header
	counter atomic.Uint64
	mu      sync.Mutex
	known   [][]uuid.UUID // per tenant, the alerts whose ingest was answered
}

func newMix(base string, tenants int) *mix {
	m := &mix{base: base, header: http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}},
		known: make([][]uuid.UUID, tenants)}
	for range tenants {
		m.tenants = append(m.tenants, uuid.New())
	}
	return m
}

func (m *mix) pick(tenant int, n uint64) (uuid.UUID, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	known := m.known[tenant]
	if len(known) == 0 {
		return uuid.Nil, false
	}
	return known[int(n/uint64(len(m.tenants)))%len(known)], true
}

func (m *mix) target(t *vegeta.Target) error {
	n := m.counter.Add(1)
	ti := int(n % uint64(len(m.tenants)))
	prefix := m.base + "/api/v1/tenants/" + m.tenants[ti].String()
	t.Header = m.header
	switch k := (n / uint64(len(m.tenants))) % 20; {
	case k < 10:
		id := uuid.New()
		t.Method, t.URL = http.MethodPost, prefix+"/alerts"
		t.Body = []byte(`{"id":"` + id.String() + `","alert_type":"load","priority_level":"critical"}`)
	case k < 12:
		items := make([]string, 20)
		for i := range items {
			items[i] = `{"alert_type":"load_batch","category":"c` + fmt.Sprint(i%3) + `"}`
		}
		t.Method, t.URL = http.MethodPost, prefix+"/alerts/batch"
		t.Body = []byte(`{"alerts":[` + strings.Join(items, ",") + `]}`)
	case k < 17:
		id, ok := m.pick(ti, n)
		if !ok {
			t.Method, t.URL, t.Body = http.MethodGet, prefix+"/alerts/analytics", nil
			break
		}
		t.Method, t.URL = http.MethodPost, prefix+"/alerts/"+id.String()+"/interactions"
		t.Body = []byte(`{"interaction_type":"acknowledged","idempotency_key":"load-` + fmt.Sprint(n) + `"}`)
	default:
		route := []string{"analytics/dashboard", "analytics", "analytics/compliance"}[n%3]
		t.Method, t.URL, t.Body = http.MethodGet, prefix+"/alerts/"+route, nil
	}
	return nil
}

// result is one attack's latencies: per kind, writes, reads and all.
type result struct {
	kinds            map[string]*vegeta.Metrics
	write, read, all vegeta.Metrics
	firstSecond      vegeta.Metrics // the requests sent in the attack's first second
	errors, shed     int
}

func (m *mix) attack(rate int, duration time.Duration, t *tally, out io.Writer) *result {
	attacker := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
	r := &result{kinds: map[string]*vegeta.Metrics{}}
	for _, k := range kinds() {
		r.kinds[k] = &vegeta.Metrics{}
	}
	fmt.Fprintf(out, "attacking %s at %d req/s for %s, %d tenant(s)\n", m.base, rate, duration, len(m.tenants))
	var began time.Time
	for res := range attacker.Attack(m.target, vegeta.Rate{Freq: rate, Per: time.Second}, duration, "load") {
		if began.IsZero() || res.Timestamp.Before(began) {
			began = res.Timestamp
		}
		if res.Timestamp.Sub(began) < time.Second {
			r.firstSecond.Add(res)
		}
		kind := kindOf(res)
		r.kinds[kind].Add(res)
		r.all.Add(res)
		if kind == "read" {
			r.read.Add(res)
		} else {
			r.write.Add(res)
		}
		if res.Code == http.StatusServiceUnavailable {
			r.shed++ // refused for overload: nothing written, by contract
			continue
		}
		if res.Code < 200 || res.Code > 299 || res.Error != "" {
			r.errors++
			if len(t.failures) < 5 {
				t.failures = append(t.failures, fmt.Sprintf("%s %s: %d %s %s", res.Method, res.URL, res.Code, res.Error, res.Body))
			}
			continue
		}
		t.wrote[kind]++
		if kind == "alert" {
			// Interactions go only to alerts whose ingest was answered.
			var a struct {
				ID       uuid.UUID
				TenantID uuid.UUID `json:"tenant_id"`
			}
			if json.Unmarshal(res.Body, &a) == nil {
				m.mu.Lock()
				for i, tenant := range m.tenants {
					if tenant == a.TenantID {
						m.known[i] = append(m.known[i], a.ID)
					}
				}
				m.mu.Unlock()
			}
		}
	}
	for _, mt := range r.kinds {
		mt.Close()
	}
	r.write.Close()
	r.read.Close()
	r.all.Close()
	r.firstSecond.Close()
	return r
}

func (r *result) print(out io.Writer) {
	fmt.Fprintf(out, "\n%-12s %8s %8s %6s %10s %10s %10s\n", "request", "count", "errors", "503s", "p50", "p99", "max")
	row := func(name string, m *vegeta.Metrics) {
		shed := m.StatusCodes["503"]
		fmt.Fprintf(out, "%-12s %8d %8d %6d %10s %10s %10s\n", name, m.Requests, int(m.Requests)-int(float64(m.Requests)*m.Success+0.5)-shed, shed,
			rnd(m.Latencies.P50), rnd(m.Latencies.P99), rnd(m.Latencies.Max))
	}
	for _, k := range kinds() {
		row(k, r.kinds[k])
	}
	row("all", &r.all)
	row("first second", &r.firstSecond)
}

// check compares what was stored with what was answered 2xx, over every
// tenant: no lost write (a 2xx not stored) and nothing written for a 503.
func (m *mix) check(ctx context.Context, svc *alertanalytics.Service, t *tally, out io.Writer) error {
	var stored alertanalytics.TenantCounts
	for _, tenant := range m.tenants {
		c, err := svc.PreviewTenantDeletion(ctx, tenant)
		if err != nil {
			return err
		}
		stored.Alerts += c.Alerts
		stored.AlertInteractions += c.AlertInteractions
		if err := svc.CheckTotals(ctx, tenant); err != nil {
			return fmt.Errorf("kept totals after the load: %w", err)
		}
	}
	wantAlerts := int64(t.wrote["alert"] + 20*t.wrote["batch"])
	fmt.Fprintf(out, "\nstored: %d alerts (answered %d), %d interactions (answered %d); kept totals exact\n",
		stored.Alerts, wantAlerts, stored.AlertInteractions, t.wrote["interaction"])
	if stored.Alerts != wantAlerts || stored.AlertInteractions != int64(t.wrote["interaction"]) {
		return errors.New("lost writes, or writes stored for a refused request")
	}
	return nil
}

func rnd(d time.Duration) time.Duration {
	if d >= 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

func kindOf(res *vegeta.Result) string {
	switch {
	case res.Method == http.MethodGet:
		return "read"
	case strings.HasSuffix(res.URL, "/alerts/batch"):
		return "batch"
	case strings.HasSuffix(res.URL, "/interactions"):
		return "interaction"
	}
	return "alert"
}
