package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	p50, p99              time.Duration
}

// close computes the percentiles of the latencies added.
func (c *class) close() {
	c.latencies.Close()
	c.p50, c.p99 = c.latencies.Latencies.P50, c.latencies.Latencies.P99
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
// quiet tenants' writes and their reads. With apart, the hot attack runs
// in a child process (see apartStorm).
func (s *storm) phase(hotRate int, quiet, apart bool, duration time.Duration) ([]*class, error) {
	hot, qw, qr := &class{name: "hot writes"}, &class{name: "quiet writes"}, &class{name: "quiet reads"}
	var wg sync.WaitGroup
	var apartErr error
	attack := func(rate int, target vegeta.Targeter, onResult func(*vegeta.Result)) {
		wg.Go(func() {
			a := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true))
			for res := range a.Attack(target, vegeta.Rate{Freq: rate, Per: time.Second}, duration, "storm") {
				onResult(res)
			}
		})
	}
	var mu sync.Mutex
	if hotRate > 0 && apart {
		wg.Go(func() {
			r, err := s.apartStorm(hotRate, duration)
			if err != nil {
				apartErr = err
				return
			}
			hot.requests, hot.ok, hot.refused, hot.other = r.Requests, r.OK, r.Refused, r.Other
			hot.p50, hot.p99 = r.P50, r.P99
			s.mu.Lock()
			s.wrote[s.hot] += r.Alerts
			s.mu.Unlock()
		})
	} else if hotRate > 0 {
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
		if c != hot || !apart { // an apart storm's percentiles came from its process
			c.close()
		}
	}
	return []*class{hot, qw, qr}, apartErr
}

// childResult is what a -storm-child reports on its standard output.
type childResult struct {
	Requests, OK, Refused, Other int
	P50, P99                     time.Duration
	Alerts                       int64 // alerts answered 2xx
}

// apartStorm runs the hot attack in a child process of this program at
// the lowest CPU priority, so that on a machine whose cores the server
// shares with its load, the storm's clients take what the server leaves
// rather than competing with it: the server's share is what clients on
// other machines would leave it.
func (s *storm) apartStorm(rate int, duration time.Duration) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	cmd := exec.Command(self, "-storm-child", s.base, "-storm-tenant", s.hot.String(),
		"-storm", strconv.Itoa(rate), "-duration", duration.String())
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return childResult{}, err
	}
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, 19); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return childResult{}, fmt.Errorf("nice the storm: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return childResult{}, fmt.Errorf("the storm's process: %w", err)
	}
	var r childResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return childResult{}, fmt.Errorf("the storm's report: %w", err)
	}
	return r, nil
}

// stormChild is -storm-apart's child: it storms the server at o.stormChild
// for o.stormTenant at o.storm requests a second for o.duration, and
// prints what it got as one JSON object.
func stormChild(o options) error {
	hot, err := uuid.Parse(o.stormTenant)
	if err != nil {
		return fmt.Errorf("-storm-tenant: %w", err)
	}
	s := newStorm(o.stormChild, 0)
	s.hot = hot
	cs, err := s.phase(o.storm, false, false, o.duration)
	if err != nil {
		return err
	}
	c := cs[0]
	return json.NewEncoder(os.Stdout).Encode(childResult{Requests: c.requests, OK: c.ok, Refused: c.refused, Other: c.other,
		P50: c.p50, P99: c.p99, Alerts: s.wrote[hot]})
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
// together, each for duration, prints every class of each and what the
// Go runtime counted in the process meanwhile, and checks that every 2xx
// was stored and no 503 was.
func runStorm(ctx context.Context, svc *alertanalytics.Service, base string, hotRate int, duration time.Duration, apart bool, out io.Writer) error {
	s := newStorm(base, 20)
	fmt.Fprintf(out, "storm: one tenant writing at %d req/s (80 %% alerts, 20 %% batches of 20) beside %d quiet tenants at %d req/s in all (alerts and dashboards), %s per phase\n",
		hotRate, len(s.quiet), quietRate, duration)
	// A short warm-up: connections opened, statements prepared.
	if apart {
		fmt.Fprintln(out, "the storm comes from a child process at the lowest CPU priority (-storm-apart)")
	}
	if _, err := s.phase(hotRate/10, true, apart, 2*time.Second); err != nil {
		return err
	}
	var processes []string
	fmt.Fprintf(out, "\n%-22s %-13s %8s %8s %8s %7s %10s %10s %8s\n", "phase", "class", "requests", "2xx", "503", "other", "p50", "p99", "2xx/s")
	for _, ph := range []struct {
		name  string
		hot   int
		quiet bool
	}{{"quiet tenants alone", 0, true}, {"storm alone", hotRate, false}, {"storm and quiet", hotRate, true}} {
		before := readProcess()
		cs, err := s.phase(ph.hot, ph.quiet, apart, duration)
		if err != nil {
			return err
		}
		processes = append(processes, ph.name+": "+readProcess().report(before, duration))
		for _, c := range cs {
			if c.requests == 0 {
				continue
			}
			fmt.Fprintf(out, "%-22s %-13s %8d %8d %8d %7d %10s %10s %8.0f\n", ph.name, c.name, c.requests, c.ok, c.refused, c.other,
				rnd(c.p50), rnd(c.p99), float64(c.ok)/duration.Seconds())
		}
	}
	fmt.Fprintln(out, "\nthis process (server and load generator), per phase:")
	for _, p := range processes {
		fmt.Fprintln(out, "  "+p)
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
