package demo_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/demo"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// Seed a week of the demo bakery into an in-memory store and read its
// analytics back.
func ExampleSeed() {
	ctx := context.Background()
	st, err := sqlite.OpenMemory()
	if err != nil {
		panic(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
	alerts, interactions, err := demo.Seed(ctx, svc, now, 7, 1)
	if err != nil {
		panic(err)
	}
	a, err := svc.Analytics(ctx, uuid.MustParse(demo.TenantID), alertanalytics.Window{Days: 7})
	if err != nil {
		panic(err)
	}
	fmt.Println(alerts, interactions, a.TotalAlerts == int64(alerts))
	// Output: 144 202 true
}
