package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/internal/netdelay"
	"github.com/alertanalytics/alertanalytics/postgres"
)

// openNetwork opens two more pools on the bench's database, alike but for
// the network: one whose connections reach PostgreSQL directly and one
// whose connections add c.rtt to every round trip, both counting round
// trips, and a store on each over the same schema. Both are opened at the
// same moment and measured alternately, so neither side has connections
// (and server processes) that loaded the data while the other's are new:
// a server process that has just started runs the same batch insert
// slower for a while, which once read as +4 ms of "network" on the batch
// of 1,000 alerts with no delay added at all.
func (be *backend) openNetwork(ctx context.Context, c config, schema string) error {
	be.nearCounter = &netdelay.Counter{}
	be.counter = &netdelay.Counter{RTT: c.rtt}
	var pools []*pgxpool.Pool
	closeAll := func() {
		for _, p := range pools {
			p.Close()
		}
	}
	for _, counter := range []*netdelay.Counter{be.nearCounter, be.counter} {
		cfg, err := postgres.PoolConfig(c.postgresURL)
		if err != nil {
			closeAll()
			return err
		}
		cfg.ConnConfig.DialFunc = counter.DialFunc()
		pool, err := postgres.ConnectConfig(ctx, cfg)
		if err != nil {
			closeAll()
			return err
		}
		pools = append(pools, pool)
		st, err := postgres.New(pool, postgres.Config{Schema: schema, Citus: c.citus})
		if err != nil {
			closeAll()
			return err
		}
		if counter == be.counter {
			be.far = st
		} else {
			be.near = st
		}
	}
	closeFirst := be.close
	be.close = func() { closeAll(); closeFirst() }
	return nil
}

// network measures each call of the Service twice, alternating: through
// the direct connections (loopback) and through the delayed ones, and
// prints both medians, the median of the pairs' differences, and the
// delayed run's round trips per call (section 16 of the specification).
type network struct {
	near, far *alertanalytics.Service
	counter   *netdelay.Counter
	rtt       time.Duration
	runs      int
	out       io.Writer
	json      bool
	l         *loader
	missed    int
	header    bool
}

// row is one line of the network table.
type row struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	Loopback float64 `json:"loopback"`
	Far      float64 `json:"far"`
	// Delta is the median of the pairs' differences, far less loopback
	// (ms measures only).
	Delta      float64 `json:"delta,omitempty"`
	RTT        string  `json:"rtt"`
	RoundTrips float64 `json:"round_trips_per_call"`
	Target     string  `json:"target"`
	Met        bool    `json:"met"`
}

func (n *network) print(r row) {
	if !r.Met {
		n.missed++
	}
	if n.json {
		_ = json.NewEncoder(n.out).Encode(r)
		return
	}
	if !n.header {
		n.header = true
		fmt.Fprintf(n.out, "\nacross a network: every call again, on loopback and through connections adding %s a round trip, alternating\n", n.rtt)
		fmt.Fprintf(n.out, "%-52s %14s %14s %10s %12s  %-22s %s\n", "measure", "loopback", n.rtt.String(), "Δ (pairs)", "round trips", "target", "met")
	}
	met := "yes"
	if !r.Met {
		met = "NO"
	}
	delta := ""
	if r.Unit == "ms" {
		delta = fmt.Sprintf("%+.2f ms", r.Delta)
	} else {
		delta = fmt.Sprintf("× %.2f", r.Far/r.Loopback)
	}
	fmt.Fprintf(n.out, "%-52s %14s %14s %10s %12.1f  %-22s %s\n", r.Name, format(r.Loopback, r.Unit), format(r.Far, r.Unit), delta,
		r.RoundTrips, r.Target, met)
}

// warmUps is how many calls of a measure run before it is timed: enough
// for the pool to open the connections a call uses side by side and
// prepare its statements on them, which a running server has done long
// before.
const warmUps = 30

// timeBoth times fn on both services, alternating run by run (and which
// goes first), and returns the medians, the median of the pairs'
// differences (each far run less the near run beside it, which the
// machine's drift from one pair to the next does not move), and the far
// run's round trips per call.
func (n *network) timeBoth(ctx context.Context, runs int, fn func(svc *alertanalytics.Service) error) (near, far, delta time.Duration, trips float64, err error) {
	var a, b, d []time.Duration
	var calls, counted int64
	for i := 0; i < runs+warmUps; i++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, 0, 0, err
		}
		var dNear, dFar time.Duration
		var before, after int64
		for j := range 2 {
			if (i+j)%2 == 0 {
				t0 := time.Now()
				if err := fn(n.near); err != nil {
					return 0, 0, 0, 0, err
				}
				dNear = time.Since(t0)
				continue
			}
			before = n.counter.Trips()
			t0 := time.Now()
			if err := fn(n.far); err != nil {
				return 0, 0, 0, 0, err
			}
			dFar = time.Since(t0)
			after = n.counter.Trips()
		}
		if i >= warmUps {
			a, b, d = append(a, dNear), append(b, dFar), append(d, dFar-dNear)
			calls++
			counted += after - before
		}
	}
	slices.Sort(a)
	slices.Sort(b)
	slices.Sort(d)
	return a[len(a)/2], b[len(b)/2], d[len(d)/2], float64(counted) / float64(calls), nil
}

