package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/pgtest"
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
	pool := pgtest.Pool(t)           // skips, or fails in CI, without a database
	schema := pgtest.Schema(t, pool) // a fresh name: parallel runs on one database do not collide
	var out bytes.Buffer
	require.NoError(t, runPostgres(context.Background(), &out, "Europe/Madrid", os.Getenv(pgtest.EnvURL), schema))
	require.Contains(t, out.String(), "PostgreSQL schema "+schema)
	require.Contains(t, out.String(), "Dashboard, last 14 days")
}
