package demo

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

// Stream returns n alerts created from start on, step apart, with UUIDv7
// ids, as one tenant's live stream delivers them: the synthetic load the
// benchmarks and examples/bench ingest, for measuring a store of your own
// at any size (Seed is the smaller, lifelike month). Priorities, type classes
// and categories vary; prevented issues carry savings and the others a
// financial impact.
func Stream(r *rand.Rand, n int, start time.Time, step time.Duration) []alertanalytics.AlertInput {
	priorities := []alertanalytics.Priority{"critical", "important", "standard", "standard", "info"}
	classes := []alertanalytics.TypeClass{"action_needed", "action_needed", "prevented_issue", "trend_warning", "escalation", "information"}
	categories := []string{"stock", "production", "forecasting", "equipment", "quality", "delivery"}
	savings := json.RawMessage(`{"estimated_savings_eur": 12.5, "model": "demand-v3"}`)
	impact := json.RawMessage(`{"financial_impact_eur": 40}`)
	out := make([]alertanalytics.AlertInput, n)
	for i := range out {
		c := classes[r.IntN(len(classes))]
		in := alertanalytics.AlertInput{
			ID:            uuid.Must(uuid.NewV7()),
			AlertType:     "bakery_alert",
			Category:      categories[r.IntN(len(categories))],
			Title:         "Benchmark alert",
			Service:       "bench",
			PriorityLevel: priorities[r.IntN(len(priorities))],
			TypeClass:     c,
			CreatedAt:     start.Add(time.Duration(i) * step),
		}
		if c == "prevented_issue" {
			in.OrchestratorContext = savings
		} else {
			in.BusinessImpact = impact
		}
		out[i] = in
	}
	return out
}

// Responses returns interactions on alerts: every other one acknowledged,
// and two in five resolved, about 90 interactions per 100 alerts. Times to
// acknowledge are log-uniform from 1 second to 3 days and times to resolve
// from 1 minute to 7 days, in whole milliseconds, so nearly every value is
// distinct: a structure that only wins on few distinct values shows up.
func Responses(r *rand.Rand, alerts []alertanalytics.AlertInput, limit int) []alertanalytics.InteractionInput {
	var out []alertanalytics.InteractionInput
	for i, a := range alerts {
		if len(out) >= limit {
			break
		}
		if i%2 == 0 {
			out = append(out, alertanalytics.InteractionInput{AlertID: a.ID, Type: "acknowledged",
				InteractedAt: a.CreatedAt.Add(logUniform(r, time.Second, 3*24*time.Hour))})
		}
		if i%5 < 2 && len(out) < limit {
			out = append(out, alertanalytics.InteractionInput{AlertID: a.ID, Type: "resolved",
				InteractedAt: a.CreatedAt.Add(logUniform(r, time.Minute, 7*24*time.Hour))})
		}
	}
	return out
}

// logUniform draws a duration whose logarithm is uniform in [lo, hi).
func logUniform(r *rand.Rand, lo, hi time.Duration) time.Duration {
	f := math.Exp(math.Log(float64(lo)) + r.Float64()*(math.Log(float64(hi))-math.Log(float64(lo))))
	return time.Duration(f).Truncate(time.Millisecond)
}
