package alertanalytics_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/sqlite"
)

// fuzzService is a Service over an in-memory SQLite store with the clock
// pinned, and one alert to record interactions against.
func fuzzService(f *testing.F) (*alertanalytics.Service, uuid.UUID, uuid.UUID) {
	st, err := sqlite.OpenMemory()
	require.NoError(f, err)
	f.Cleanup(func() { _ = st.Close() })
	require.NoError(f, st.Migrate(context.Background()))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return now }})
	tenant := uuid.MustParse(fixtureTenant)
	a, _, err := svc.RecordAlert(context.Background(), tenant, alertanalytics.AlertInput{AlertType: "seed"})
	require.NoError(f, err)
	return svc, tenant, a.ID
}

// checkOutcome asserts what every call promises: it succeeds, or fails
// with a FieldError naming a field and leaves the tenant's rows as they
// were; and the kept totals still equal a recomputation from the rows.
func checkOutcome(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID, before alertanalytics.TenantCounts, err error) {
	ctx := context.Background()
	after, cerr := svc.PreviewTenantDeletion(ctx, tenant)
	require.NoError(t, cerr)
	if err != nil {
		var fe *alertanalytics.FieldError
		if !errors.As(err, &fe) || fe.Field == "" {
			t.Fatalf("error %v is not a FieldError naming a field", err)
		}
		require.Equal(t, before, after, "a refused call changed rows")
	}
	require.NoError(t, svc.CheckTotals(ctx, tenant))
}

// FuzzRecordAlert feeds the Service's alert validation arbitrary fields.
func FuzzRecordAlert(f *testing.F) {
	f.Add("low_stock", "", "critical", "action_needed", "active", 50, `{"financial_impact_eur":12.5}`, int64(-3600))
	f.Add("", "c", "urgent", "x", "done", 101, `[]`, int64(600))
	f.Add("t", "\xff", "", "", "", -1, `{"financial_impact_eur":-1}`, int64(0))
	svc, tenant, _ := fuzzService(f)
	f.Fuzz(func(t *testing.T, alertType, category, priority, class, status string, score int, impact string, offset int64) {
		ctx := context.Background()
		before, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		in := alertanalytics.AlertInput{
			AlertType: alertType, Category: category,
			PriorityLevel: alertanalytics.Priority(priority), TypeClass: alertanalytics.TypeClass(class),
			Status: alertanalytics.Status(status), PriorityScore: &score,
			CreatedAt:      time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).Add(time.Duration(offset%(400*86400)) * time.Second),
			BusinessImpact: json.RawMessage(impact),
		}
		_, _, err = svc.RecordAlert(ctx, tenant, in)
		checkOutcome(t, svc, tenant, before, err)
	})
}

// FuzzRecordInteraction feeds the Service's interaction validation
// arbitrary fields.
func FuzzRecordInteraction(f *testing.F) {
	f.Add("acknowledged", `{"a":1}`, "k1", int64(-60))
	f.Add("resolved", `null`, "", int64(0))
	f.Add("snoozed", `[1]`, "k1", int64(3600))
	f.Add("nope", `{`, "\xff", int64(0))
	svc, tenant, alertID := fuzzService(f)
	f.Fuzz(func(t *testing.T, kind, metadata, key string, offset int64) {
		ctx := context.Background()
		before, err := svc.PreviewTenantDeletion(ctx, tenant)
		require.NoError(t, err)
		in := alertanalytics.InteractionInput{
			Type:           alertanalytics.InteractionType(kind),
			InteractedAt:   time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).Add(time.Duration(offset%86400) * time.Second),
			Metadata:       json.RawMessage(metadata),
			IdempotencyKey: key,
		}
		_, err = svc.RecordInteraction(ctx, tenant, alertID, uuid.Nil, in)
		checkOutcome(t, svc, tenant, before, err)
	})
}
