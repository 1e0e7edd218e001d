package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQuickstartRuns(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "Europe/Madrid"))
	for _, want := range []string{"Alerts per day, last 14 days (Europe/Madrid)", "Dashboard, last 14 days",
		"money at risk in open alerts", "to acknowledge", "compared with the 14 days before"} {
		require.Contains(t, out.String(), want)
	}
	require.Error(t, run(context.Background(), &out, "Mars/Olympus_Mons"))
}
