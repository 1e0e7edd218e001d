// Package demo seeds a Service with a realistic stretch of bakery alerts
// (stock, production, forecasting, equipment) and the interactions staff
// recorded on them, for the demo tenant TenantID. It is for trying the
// library: point Seed at a store of your own and open the dashboard, the
// insights or the HTTP API on data that looks like a bakery's month. The
// examples (quickstart, server -demo) use it.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
)

// TenantID is the demo bakery's tenant.
const TenantID = "b4ce7e11-0000-4000-8000-00000000da7a"

// users returns the bakery staff who act on alerts: head baker, shift
// lead, purchasing.
func users() []uuid.UUID {
	return []uuid.UUID{
		uuid.MustParse("0000000a-0000-4000-8000-000000000001"),
		uuid.MustParse("0000000a-0000-4000-8000-000000000002"),
		uuid.MustParse("0000000a-0000-4000-8000-000000000003"),
	}
}

type kind struct {
	category, alertType, title string
	service                    string
	weights                    [4]int // critical, important, standard, info
	typeClass                  alertanalytics.TypeClass
	impactEUR, savingsEUR      float64 // typical amounts, 0 for none
}

func kinds() []kind {
	return []kind{
		{"stock", "low_stock_warning", "Flour T55 below reorder point", "inventory", [4]int{2, 5, 8, 1}, alertanalytics.TypeClassActionNeeded, 140, 0},
		{"stock", "expiring_batch", "Butter batch expires in 2 days", "inventory", [4]int{1, 4, 6, 2}, alertanalytics.TypeClassActionNeeded, 60, 0},
		{"stock", "supplier_delay", "Supplier delivery delayed", "procurement", [4]int{2, 4, 3, 1}, alertanalytics.TypeClassEscalation, 220, 0},
		{"production", "production_delay", "Croissant line behind schedule", "production", [4]int{2, 6, 6, 1}, alertanalytics.TypeClassActionNeeded, 90, 0},
		{"production", "quality_check_failed", "Baguette crust below spec", "quality", [4]int{1, 3, 4, 1}, alertanalytics.TypeClassActionNeeded, 45, 0},
		{"forecasting", "demand_spike_predicted", "Weekend demand +35% predicted", "forecasting", [4]int{0, 3, 6, 3}, alertanalytics.TypeClassPreventedIssue, 0, 80},
		{"forecasting", "overproduction_avoided", "Reduced rye order to avoid waste", "orchestrator", [4]int{0, 1, 5, 4}, alertanalytics.TypeClassPreventedIssue, 0, 35},
		{"forecasting", "sales_trend_down", "Pastry sales trending down", "forecasting", [4]int{0, 1, 4, 5}, alertanalytics.TypeClassTrendWarning, 0, 0},
		{"equipment", "oven_temperature_drift", "Oven 2 temperature drifting", "equipment", [4]int{3, 4, 2, 0}, alertanalytics.TypeClassEscalation, 300, 0},
		{"equipment", "maintenance_due", "Mixer maintenance due", "equipment", [4]int{0, 1, 3, 4}, alertanalytics.TypeClassInformation, 0, 0},
	}
}

func pick(r *rand.Rand, weights [4]int) alertanalytics.Priority {
	total := weights[0] + weights[1] + weights[2] + weights[3]
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return []alertanalytics.Priority{alertanalytics.PriorityCritical, alertanalytics.PriorityImportant,
				alertanalytics.PriorityStandard, alertanalytics.PriorityInfo}[i]
		}
		n -= w
	}
	return alertanalytics.PriorityStandard
}

// Seed records days of demo alerts, ending at now, and the interactions on
// them, for the demo tenant. The data is the same for the same seed and now.
// It returns how many alerts and interactions it recorded.
func Seed(ctx context.Context, svc *alertanalytics.Service, now time.Time, days int, seed uint64) (alerts, interactions int, err error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tenant := uuid.MustParse(TenantID)
	ks := kinds()
	staff := users()
	// Days start at UTC midnight, so the bakery's hours do not shift with
	// the time the demo is seeded at.
	start := now.UTC().Truncate(24 * time.Hour).Add(-time.Duration(days-1) * 24 * time.Hour)
	p := &seedPlan{r: r, now: now}
	for day := 0; day < days; day++ {
		dayStart := start.Add(time.Duration(day) * 24 * time.Hour)
		// Busier on Fridays and Saturdays; slowly growing over the month.
		// Days after today's start stop at now.
		n := 14 + r.IntN(10) + day/4
		if wd := dayStart.Weekday(); wd == time.Friday || wd == time.Saturday {
			n += 8
		}
		for range n {
			// Bakeries work early: most alerts between 03:00 and 15:00.
			created := dayStart.Add(time.Duration(3*3600+r.IntN(12*3600)) * time.Second)
			if created.After(now) {
				continue
			}
			if err := p.alert(ks, staff, created); err != nil {
				return 0, 0, err
			}
		}
	}
	return p.record(ctx, svc, tenant, staff)
}

