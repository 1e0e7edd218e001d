// Command bench measures the targets of section 8 of the specification on
// one backend, on the "bakery SaaS" data set, and prints medians, p90s and
// ratios measured in one run:
//
//	go run ./examples/bench                     # SQLite file in a temp folder
//	go run ./examples/bench -postgres "$URL"    # PostgreSQL, in a fresh schema
//	go run ./examples/bench -quick              # a 10× smaller set, under a minute
//	go run ./examples/bench -json               # one JSON object per measure
//	go run ./examples/bench -postgres "$URL" -citus   # on a Citus coordinator, tables distributed
//	go run ./examples/bench -cpuprofile cpu.out # a CPU profile of the run
//	go run ./examples/bench -postgres "$URL" -rtt 1ms  # also across a 1 ms network
//
// The data set: a measured tenant of 10,000 alerts (and 5,000
// interactions), 99 more of that size, one tenant of 1,000,000 alerts and
// 500,000 interactions spread over its stream, and for the cost curve
// tenants of 100,000 and 10,000,000 alerts without interactions: 12.1
// million alerts. Every tenant's alerts arrive in created_at order with
// UUIDv7 ids, in batches of 1,000, over the 90 days before now. Response times follow demo.Responses: times to
// acknowledge from 1 second to 3 days and to resolve from 1 minute to 7
// days, log-uniform, so nearly every value is distinct.
//
// Progress goes to stderr while loading. Ctrl-C or SIGTERM stops the run
// and removes the temporary folder or schema.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

type config struct {
	postgresURL string
	citus       bool
	quick, json bool
	runs        int
	cpuProfile  string
	rtt         time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.postgresURL, "postgres", "", "measure PostgreSQL at this URL instead of SQLite")
	flag.BoolVar(&c.citus, "citus", false, "with -postgres naming a Citus coordinator: distribute the bench schema by tenant")
	flag.BoolVar(&c.quick, "quick", false, "a data set 10× smaller, for a run under a minute")
	flag.BoolVar(&c.json, "json", false, "print one JSON object per measure instead of a table")
	flag.IntVar(&c.runs, "runs", 21, "timed runs per read measurement")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.DurationVar(&c.rtt, "rtt", 0, "with -postgres: also measure every call through connections that add this round-trip time "+
		"(half each way) and count their round trips, printed beside the loopback figures")
	flag.Parse()
	if c.rtt > 0 && c.postgresURL == "" {
		fmt.Fprintln(os.Stderr, "bench: -rtt needs -postgres")
		os.Exit(2)
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, c, os.Stdout, os.Stderr)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "bench: stopped; the temporary data are removed")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// measure is one line of the report.
type measure struct {
	Name    string  `json:"name"`
	Backend string  `json:"backend"`
	Unit    string  `json:"unit"`
	Median  float64 `json:"median"`
	P90     float64 `json:"p90,omitempty"`
	Target  string  `json:"target"`
	Met     bool    `json:"met"`
}

// printer writes measures as a table or as JSON lines.
type printer struct {
	out     io.Writer
	json    bool
	backend string
	missed  int
}

func (p *printer) header() {
	if !p.json {
		fmt.Fprintf(p.out, "%-62s %14s %14s  %-16s %s\n", "measure", "median", "p90", "target", "met")
	}
}

func (p *printer) add(m measure) {
	m.Backend = p.backend
	if !m.Met {
		p.missed++
	}
	if p.json {
		_ = json.NewEncoder(p.out).Encode(m)
		return
	}
	met := "yes"
	if !m.Met {
		met = "NO"
	}
	p90 := ""
	if m.P90 != 0 {
		p90 = format(m.P90, m.Unit)
	}
	fmt.Fprintf(p.out, "%-62s %14s %14s  %-16s %s\n", m.Name, format(m.Median, m.Unit), p90, m.Target, met)
}

func format(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.3f ms", v)
	case "s":
		return fmt.Sprintf("%.2f s", v)
	case "/s":
		return fmt.Sprintf("%.0f/s", v)
	case "bytes":
		return fmt.Sprintf("%.0f B", v)
	case "rows/s":
		return fmt.Sprintf("%.0f rows/s", v)
	}
	return fmt.Sprintf("%.2f", v)
}
