// Package benchtest holds the benchmarks of section 8 of the
// specification, run by each backend against its own store so the figures
// of both compare.
//
// Sizes follow the "bakery SaaS" data set scaled by environment variables,
// so a default run stays short on a 2-core machine:
//
//	ALERTANALYTICS_BENCH_ALERTS  alerts of the measured tenant (default 10000)
//	ALERTANALYTICS_BENCH_NOISE   alerts of other tenants, 10,000 each (default 0)
package benchtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

// Backend opens stores for the benchmarks.
type Backend struct {
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
func now() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }

// alerts returns n alerts spread evenly over the 90 days before now, in
// created_at order with UUIDv7 ids, as a live stream delivers them.
func alerts(r *rand.Rand, n int) []alertanalytics.AlertInput {
	return stream(r, n, now().Add(-90*24*time.Hour), 90*24*time.Hour/time.Duration(n))
}

// stream returns n alerts created from start on, step apart.
func stream(r *rand.Rand, n int, start time.Time, step time.Duration) []alertanalytics.AlertInput {
	priorities := []alertanalytics.Priority{"critical", "important", "standard", "standard", "info"}
	classes := []alertanalytics.TypeClass{"action_needed", "action_needed", "prevented_issue", "trend_warning", "escalation", "information"}
	categories := []string{"stock", "production", "forecasting", "equipment", "quality", "delivery"}
	out := make([]alertanalytics.AlertInput, n)
	for i := range out {
		c := classes[r.IntN(len(classes))]
		in := alertanalytics.AlertInput{
			ID:            uuid.Must(uuid.NewV7()),
			AlertType:     "bench_alert",
			Category:      categories[r.IntN(len(categories))],
			Title:         "Benchmark alert",
			PriorityLevel: priorities[r.IntN(len(priorities))],
			TypeClass:     c,
			CreatedAt:     start.Add(time.Duration(i) * step),
		}
		if c == "prevented_issue" {
			in.OrchestratorContext = []byte(`{"estimated_savings_eur": 12.5}`)
		} else {
			in.BusinessImpact = []byte(`{"financial_impact_eur": 40}`)
		}
		out[i] = in
	}
	return out
}

// seed fills tenant with n alerts and acknowledges half of them and
// resolves 40% of them.
func seed(b *testing.B, svc *alertanalytics.Service, tenant uuid.UUID, n int, r *rand.Rand) {
	ctx := context.Background()
	in := alerts(r, n)
	for i := 0; i < len(in); i += 1000 {
		if _, err := svc.RecordAlerts(ctx, tenant, in[i:min(i+1000, len(in))]); err != nil {
			b.Fatal(err)
		}
	}
	user := uuid.New()
	var batch []alertanalytics.InteractionInput
	flush := func() {
		if _, err := svc.RecordInteractions(ctx, tenant, user, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i, a := range in {
		if i%2 == 0 {
			batch = append(batch, alertanalytics.InteractionInput{AlertID: a.ID, Type: "acknowledged",
				InteractedAt: a.CreatedAt.Add(time.Duration(30+r.IntN(3600)) * time.Second)})
		}
		if i%5 < 2 {
			batch = append(batch, alertanalytics.InteractionInput{AlertID: a.ID, Type: "resolved",
				InteractedAt: a.CreatedAt.Add(time.Duration(3600+r.IntN(7200)) * time.Second)})
		}
		if len(batch) >= 1000 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}

// Run runs the benchmarks against the backend.
func Run(b *testing.B, be Backend) {
	b.Run("IngestBatch1000", func(b *testing.B) { benchIngest(b, be) })
	b.Run("RecordInteraction", func(b *testing.B) { benchInteraction(b, be) })
	b.Run("Dashboard30d", func(b *testing.B) { benchDashboard(b, be) })
}

func benchIngest(b *testing.B, be Backend) {
	svc := alertanalytics.New(be.NewStore(b), alertanalytics.Config{Clock: now})
	r := rand.New(rand.NewPCG(1, 2))
	tenant := uuid.New()
	// One tenant's stream in created_at order, 1,000 alerts per batch.
	batches := make([][]alertanalytics.AlertInput, 0, b.N)
	start, step := now().Add(-90*24*time.Hour), time.Second
	for i := range b.N {
		batches = append(batches, stream(r, 1000, start.Add(time.Duration(i*1000)*step), step))
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := svc.RecordAlerts(context.Background(), tenant, batches[i])
		if err != nil || res.Created != 1000 {
			b.Fatal(err, res.Created)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "alerts/s")
}

func benchInteraction(b *testing.B, be Backend) {
	svc := alertanalytics.New(be.NewStore(b), alertanalytics.Config{Clock: now})
	r := rand.New(rand.NewPCG(3, 4))
	tenant := uuid.New()
	in := alerts(r, max(b.N, 1))
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

func benchDashboard(b *testing.B, be Backend) {
	ctx := context.Background()
	st := be.NewStore(b)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: now})
	r := rand.New(rand.NewPCG(5, 6))
	size := envInt(b, "ALERTANALYTICS_BENCH_ALERTS", 10000)
	noise := envInt(b, "ALERTANALYTICS_BENCH_NOISE", 0)
	tenant := uuid.New()
	seed(b, svc, tenant, size, r)
	for i := 0; i < noise/10000; i++ {
		seed(b, svc, uuid.New(), 10000, r)
	}
	w := alertanalytics.Window{Days: 30}
	from := now().Add(-29 * 24 * time.Hour).Truncate(24 * time.Hour)
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
			if _, err := be.CountWindow(ctx, st, tenant, from, now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
