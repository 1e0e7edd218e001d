// Package storetest is the conformance suite every store.Store backend
// runs unchanged. A backend's test file calls Run with a function that
// returns a fresh, migrated, empty store for one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// It drives the backend through the contract directly (each method's
// documented errors, orders and tie-breaks, and the write flows an
// alertanalytics.Service writes through, every kept total equal to a
// recomputation from the rows, under concurrency too) and under a Service
// itself (ThroughService: writes, reads, CheckTotals, export, retention,
// deletion). The expected numbers are worked out by hand in the comments
// beside them.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
)

// NewStore returns a fresh, migrated store with no rows, private to the
// test; it registers its own cleanup with t.Cleanup.
type NewStore func(t *testing.T) store.Store

// Run runs the whole conformance suite against the stores newStore makes.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, flows)
	}{
		{"ThroughService", testThroughService},
		{"Subscriptions", testSubscriptions},
		{"DeliveryLedger", testDeliveryLedger},
		{"ContractErrors", testContractErrors},
		{"ContractReads", testContractReads},
		{"ContractLifecycle", testContractLifecycle},
		{"Retention", testRetention},
		{"InsertAlertsIsIdempotent", testInsertAlertsIsIdempotent},
		{"AlertRoundTrip", testAlertRoundTrip},
		{"AlertNotFound", testAlertNotFound},
		{"StatusMachine", testStatusMachine},
		{"InteractionTimes", testInteractionTimes},
		{"InteractionRoundTrip", testInteractionRoundTrip},
		{"IdempotencyKey", testIdempotencyKey},
		{"InteractionOnUnknownAlert", testInteractionOnUnknownAlert},
		{"DayTotalsByLocalDay", testDayTotalsByLocalDay},
		{"DayTotalsUTC", testDayTotalsUTC},
		{"TopCategories", testTopCategories},
		{"ResponseTimePercentiles", testResponseTimePercentiles},
		{"OpenTotals", testOpenTotals},
		{"DeleteTenant", testDeleteTenant},
		{"TenantIsolation", testTenantIsolation},
		{"ConcurrentInteractions", testConcurrentInteractions},
		{"ConcurrentBatches", testConcurrentBatches},
		{"ConcurrentOverlappingIngest", testConcurrentOverlappingIngest},
		{"CancelledContextWritesNothing", testCancelledContextWritesNothing},
		{"KeptTotalsMatchRows", testKeptTotalsMatchRows},
		{"ConcurrentWritersKeepTotalsExact", testConcurrentWritersKeepTotalsExact},
		{"HotTenantWriters", testHotTenantWriters},
		{"DeleteDuringOwnIngest", testDeleteDuringOwnIngest},
		{"TenantIsolationProperty", testTenantIsolationProperty},
		{"ConcurrencySoak", testConcurrencySoak},
		{"DeletionUnderLoad", testDeletionUnderLoad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, flows{Store: newStore(t)})
		})
	}
}

// flows is a backend under test with the root package's write flows
// above it, as the Service writes through them.
type flows = writeflow.Store

// The suite's fixed tenants and user, as constants so nothing is shared
// mutable state.
const (
	tenantAText = "aaaaaaaa-0000-4000-8000-000000000001"
	tenantBText = "bbbbbbbb-0000-4000-8000-000000000002"
	userText    = "99999999-0000-4000-8000-000000000009"
)

func tenantA() uuid.UUID { return uuid.MustParse(tenantAText) }
func tenantB() uuid.UUID { return uuid.MustParse(tenantBText) }
func userID() uuid.UUID  { return uuid.MustParse(userText) }

// id returns a fixed, recognisable alert id.
func id(n int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("0190aaaa-0000-7000-8000-%012d", n))
}

// at parses an RFC 3339 time.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v.UTC()
}

// alert returns a valid alert with every field set as the Service would.
func alert(tenant uuid.UUID, n int, created time.Time, opts ...func(*store.Alert)) store.Alert {
	a := store.Alert{
		ID:            id(n),
		TenantID:      tenant,
		AlertType:     "low_stock_warning",
		Category:      "inventory",
		PriorityLevel: store.PriorityStandard,
		TypeClass:     store.TypeClassActionNeeded,
		Status:        store.StatusActive,
		CreatedAt:     created.UTC().Truncate(time.Millisecond),
	}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func withPriority(p store.Priority) func(*store.Alert) {
	return func(a *store.Alert) { a.PriorityLevel = p }
}

func withStatus(s store.Status) func(*store.Alert) { return func(a *store.Alert) { a.Status = s } }

func withTypeClass(c store.TypeClass) func(*store.Alert) {
	return func(a *store.Alert) { a.TypeClass = c }
}

func withImpact(cents int64) func(*store.Alert) {
	return func(a *store.Alert) { a.FinancialImpactCents = cents }
}

func withCategory(c string) func(*store.Alert) { return func(a *store.Alert) { a.Category = c } }

func withAcknowledgedAt(t time.Time) func(*store.Alert) {
	return func(a *store.Alert) { t := t.UTC(); a.AcknowledgedAt = &t }
}

func withResolvedAt(t time.Time) func(*store.Alert) {
	return func(a *store.Alert) { t := t.UTC(); a.ResolvedAt = &t }
}

func insert(t *testing.T, st flows, tenant uuid.UUID, alerts ...store.Alert) {
	t.Helper()
	created, err := st.InsertAlerts(context.Background(), tenant, alerts)
	require.NoError(t, err)
	for i, c := range created {
		require.True(t, c, "alert %d should be new", i)
	}
}

// interaction returns an interaction as the Service hands it to the store.
func interaction(tenant, alertID uuid.UUID, typ store.InteractionType, when time.Time) store.Interaction {
	return store.Interaction{
		ID:           uuid.Must(uuid.NewV7()),
		TenantID:     tenant,
		AlertID:      alertID,
		UserID:       userID(),
		Type:         typ,
		InteractedAt: when.UTC().Truncate(time.Millisecond),
		RecordedAt:   when.UTC().Truncate(time.Millisecond),
	}
}

// record stores interactions and requires each to be stored as new.
func record(t *testing.T, st flows, tenant uuid.UUID, ins ...store.Interaction) []writeflow.InteractionResult {
	t.Helper()
	res, err := st.RecordInteractions(context.Background(), tenant, ins)
	require.NoError(t, err)
	require.Len(t, res, len(ins))
	for i, r := range res {
		require.NoError(t, r.Err, "interaction %d", i)
		require.False(t, r.Duplicate, "interaction %d", i)
	}
	return res
}

// recordedErr records ins in one batch, from any goroutine, and returns
// an error when the batch or any item of it failed or was a duplicate.
func recordedErr(ctx context.Context, st flows, tenant uuid.UUID, ins []store.Interaction) error {
	res, err := st.RecordInteractions(ctx, tenant, ins)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil || r.Duplicate {
			return fmt.Errorf("item: duplicate=%v err=%v", r.Duplicate, r.Err)
		}
	}
	return nil
}

func counts(t *testing.T, st flows, tenant uuid.UUID) store.TenantCounts {
	t.Helper()
	c, err := st.CountTenant(context.Background(), tenant)
	require.NoError(t, err)
	return c
}

func getAlert(t *testing.T, st flows, tenant, alertID uuid.UUID) store.Alert {
	t.Helper()
	a, err := st.Alert(context.Background(), tenant, alertID)
	require.NoError(t, err)
	return a
}
