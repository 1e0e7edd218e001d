package alertanalytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// Example records two alerts and an acknowledgement on an in-memory SQLite
// store and reads the analytics of the last 7 days.
func Example() {
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})

	tenant := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	flour, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{
		AlertType:      "low_stock_warning",
		Category:       "inventory",
		Title:          "Flour T55 below 20 kg",
		PriorityLevel:  alertanalytics.PriorityCritical,
		CreatedAt:      now.Add(-50 * time.Minute),
		BusinessImpact: json.RawMessage(`{"financial_impact_eur": 180}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{
		AlertType: "production_delay",
		Category:  "production",
		CreatedAt: now.Add(-26 * time.Hour),
	}); err != nil {
		log.Fatal(err)
	}
	user := uuid.MustParse("99999999-9999-4999-8999-999999999999")
	if _, err := svc.RecordInteraction(ctx, tenant, flour.ID, user, alertanalytics.InteractionInput{
		Type:         alertanalytics.InteractionAcknowledged,
		InteractedAt: now.Add(-35 * time.Minute),
	}); err != nil {
		log.Fatal(err)
	}

	a, err := svc.Analytics(ctx, tenant, alertanalytics.Window{Days: 7})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", a.TotalAlerts, "open:", a.ActiveAlerts)
	fmt.Println("average minutes to acknowledge:", a.AverageResponseTime)
	for _, p := range a.Trends[len(a.Trends)-2:] {
		fmt.Println(p.Date, p.Count)
	}
	// Output:
	// total: 2 open: 2
	// average minutes to acknowledge: 15
	// 2026-11-01 1
	// 2026-11-02 1
}

// ExampleService_Dashboard shows the money figures of the dashboard.
func ExampleService_Dashboard() {
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
	tenant := uuid.MustParse("11111111-1111-4111-8111-111111111111")

	res, err := svc.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{
		{AlertType: "oven_fault", BusinessImpact: json.RawMessage(`{"financial_impact_eur": 420.5}`)},
		{AlertType: "demand_spike", TypeClass: alertanalytics.TypeClassPreventedIssue,
			OrchestratorContext: json.RawMessage(`{"estimated_savings_eur": 95}`)},
	})
	if err != nil {
		log.Fatal(err)
	}
	d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 30})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", res.Created)
	fmt.Printf("at risk: %.2f EUR, saved: %.2f EUR, AI handled: %.1f%%\n",
		d.TotalFinancialImpactAtRiskEUR, d.EstimatedSavingsEUR, d.AIHandlingRate)
	// Output:
	// created: 2
	// at risk: 420.50 EUR, saved: 95.00 EUR, AI handled: 50.0%
}
