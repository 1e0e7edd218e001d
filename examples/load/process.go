package main

import (
	"fmt"
	"runtime/metrics"
	"time"
)

// processSample is what the Go runtime counted in this process (server
// and load generator) up to one moment: how long goroutines ready to
// run waited for a core, the collector's cycles, and the cores' idle
// and total time.
type processSample []metrics.Sample

func readProcess() processSample {
	s := processSample{
		{Name: "/sched/latencies:seconds"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/cpu/classes/idle:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(s)
	return s
}

// report says what happened between earlier and s: the p99 of a ready
// goroutine's wait for a core, collections per second, and the share of
// the cores' time busy.
func (s processSample) report(earlier processSample, d time.Duration) string {
	waits := percentile(earlier[0].Value.Float64Histogram(), s[0].Value.Float64Histogram(), 0.99)
	cycles := s[1].Value.Uint64() - earlier[1].Value.Uint64()
	idle := s[2].Value.Float64() - earlier[2].Value.Float64()
	total := s[3].Value.Float64() - earlier[3].Value.Float64()
	busy := 0.0
	if total > 0 {
		busy = 100 * (1 - idle/total)
	}
	return fmt.Sprintf("wait for a core p99 %s, %.0f collections/s, cores %.0f %% busy",
		rnd(time.Duration(waits*float64(time.Second))), float64(cycles)/d.Seconds(), busy)
}

// percentile returns the upper bound of the bucket holding quantile q of
// the observations added to histogram a to make b.
func percentile(a, b *metrics.Float64Histogram, q float64) float64 {
	var n uint64
	for i := range b.Counts {
		n += b.Counts[i] - a.Counts[i]
	}
	if n == 0 {
		return 0
	}
	var seen uint64
	for i := range b.Counts {
		seen += b.Counts[i] - a.Counts[i]
		if float64(seen) >= q*float64(n) {
			return b.Buckets[i+1]
		}
	}
	return b.Buckets[len(b.Buckets)-1]
}
