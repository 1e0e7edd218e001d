// Package pgstore gives tests a migrated PostgreSQL store of their own, in
// a fresh schema on the database of internal/pgtest.
package pgstore

import (
	"context"
	"testing"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
)

// NewStore returns a migrated store in a fresh schema of its own.
func NewStore(t testing.TB) *postgres.Store {
	t.Helper()
	pool := pgtest.Pool(t)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// SchemaOf returns the schema of a store made by NewStore.
func SchemaOf(st any) string { return st.(*postgres.Store).Schema() }