// seedPlan is the demo's alerts and the interactions planned on them, drawn
// from one random source in a fixed order.
type seedPlan struct {
	r      *rand.Rand
	now    time.Time
	inputs []alertanalytics.AlertInput
	plans  []alertanalytics.InteractionInput
	users  []uuid.UUID // who makes each of plans
}

// alert plans one alert of a random kind created at created, and what
// people do about it up to now.
func (p *seedPlan) alert(ks []kind, staff []uuid.UUID, created time.Time) error {
	k := ks[p.r.IntN(len(ks))]
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	in := alertanalytics.AlertInput{
		ID: id, AlertType: k.alertType, Category: k.category, Title: k.title, Service: k.service,
		PriorityLevel: pick(p.r, k.weights), TypeClass: k.typeClass, CreatedAt: created,
		Message: fmt.Sprintf("%s (%s)", k.title, created.Format("Mon 15:04")),
	}
	if k.impactEUR > 0 {
		in.BusinessImpact = json.RawMessage(fmt.Sprintf(`{"financial_impact_eur": %.2f}`, k.impactEUR*(0.5+p.r.Float64())))
	}
	if k.savingsEUR > 0 {
		in.OrchestratorContext = json.RawMessage(fmt.Sprintf(`{"estimated_savings_eur": %.2f, "model": "demand-v3"}`, k.savingsEUR*(0.5+p.r.Float64())))
	}
	p.inputs = append(p.inputs, in)

	// Critical alerts are acknowledged fast, info ones slowly or never.
	ackMean := map[alertanalytics.Priority]float64{"critical": 4, "important": 15, "standard": 45, "info": 120}[in.PriorityLevel]
	user := staff[p.r.IntN(len(staff))]
	at := created
	add := func(t alertanalytics.InteractionType, after time.Duration) bool {
		at = at.Add(after)
		if at.After(p.now) {
			return false
		}
		p.plans = append(p.plans, alertanalytics.InteractionInput{AlertID: id, Type: t, InteractedAt: at})
		p.users = append(p.users, user)
		return true
	}
	minutes := func(mean float64) time.Duration {
		return time.Duration(-mean*math.Log(1-p.r.Float64())*60) * time.Second
	}
	switch x := p.r.Float64(); {
	case x < 0.08:
		add(alertanalytics.InteractionDismissed, minutes(ackMean))
	case x < 0.80:
		if !add(alertanalytics.InteractionAcknowledged, minutes(ackMean)) {
			break
		}
		if p.r.Float64() < 0.15 {
			if !add(alertanalytics.InteractionSnoozed, minutes(30)) {
				break
			}
		}
		if p.r.Float64() < 0.85 {
			add(alertanalytics.InteractionResolved, minutes(ackMean*4))
		}
	}
	return nil
}

// record stores the planned alerts in batches of 1,000, then each user's
// interactions in time order, as devices would sync them.
func (p *seedPlan) record(ctx context.Context, svc *alertanalytics.Service, tenant uuid.UUID, staff []uuid.UUID) (alerts, interactions int, err error) {
	for i := 0; i < len(p.inputs); i += 1000 {
		res, err := svc.RecordAlerts(ctx, tenant, p.inputs[i:min(i+1000, len(p.inputs))])
		if err != nil {
			return 0, 0, err
		}
		if len(res.Rejected) > 0 {
			return 0, 0, fmt.Errorf("demo alert %d rejected: %w", i+res.Rejected[0].Index, res.Rejected[0].Err)
		}
		alerts += res.Created
	}
	// Interactions are recorded per user, in time order, as devices would
	// sync them.
	for _, user := range staff {
		var batch []alertanalytics.InteractionInput
		for i, in := range p.plans {
			if p.users[i] == user {
				batch = append(batch, in)
			}
		}
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].InteractedAt.Before(batch[j].InteractedAt) })
		res, err := svc.RecordInteractions(ctx, tenant, user, batch)
		if err != nil {
			return 0, 0, err
		}
		if len(res.Rejected) > 0 {
			return 0, 0, fmt.Errorf("demo interaction rejected: %w", res.Rejected[0].Err)
		}
		interactions += res.Created
	}
	return alerts, interactions, nil
}
