package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/postgres"
)

// ExampleNew hands the library a pool the application already has, in a
// schema of its own, and migrates it explicitly. It needs a running
// PostgreSQL, so it is compiled but not run by go test.
func ExampleNew() {
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, os.Getenv("DATABASE_URL")) // or the application's own *pgxpool.Pool
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	st, err := postgres.New(pool, postgres.Config{Schema: "alertanalytics"})
	if err != nil {
		log.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil { // advisory-locked: safe from many replicas at once
		log.Fatal(err)
	}
	svc := alertanalytics.New(st, alertanalytics.Config{})
	_ = svc
}
