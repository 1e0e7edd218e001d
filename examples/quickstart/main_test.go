package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

func TestQuickstartRuns(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "Europe/Madrid"))
	for _, want := range []string{"Alerts per day, last 14 days (Europe/Madrid)", "Dashboard, last 14 days",
		"money at risk in open alerts", "to acknowledge", "compared with the 14 days before",
		"Response targets, last 14 days", "When alerts arrive", "business hours", "Alert digest: the last 7 days"} {
		require.Contains(t, out.String(), want)
	}
	require.Error(t, run(context.Background(), &out, "Mars/Olympus_Mons"))
}

func TestQuickstartRunsOnPostgres(t *testing.T) {
	t.Parallel()
	url := os.Getenv("ALERTANALYTICS_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ALERTANALYTICS_TEST_POSTGRES_URL is not set and CI is: the PostgreSQL run must happen in CI")
		}
		t.Skip("set ALERTANALYTICS_TEST_POSTGRES_URL to run the quickstart on PostgreSQL")
	}
	// A schema of this test's own, dropped when it ends.
	schema := fmt.Sprintf("quickstart_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		pool, err := pgxpool.New(context.Background(), url)
		require.NoError(t, err)
		defer pool.Close()
		_, err = pool.Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		require.NoError(t, err)
	})
	var out bytes.Buffer
	require.NoError(t, runPostgres(context.Background(), &out, "Europe/Madrid", url, schema))
	require.Contains(t, out.String(), "PostgreSQL schema "+schema)
	require.Contains(t, out.String(), "Dashboard, last 14 days")
}
