package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// tenantView is everything a tenant can read.
type tenantView struct {
	counts   store.TenantCounts
	open     []store.OpenTotal
	days     []rollup.DayTotals
	times    rollup.ResponseTimes
	top      []rollup.CategoryCount
	alerts   map[uuid.UUID]store.Alert
	receipts int
}

func viewOf(t require.TestingT, st flows, tenant uuid.UUID, ids []uuid.UUID) tenantView {
	ctx := context.Background()
	v := tenantView{alerts: map[uuid.UUID]store.Alert{}}
	var err error
	v.counts, err = st.CountTenant(ctx, tenant)
	require.NoError(t, err)
	v.open, err = st.OpenTotals(ctx, tenant)
	require.NoError(t, err)
	bounds := []time.Time{totalsStart, totalsStart.Add(36 * time.Hour), totalsStart.Add(72*time.Hour + 7*time.Minute)}
	v.days, err = rollup.ReadDayTotals(ctx, st, tenant, bounds)
	require.NoError(t, err)
	v.times, err = rollup.ReadResponseTimes(ctx, st, tenant, bounds[0], bounds[2], &rollup.Buffers{})
	require.NoError(t, err)
	v.top, err = rollup.TopCategories(ctx, st, tenant, bounds[0], bounds[2], 10)
	require.NoError(t, err)
	for _, id := range ids {
		if a, err := st.Alert(ctx, tenant, id); err == nil {
			v.alerts[id] = a
		}
	}
	receipts, err := st.DeletionReceipts(ctx, tenant)
	require.NoError(t, err)
	v.receipts = len(receipts)
	return v
}

// testTenantIsolation runs random writes on two tenants that share alert
// ids — ingest, interactions (on the tenant's own alerts and on ids guessed
// from the other), deletion — and requires every answer for one tenant to
// be unchanged by whatever is done to the other.
func testTenantIsolationProperty(t *testing.T, st flows) {
	ctx := context.Background()
	rapid.Check(t, func(rt *rapid.T) {
		tenants := [2]uuid.UUID{uuid.New(), uuid.New()}
		var ids []uuid.UUID // shared: both tenants use the same alert ids
		steps := rapid.IntRange(1, 10).Draw(rt, "steps")
		for range steps {
			who := rapid.IntRange(0, 1).Draw(rt, "tenant")
			tenant, other := tenants[who], tenants[1-who]
			before := viewOf(rt, st, other, ids)
			switch rapid.IntRange(0, 5).Draw(rt, "action") {
			case 0, 1, 2:
				n := rapid.IntRange(1, 4).Draw(rt, "alerts")
				batch := make([]store.Alert, n)
				for i := range batch {
					id := uuid.New()
					if len(ids) > 0 && rapid.Bool().Draw(rt, "shared id") {
						id = rapid.SampledFrom(ids).Draw(rt, "id")
					} else {
						ids = append(ids, id)
					}
					batch[i] = store.Alert{ID: id, TenantID: tenant, AlertType: "t", Category: rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "cat"),
						PriorityLevel: rapid.SampledFrom(store.Priorities()).Draw(rt, "p"), TypeClass: store.TypeClassActionNeeded,
						Status: store.StatusActive, CreatedAt: totalsStart.Add(time.Duration(rapid.IntRange(0, 71).Draw(rt, "h")) * time.Hour),
						FinancialImpactCents: 100}
				}
				_, err := st.InsertAlerts(ctx, tenant, batch)
				require.NoError(rt, err)
			case 3, 4:
				if len(ids) == 0 {
					continue
				}
				// Ids of either tenant: the other's are not found here.
				at := totalsStart.Add(time.Duration(rapid.IntRange(0, 80).Draw(rt, "m")) * time.Hour)
				in := store.Interaction{ID: uuid.New(), TenantID: tenant, AlertID: rapid.SampledFrom(ids).Draw(rt, "alert"), UserID: userID(),
					Type: rapid.SampledFrom(store.InteractionTypes()).Draw(rt, "type"), InteractedAt: at, RecordedAt: at,
					IdempotencyKey: rapid.SampledFrom([]string{"", "shared-key"}).Draw(rt, "key")}
				_, err := st.RecordInteractions(ctx, tenant, []store.Interaction{in})
				require.NoError(rt, err)
			case 5:
				_, err := st.DeleteTenant(ctx, store.DeletionReceipt{ID: uuid.New(), TenantID: tenant, RequestedBy: "rapid", DeletedAt: totalsStart})
				require.NoError(rt, err)
			}
			require.Equal(rt, before, viewOf(rt, st, other, ids), "a write to one tenant changed the other's answers")
		}
	})
}
