package sqlite_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// ExampleOpen opens a database file, creates the schema, records an alert
// and reads it back through a Service.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(dir, "alerts.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
	tenant := uuid.MustParse("b4ce7e11-0000-4000-8000-00000000da7a")
	a, created, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "low_stock_warning", Category: "inventory"})
	if err != nil {
		log.Fatal(err)
	}
	d, err := svc.Dashboard(ctx, tenant, alertanalytics.Window{Days: 7})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created, a.Status, a.CreatedAt.Format(time.RFC3339))
	fmt.Println("alerts:", d.TotalAlerts, "open:", d.ActiveAlerts)
	// Output:
	// true active 2026-11-02T10:00:00Z
	// alerts: 1 open: 1
}

// ExampleMigrations lists the schema's migration files, for applying them
// with a migration tool of your own instead of Migrate.
func ExampleMigrations() {
	fsys, err := sqlite.Migrations()
	if err != nil {
		log.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range names {
		fmt.Println(name)
	}
	// Output:
	// 001_initial.sql
	// 002_open_totals.sql
	// 003_rollups.sql
	// 004_export_retention.sql
	// 005_rollup_days.sql
	// 006_people.sql
	// 007_digests.sql
}
