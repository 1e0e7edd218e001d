// Command load runs a sustained, mixed load against the HTTP API on
// loopback — the example server's stack, in this process — with vegeta as
// a library, then checks that every write landed and prints the latency
// percentiles of each kind of request:
//
//	go run ./examples/load                       # SQLite file in a temp folder, 200 req/s for 20 s
//	go run ./examples/load -rate 400 -duration 1m -postgres "$URL"
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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

func main() {
	rate := flag.Int("rate", 200, "requests per second")
	duration := flag.Duration("duration", 20*time.Second, "how long to attack")
	pgURL := flag.String("postgres", "", "PostgreSQL URL; SQLite in a temp folder when empty")
	flag.Parse()
	if err := run(context.Background(), *rate, *duration, *pgURL, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

const token = "load-token"

func openStore(ctx context.Context, pgURL string) (store.Store, func(), error) {
	if pgURL != "" {
		pool, err := postgres.Connect(ctx, pgURL)
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
	return st, func() { st.Close(); os.RemoveAll(dir) }, st.Migrate(ctx)
}

// kinds returns the kinds of request, for the report.
func kinds() []string { return []string{"alert", "batch", "interaction", "read"} }

func run(ctx context.Context, rate int, duration time.Duration, pgURL string, out io.Writer) error {
	st, closeStore, err := openStore(ctx, pgURL)
	if err != nil {
		return err
	}
	defer closeStore()
	svc := alertanalytics.New(st, alertanalytics.Config{})
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
	base := "http://" + ln.Addr().String()
	tenant := uuid.New()
	header := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}

	// The ids of alerts whose ingest was answered, for interactions.
	var (
		mu      sync.Mutex
		known   []uuid.UUID
		counter atomic.Uint64
	)
	pick := func() (uuid.UUID, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(known) == 0 {
			return uuid.Nil, false
		}
		return known[int(counter.Load())%len(known)], true
	}
	targeter := func(t *vegeta.Target) error {
		n := counter.Add(1)
		t.Header = header
		switch m := n % 20; {
		case m < 10:
			id := uuid.New()
			t.Method, t.URL = http.MethodPost, base+"/api/v1/tenants/"+tenant.String()+"/alerts"
			t.Body = []byte(`{"id":"` + id.String() + `","alert_type":"load","priority_level":"critical"}`)
		case m < 12:
			items := make([]string, 20)
			for i := range items {
				items[i] = `{"alert_type":"load_batch","category":"c` + fmt.Sprint(i%3) + `"}`
			}
			t.Method, t.URL = http.MethodPost, base+"/api/v1/tenants/"+tenant.String()+"/alerts/batch"
			t.Body = []byte(`{"alerts":[` + strings.Join(items, ",") + `]}`)
		case m < 17:
			id, ok := pick()
			if !ok {
				t.Method, t.URL, t.Body = http.MethodGet, base+"/api/v1/tenants/"+tenant.String()+"/alerts/analytics", nil
				break
			}
			t.Method, t.URL = http.MethodPost, base+"/api/v1/tenants/"+tenant.String()+"/alerts/"+id.String()+"/interactions"
			t.Body = []byte(`{"interaction_type":"acknowledged","idempotency_key":"load-` + fmt.Sprint(n) + `"}`)
		default:
			route := []string{"analytics/dashboard", "analytics", "analytics/compliance"}[n%3]
			t.Method, t.URL, t.Body = http.MethodGet, base+"/api/v1/tenants/"+tenant.String()+"/alerts/"+route, nil
		}
		return nil
	}
	attacker := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
	metrics := map[string]*vegeta.Metrics{}
	for _, k := range kinds() {
		metrics[k] = &vegeta.Metrics{}
	}
	var all vegeta.Metrics
	wrote := map[string]int{}
	var failures []string
	fmt.Fprintf(out, "attacking %s at %d req/s for %s\n", base, rate, duration)
	for res := range attacker.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, duration, "load") {
		kind := kindOf(res)
		metrics[kind].Add(res)
		all.Add(res)
		if res.Code < 200 || res.Code > 299 || res.Error != "" {
			if len(failures) < 5 {
				failures = append(failures, fmt.Sprintf("%s %s: %d %s %s", res.Method, res.URL, res.Code, res.Error, res.Body))
			}
			continue
		}
		wrote[kind]++
		if kind == "alert" {
			// Interactions go only to alerts whose ingest was answered.
			var a struct{ ID uuid.UUID }
			if json.Unmarshal(res.Body, &a) == nil {
				mu.Lock()
				known = append(known, a.ID)
				mu.Unlock()
			}
		}
	}
	all.Close()
	fmt.Fprintf(out, "\n%-12s %8s %8s %10s %10s %10s\n", "request", "count", "errors", "p50", "p99", "max")
	for _, k := range append(kinds(), "all") {
		m := &all
		if k != "all" {
			m = metrics[k]
			m.Close()
		}
		fmt.Fprintf(out, "%-12s %8d %8d %10s %10s %10s\n", k, m.Requests, m.Requests-uint64(float64(m.Requests)*m.Success+0.5),
			m.Latencies.P50.Round(10*time.Microsecond), m.Latencies.P99.Round(10*time.Microsecond), m.Latencies.Max.Round(10*time.Microsecond))
	}
	// No lost writes: every answered ingest and interaction is stored.
	counts, err := svc.PreviewTenantDeletion(ctx, tenant)
	if err != nil {
		return err
	}
	wantAlerts := int64(wrote["alert"] + 20*wrote["batch"])
	fmt.Fprintf(out, "\nstored: %d alerts (answered %d), %d interactions (answered %d)\n",
		counts.Alerts, wantAlerts, counts.AlertInteractions, wrote["interaction"])
	if err := svc.CheckTotals(ctx, tenant); err != nil {
		return fmt.Errorf("kept totals after the load: %w", err)
	}
	switch {
	case len(failures) > 0:
		return fmt.Errorf("%d requests failed, e.g. %s", all.Requests-uint64(float64(all.Requests)*all.Success+0.5), strings.Join(failures, "; "))
	case counts.Alerts != wantAlerts || counts.AlertInteractions != int64(wrote["interaction"]):
		return errors.New("lost writes")
	}
	fmt.Fprintln(out, "0 errors, 0 lost writes")
	return nil
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