// call measures one call: within loopback + budget, the added time
// taken as the median of the pairs' differences.
func (n *network) call(ctx context.Context, name string, budget time.Duration, runs int, fn func(svc *alertanalytics.Service) error) error {
	near, far, delta, trips, err := n.timeBoth(ctx, runs, fn)
	if err != nil {
		return err
	}
	n.print(row{Name: name, Unit: "ms", Loopback: ms(near), Far: ms(far), Delta: ms(delta), RTT: n.rtt.String(), RoundTrips: trips,
		Target: fmt.Sprintf("≤ loopback + %s", budget), Met: delta <= budget})
	return nil
}

func (n *network) measure(ctx context.Context, measured, large uuid.UUID, ds dataSet) error {
	w30, w7 := alertanalytics.Window{Days: 30}, alertanalytics.Window{Days: 7}
	budget := 2 * n.rtt
	// One interaction each side, on alerts of a tenant of their own.
	clicks := uuid.New()
	ids := demo.Stream(n.l.r, 2*(n.runs+warmUps), n.l.now.Add(-time.Hour), time.Millisecond)
	if _, err := n.near.RecordAlerts(ctx, clicks, ids); err != nil {
		return err
	}
	next := 0
	user := uuid.New()
	if err := n.call(ctx, "one interaction (status move + audit)", 3*n.rtt, n.runs, func(svc *alertanalytics.Service) error {
		a := ids[next]
		next++
		_, err := svc.RecordInteraction(ctx, clicks, a.ID, user, alertanalytics.InteractionInput{Type: "acknowledged"})
		return err
	}); err != nil {
		return err
	}
	// Batches of 1,000 new alerts, each side, on a tenant of their own.
	ingest := uuid.New()
	start := n.l.now.Add(-48 * time.Hour)
	if err := n.call(ctx, "ingest, a batch of 1,000 alerts", 3*n.rtt, n.runs, func(svc *alertanalytics.Service) error {
		batch := demo.Stream(n.l.r, 1000, start, time.Second)
		start = start.Add(1000 * time.Second)
		_, err := svc.RecordAlerts(ctx, ingest, batch)
		return err
	}); err != nil {
		return err
	}
	for _, r := range []struct {
		name   string
		tenant uuid.UUID
		budget time.Duration
		fn     func(svc *alertanalytics.Service, tenant uuid.UUID) error
	}{
		{fmt.Sprintf("Dashboard 30 days, %d-alert tenant", ds.smallAlerts), measured, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Dashboard(ctx, t, w30)
			return err
		}},
		{fmt.Sprintf("Dashboard 30 days, %d-alert tenant", ds.large), large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Dashboard(ctx, t, w30)
			return err
		}},
		{"Trends 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Trends(ctx, t, w30)
			return err
		}},
		{"Analytics 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Analytics(ctx, t, w30)
			return err
		}},
		{"compliance 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Compliance(ctx, t, w30, alertanalytics.Targets{})
			return err
		}},
		{"hours 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Hours(ctx, t, w30, alertanalytics.HoursOptions{})
			return err
		}},
		{"breakdown by category 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Breakdown(ctx, t, w30, alertanalytics.ByCategory, 10)
			return err
		}},
		{"noisy 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Noisy(ctx, t, w30, 10)
			return err
		}},
		{"people 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.People(ctx, t, w30, alertanalytics.PeopleOptions{})
			return err
		}},
		{"flapping 30 days", large, budget, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Flapping(ctx, t, w30, alertanalytics.FlappingOptions{})
			return err
		}},
		{"digest 7 days", large, 3 * n.rtt, func(svc *alertanalytics.Service, t uuid.UUID) error {
			_, err := svc.Digest(ctx, t, w7)
			return err
		}},
	} {
		name := r.name
		if r.tenant == large && !strings.Contains(name, "tenant") {
			name = fmt.Sprintf("%s, %d-alert tenant", name, ds.large)
		}
		if err := n.call(ctx, name, r.budget, n.runs, func(svc *alertanalytics.Service) error { return r.fn(svc, r.tenant) }); err != nil {
			return err
		}
	}
	return n.export(ctx, large, ds.large)
}

// export streams the large tenant's alerts as NDJSON on each side, three
// times, and compares the median rows per second: ≥ 0.8 × loopback's.
func (n *network) export(ctx context.Context, large uuid.UUID, size int) error {
	var near, far []float64
	var trips int64
	for range 3 {
		for i, svc := range []*alertanalytics.Service{n.near, n.far} {
			var rows lineCounter
			before := n.counter.Trips()
			t0 := time.Now()
			if err := svc.Export(ctx, large, alertanalytics.ExportOptions{Kind: alertanalytics.ExportAlerts, Format: alertanalytics.NDJSON}, &rows); err != nil {
				return err
			}
			rate := float64(rows.lines) / time.Since(t0).Seconds()
			if i == 0 {
				near = append(near, rate)
			} else {
				far = append(far, rate)
				trips += n.counter.Trips() - before
			}
		}
	}
	slices.Sort(near)
	slices.Sort(far)
	n.print(row{Name: fmt.Sprintf("export NDJSON, %d-alert tenant", size), Unit: "rows/s", Loopback: near[1], Far: far[1], RTT: n.rtt.String(),
		RoundTrips: float64(trips) / 3, Target: "≥ 0.8 × loopback", Met: far[1] >= 0.8*near[1]})
	return nil
}
