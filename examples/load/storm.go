package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alertanalytics/alertanalytics"
)

// quietRate is the quiet tenants' rate in all: writes and dashboard reads.
const quietRate = 40

// storm is one tenant storming the API with writes (single alerts and
// batches of 20) beside quiet tenants that each write alerts and open
// their dashboard now and then: the shape of one customer's incident on a
// shared server.
type storm struct {
	base   string
	header http.Header
	hot    uuid.UUID
	quiet  []uuid.UUID
	n      atomic.Uint64
	mu     sync.Mutex
	wrote  map[uuid.UUID]int64 // alerts answered 2xx, per tenant
}

func newStorm(base string, quiet int) *storm {
	s := &storm{base: base, header: http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}},
		hot: uuid.New(), wrote: map[uuid.UUID]int64{}}
	for range quiet {
		s.quiet = append(s.quiet, uuid.New())
	}
	return s
}

// hotTarget: 80 % single alerts, 20 % batches of 20, all for the hot tenant.
func (s *storm) hotTarget(t *vegeta.Target) error {
	n := s.n.Add(1)
	prefix := s.base + "/api/v1/tenants/" + s.hot.String()
	t.Header = s.header
	if n%5 == 0 {
		items := make([]string, 20)
		for i := range items {
			items[i] = `{"alert_type":"storm_batch","category":"c` + fmt.Sprint(i%3) + `"}`
		}
		t.Method, t.URL, t.Body = http.MethodPost, prefix+"/alerts/batch", []byte(`{"alerts":[`+strings.Join(items, ",")+`]}`)
		return nil
	}
	t.Method, t.URL, t.Body = http.MethodPost, prefix+"/alerts", []byte(`{"alert_type":"storm","priority_level":"critical"}`)
	return nil
}

// quietTarget: the quiet tenants in turn, each writing an alert and then
// opening its dashboard.
func (s *storm) quietTarget(t *vegeta.Target) error {
	n := s.n.Add(1)
	tenant := s.quiet[int(n/2)%len(s.quiet)]
	prefix := s.base + "/api/v1/tenants/" + tenant.String()
	t.Header = s.header
	if n%2 == 0 {
		t.Method, t.URL, t.Body = http.MethodPost, prefix+"/alerts", []byte(`{"alert_type":"quiet","priority_level":"standard"}`)
		return nil
	}
	t.Method, t.URL, t.Body = http.MethodGet, prefix+"/alerts/analytics/dashboard", nil
	return nil
}

// class is what one class of requests got.
type class struct {
	name                  string
	requests, ok, refused int
	other                 int
	latencies             vegeta.Metrics
}

func (c *class) add(res *vegeta.Result) {
	c.requests++
	c.latencies.Add(res)
	switch {
	case res.Code >= 200 && res.Code < 300:
		c.ok++
	case res.Code == http.StatusServiceUnavailable:
		c.refused++
	default:
		c.other++
	}
}

// phase runs the hot and the quiet attacks side by side (a rate of 0
// leaves one out) and returns the classes: the hot tenant's writes, the
// quiet tenants' writes and their reads.
func (s *storm) phase(hotRate int, quiet bool, duration time.Duration) []*class {
	hot, qw, qr := &class{name: "hot writes"}, &class{name: "quiet writes"}, &class{name: "quiet reads"}
	var wg sync.WaitGroup
	attack := func(rate int, target vegeta.Targeter, onResult func(*vegeta.Result)) {
		wg.Go(func() {
			a := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
			for res := range a.Attack(target, vegeta.Rate{Freq: rate, Per: time.Second}, duration, "storm") {
				onResult(res)
			}
		})
	}
	var mu sync.Mutex
	if hotRate > 0 {
		attack(hotRate, s.hotTarget, func(res *vegeta.Result) {
			mu.Lock()
			defer mu.Unlock()
			hot.add(res)
			s.count(res)
		})
	}
	if quiet {
		attack(quietRate, s.quietTarget, func(res *vegeta.Result) {
			mu.Lock()
			defer mu.Unlock()
			if res.Method == http.MethodGet {
				qr.add(res)
				return
			}
			qw.add(res)
			s.count(res)
		})
	}
	wg.Wait()
	for _, c := range []*class{hot, qw, qr} {
		c.latencies.Close()
	}
	return []*class{hot, qw, qr}
}

// count notes the alerts a 2xx write answered, for the check.
func (s *storm) count(res *vegeta.Result) {
	if res.Code < 200 || res.Code > 299 {
		return
	}
	tenant := s.hot
	for _, q := range s.quiet {
		if strings.Contains(res.URL, q.String()) {
			tenant = q
		}
	}
	n := int64(1)
	if strings.HasSuffix(res.URL, "/alerts/batch") {
		n = 20
	}
	s.mu.Lock()
	s.wrote[tenant] += n
	s.mu.Unlock()
}

// runStorm runs the quiet tenants alone, the hot tenant alone, and both
// together, each for duration, prints every class of each, and checks that
// every 2xx was stored and no 503 was.
func runStorm(ctx context.Context, svc *alertanalytics.Service, base string, hotRate int, duration time.Duration, out io.Writer) error {
	s := newStorm(base, 20)
	fmt.Fprintf(out, "storm: one tenant writing at %d req/s (80 %% alerts, 20 %% batches of 20) beside %d quiet tenants at %d req/s in all (alerts and dashboards), %s per phase\n",
		hotRate, len(s.quiet), quietRate, duration)
	// A short warm-up: connections opened, statements prepared.
	s.phase(hotRate/10, true, 2*time.Second)
	fmt.Fprintf(out, "\n%-22s %-13s %8s %8s %8s %7s %10s %10s %8s\n", "phase", "class", "requests", "2xx", "503", "other", "p50", "p99", "2xx/s")
	for _, ph := range []struct {
		name  string
		hot   int
		quiet bool
	}{{"quiet tenants alone", 0, true}, {"storm alone", hotRate, false}, {"storm and quiet", hotRate, true}} {
		for _, c := range s.phase(ph.hot, ph.quiet, duration) {
			if c.requests == 0 {
				continue
			}
			fmt.Fprintf(out, "%-22s %-13s %8d %8d %8d %7d %10s %10s %8.0f\n", ph.name, c.name, c.requests, c.ok, c.refused, c.other,
				rnd(c.latencies.Latencies.P50), rnd(c.latencies.Latencies.P99), float64(c.ok)/duration.Seconds())
		}
	}
	others := 0
	for tenant, want := range s.wrote {
		c, err := svc.PreviewTenantDeletion(ctx, tenant)
		if err != nil {
			return err
		}
		if c.Alerts != want {
			return fmt.Errorf("tenant %s: %d alerts stored, %d answered 2xx", tenant, c.Alerts, want)
		}
		if err := svc.CheckTotals(ctx, tenant); err != nil {
			return err
		}
		others++
	}
	fmt.Fprintf(out, "\nstored: every 2xx, nothing for a 503, kept totals exact (%d tenants)\n", others)
	return nil
}
