// Command remote records a small incident and reads its analytics through
// an alertanalytics.API: by default a client of a running server, with
// -embedded a Service over an in-memory SQLite database in this process.
// The two print the same report; switching between them is the one line
// that makes the API.
//
//	ALERTANALYTICS_TOKEN=secret go run ./examples/server &
//	ALERTANALYTICS_TOKEN=secret go run ./examples/remote -url http://127.0.0.1:8080
//	go run ./examples/remote -embedded
//
// Flags:
//
//	-url       the server's base URL, with the prefix httpapi is mounted under
//	-token     the bearer token (or ALERTANALYTICS_TOKEN)
//	-tenant    the tenant to write into (default: a new one each run)
//	-embedded  run a Service in this process instead of calling a server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/client"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the server's base URL")
	token := flag.String("token", os.Getenv("ALERTANALYTICS_TOKEN"), "bearer token (default $ALERTANALYTICS_TOKEN)")
	tenant := flag.String("tenant", "", "tenant id to write into (default: a new one)")
	embedded := flag.Bool("embedded", false, "run a Service over in-memory SQLite in this process instead of calling a server")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *url, *token, *tenant, *embedded); err != nil {
		fmt.Fprintln(os.Stderr, "remote:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, url, token, tenant string, embedded bool) error {
	id := uuid.New()
	if tenant != "" {
		var err error
		if id, err = uuid.Parse(tenant); err != nil {
			return fmt.Errorf("-tenant: %w", err)
		}
	}
	var api alertanalytics.API
	if embedded {
		st, err := sqlite.OpenMemory()
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			return err
		}
		api = alertanalytics.New(st, alertanalytics.Config{})
	} else {
		if token == "" {
			return errors.New("no token: pass -token or set ALERTANALYTICS_TOKEN")
		}
		c, err := client.New(url, client.Config{Token: token, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
		if err != nil {
			return err
		}
		api = c
	}
	return incident(ctx, out, api, id, time.Now())
}

// user is who acknowledges and resolves, as a service caller names them.
var user = uuid.MustParse("00000000-0000-4000-8000-0000000000b1")

// incident records three alerts of the last hour — a critical one
// acknowledged after 4 minutes and resolved after 10, twice-sent (the
// repeat changes nothing), and two still open — then prints what the
// analytics make of them.
func incident(ctx context.Context, out io.Writer, api alertanalytics.API, tenant uuid.UUID, now time.Time) error {
	start := now.Add(-45 * time.Minute).Truncate(time.Second)
	disk := alertanalytics.AlertInput{ID: uuid.New(), AlertType: "disk_full", Category: "infrastructure", Service: "db",
		PriorityLevel: alertanalytics.PriorityCritical, CreatedAt: start,
		BusinessImpact: []byte(`{"financial_impact_eur": 1200}`)}
	batch, err := api.RecordAlerts(ctx, tenant, []alertanalytics.AlertInput{disk, disk,
		{AlertType: "queue_stuck", Category: "orders", Service: "api", CreatedAt: start.Add(5 * time.Minute)},
		{AlertType: "cpu_hot", Category: "infrastructure", PriorityLevel: alertanalytics.PriorityInfo, CreatedAt: start.Add(6 * time.Minute)}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "alerts: %d created, %d already there\n", batch.Created, batch.Existing)
	for _, step := range []struct {
		kind  alertanalytics.InteractionType
		after time.Duration
	}{{alertanalytics.InteractionAcknowledged, 4 * time.Minute}, {alertanalytics.InteractionResolved, 10 * time.Minute}} {
		in := alertanalytics.InteractionInput{Type: step.kind, InteractedAt: start.Add(step.after), IdempotencyKey: disk.ID.String() + "-" + string(step.kind)}
		rec, err := api.RecordInteraction(ctx, tenant, disk.ID, user, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s after %ds\n", rec.Type, rec.ResponseTimeSeconds)
	}
	if _, err := api.RecordInteraction(ctx, tenant, uuid.New(), user, alertanalytics.InteractionInput{Type: alertanalytics.InteractionResolved}); !errors.Is(err, alertanalytics.ErrNotFound) {
		return fmt.Errorf("an interaction on an unknown alert answered %v, want not found", err)
	}
	fmt.Fprintln(out, "an interaction on an unknown alert: not found")

	w := alertanalytics.Window{Days: 2, Location: time.UTC}
	a, err := api.Analytics(ctx, tenant, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "analytics: %d alerts, %d resolved (%d%%), %d open, mean time to acknowledge %d min\n",
		a.TotalAlerts, a.ResolvedAlerts, a.ResolutionRate, a.ActiveAlerts, a.AverageResponseTime)
	d, err := api.Dashboard(ctx, tenant, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dashboard: %d open now, %.2f EUR at risk, critical p50 to resolve %d s\n",
		d.ActiveAlerts, d.TotalFinancialImpactAtRiskEUR, d.ResponseTimes.ByPriority.Critical.TimeToResolve.P50Seconds)
	_, err = api.Dashboard(ctx, tenant, alertanalytics.Window{Days: 120})
	var fe *alertanalytics.FieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("a 120-day window answered %v, want a field error", err)
	}
	fmt.Fprintf(out, "a 120-day window: invalid %s\n", fe.Field)
	return nil
}
