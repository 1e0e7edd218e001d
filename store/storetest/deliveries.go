package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics/store"
)

// deliveryStore returns the backend's store.DeliveryStore, skipping the
// test (with the reason) for a backend that keeps no subscriptions.
func deliveryStore(t *testing.T, f flows) store.DeliveryStore {
	ds, ok := f.Store.(store.DeliveryStore)
	if !ok {
		t.Skip("the backend does not implement store.DeliveryStore")
	}
	return ds
}

func subscription(tenant uuid.UUID, n int, nextDue, created time.Time) store.Subscription {
	return store.Subscription{ID: id(800 + n), TenantID: tenant, Weekly: true, Weekday: time.Monday, Minute: 8 * 60, Zone: "Europe/Madrid",
		Days: 7, Channel: "webhook", Format: "json", URL: "https://hooks.example.com/digest", Secret: "0123456789abcdef",
		NextDue: nextDue, CreatedAt: created, UpdatedAt: created}
}

// testSubscriptions: put, read back field for field, replace, list in
// created order, delete with its ledger, and tenant isolation.
func testSubscriptions(t *testing.T, f flows) {
	ds := deliveryStore(t, f)
	ctx := context.Background()
	a := subscription(tenantA(), 1, at(t, "2026-11-09T07:00:00Z"), at(t, "2026-11-02T07:01:00.123Z"))
	b := subscription(tenantA(), 2, at(t, "2026-11-03T07:00:00Z"), at(t, "2026-11-01T00:00:00Z"))
	b.Weekly, b.Weekday, b.Channel, b.Format, b.URL, b.Secret = false, time.Sunday, "email", "", "", ""
	b.Recipients = []string{"ops@example.com", "lead@example.com"}
	for _, s := range []store.Subscription{a, b} {
		require.NoError(t, ds.PutSubscription(ctx, s))
	}
	got, err := ds.Subscription(ctx, tenantA(), a.ID)
	require.NoError(t, err)
	require.Equal(t, a, got)
	// Listed oldest CreatedAt first: b (1 Nov) before a (2 Nov).
	list, err := ds.Subscriptions(ctx, tenantA())
	require.NoError(t, err)
	require.Equal(t, []store.Subscription{b, a}, list)
	a.Days, a.URL, a.UpdatedAt = 14, "https://hooks.example.com/other", at(t, "2026-11-02T09:00:00Z")
	require.NoError(t, ds.PutSubscription(ctx, a))
	got, err = ds.Subscription(ctx, tenantA(), a.ID)
	require.NoError(t, err)
	require.Equal(t, a, got)
	// Tenant B sees none of them.
	_, err = ds.Subscription(ctx, tenantB(), a.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, ds.DeleteSubscription(ctx, tenantB(), a.ID), store.ErrNotFound)
	none, err := ds.Subscriptions(ctx, tenantB())
	require.NoError(t, err)
	require.Empty(t, none)
	// Deleting one takes its ledger with it.
	d := store.Delivery{ID: id(901), TenantID: tenantA(), SubscriptionID: a.ID, Period: a.NextDue, Status: store.DeliveryPending,
		NextAttemptAt: a.NextDue, CreatedAt: a.NextDue}
	moved, err := ds.ScheduleDelivery(ctx, a, at(t, "2026-11-16T07:00:00Z"), d)
	require.NoError(t, err)
	require.True(t, moved)
	require.NoError(t, ds.DeleteSubscription(ctx, tenantA(), a.ID))
	_, err = ds.Subscription(ctx, tenantA(), a.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	left, err := ds.Deliveries(ctx, tenantA(), 10)
	require.NoError(t, err)
	require.Empty(t, left)
}

// testDeliveryLedger: due subscriptions across tenants, the
// compare-and-set of scheduling, claims and their leases, finishing by the
// owner only, and the ledger's order.
func testDeliveryLedger(t *testing.T, f flows) {
	l := ledgerSteps{ds: deliveryStore(t, f), now: at(t, "2026-11-02T07:00:00Z"), next: at(t, "2026-11-09T07:00:00Z")}
	l.lease = l.now.Add(2 * time.Minute)
	d, b, later := l.requireScheduling(t)
	l.requireClaims(t, d)
	l.requireRetryWait(t, b)
	l.requireOrder(t, d, later)
}

// ledgerSteps is the state testDeliveryLedger's steps share.
type ledgerSteps struct {
	ds               store.DeliveryStore
	now, next, lease time.Time
}

// requireScheduling checks due subscriptions and the compare-and-set of
// scheduling; it returns tenant A's first delivery, tenant B's
// subscription, and tenant A's subscription due a second later.
func (l ledgerSteps) requireScheduling(t *testing.T) (store.Delivery, store.Subscription, store.Subscription) {
	ds, ctx, now, next := l.ds, context.Background(), l.now, l.next
	a := subscription(tenantA(), 1, now, now.Add(-time.Hour))
	b := subscription(tenantB(), 2, now.Add(-time.Minute), now.Add(-time.Hour))
	later := subscription(tenantA(), 3, now.Add(time.Second), now.Add(-time.Hour))
	for _, s := range []store.Subscription{a, b, later} {
		require.NoError(t, ds.PutSubscription(ctx, s))
	}
	// Due at now, both tenants, earliest NextDue first; one per limit.
	due, err := ds.DueSubscriptions(ctx, now, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{b.ID, a.ID}, []uuid.UUID{due[0].ID, due[1].ID})
	require.Len(t, due, 2)
	due, err = ds.DueSubscriptions(ctx, now, 1)
	require.NoError(t, err)
	require.Len(t, due, 1)

	d := store.Delivery{ID: id(902), TenantID: tenantA(), SubscriptionID: a.ID, Period: now, Status: store.DeliveryPending,
		NextAttemptAt: now, CreatedAt: now}
	moved, err := ds.ScheduleDelivery(ctx, a, next, d)
	require.NoError(t, err)
	require.True(t, moved)
	// A second process with the same stale view: nothing moves, nothing
	// is added.
	twin := d
	twin.ID = id(903)
	moved, err = ds.ScheduleDelivery(ctx, a, next, twin)
	require.NoError(t, err)
	require.False(t, moved)
	got, err := ds.Subscription(ctx, tenantA(), a.ID)
	require.NoError(t, err)
	require.Equal(t, next, got.NextDue)
	// Scheduling a period the ledger already has moves NextDue and adds
	// nothing.
	got.NextDue, twin.Period = next, now
	moved, err = ds.ScheduleDelivery(ctx, got, next.Add(7*24*time.Hour), twin)
	require.NoError(t, err)
	require.True(t, moved)
	ledger, err := ds.Deliveries(ctx, tenantA(), 10)
	require.NoError(t, err)
	require.Equal(t, []store.Delivery{d}, ledger)

	return d, b, later
}

// raceClaims has three owners claim d at once and returns the claims that
// applied.
func raceClaims(t *testing.T, ds store.DeliveryStore, d store.Delivery, now, lease time.Time) []store.Delivery {
	ctx := context.Background()
	var (
		mu     sync.Mutex
		claims []store.Delivery
		wg     sync.WaitGroup
	)
	for _, owner := range []string{"p1", "p2", "p3"} {
		wg.Go(func() {
			c, ok, err := ds.ClaimDelivery(ctx, d, owner, now, lease)
			require.NoError(t, err)
			if ok {
				mu.Lock()
				claims = append(claims, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return claims
}

// requireClaims checks claims racing, leases running out and finishing by
// the owner only.
func (l ledgerSteps) requireClaims(t *testing.T, d store.Delivery) {
	ds, ctx, now, lease := l.ds, context.Background(), l.now, l.lease
	var ledger []store.Delivery
	// Due now; claimed by one of two racing owners, one attempt more.
	pending, err := ds.DueDeliveries(ctx, now, 10)
	require.NoError(t, err)
	require.Equal(t, []store.Delivery{d}, pending)
	claims := raceClaims(t, ds, d, now, lease)
	require.Len(t, claims, 1, "one owner wins the claim")
	c := claims[0]
	require.Equal(t, store.DeliverySending, c.Status)
	require.Equal(t, 1, c.Attempts)
	require.Equal(t, lease, c.LeaseUntil)
	// Not due while the lease holds; due again once it has run out.
	pending, err = ds.DueDeliveries(ctx, lease.Add(-time.Millisecond), 10)
	require.NoError(t, err)
	require.Empty(t, pending)
	_, ok, err := ds.ClaimDelivery(ctx, d, "p4", lease.Add(-time.Millisecond), lease.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, ok)
	pending, err = ds.DueDeliveries(ctx, lease, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	// The lease ran out: p4 takes it over (attempt 2); the first owner's
	// late result no longer applies, p4's does.
	c4, ok, err := ds.ClaimDelivery(ctx, d, "p4", lease, lease.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 2, c4.Attempts)
	done := c4
	done.Status, done.DeliveredAt = store.DeliveryDelivered, lease.Add(time.Second)
	applied, err := ds.FinishDelivery(ctx, done, c.Owner)
	require.NoError(t, err)
	require.False(t, applied)
	applied, err = ds.FinishDelivery(ctx, done, "p4")
	require.NoError(t, err)
	require.True(t, applied)
	ledger, err = ds.Deliveries(ctx, tenantA(), 10)
	require.NoError(t, err)
	want := done
	want.Owner, want.LeaseUntil = "", time.Time{}
	require.Equal(t, []store.Delivery{want}, ledger)
	pending, err = ds.DueDeliveries(ctx, lease.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, pending, "a delivered one is never due")

}

// requireRetryWait checks that a failed attempt waits for its next attempt
// time.
func (l ledgerSteps) requireRetryWait(t *testing.T, b store.Subscription) {
	ds, ctx, now, next, lease := l.ds, context.Background(), l.now, l.next, l.lease
	var (
		moved, applied bool
		pending        []store.Delivery
		err            error
	)
	// A failed attempt waits for its next attempt time.
	e := store.Delivery{ID: id(904), TenantID: tenantB(), SubscriptionID: b.ID, Period: b.NextDue, Status: store.DeliveryPending,
		NextAttemptAt: now, CreatedAt: now}
	moved, err = ds.ScheduleDelivery(ctx, b, next, e)
	require.NoError(t, err)
	require.True(t, moved)
	ce, ok, err := ds.ClaimDelivery(ctx, e, "p1", now, lease)
	require.NoError(t, err)
	require.True(t, ok)
	ce.Status, ce.NextAttemptAt, ce.LastError = store.DeliveryPending, now.Add(time.Hour), "webhook answered 503"
	applied, err = ds.FinishDelivery(ctx, ce, "p1")
	require.NoError(t, err)
	require.True(t, applied)
	pending, err = ds.DueDeliveries(ctx, now.Add(59*time.Minute), 10)
	require.NoError(t, err)
	require.Empty(t, pending)
	pending, err = ds.DueDeliveries(ctx, now.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, "webhook answered 503", pending[0].LastError)
	require.Equal(t, 1, pending[0].Attempts)
}

// requireOrder checks the ledger's tenant and order.
func (l ledgerSteps) requireOrder(t *testing.T, d store.Delivery, later store.Subscription) {
	ds, ctx, now, next := l.ds, context.Background(), l.now, l.next
	var (
		moved  bool
		ledger []store.Delivery
		err    error
	)
	// Tenant A's ledger lists only its own, latest period first.
	f2 := store.Delivery{ID: id(905), TenantID: tenantA(), SubscriptionID: later.ID, Period: later.NextDue, Status: store.DeliveryPending,
		NextAttemptAt: later.NextDue, CreatedAt: now}
	moved, err = ds.ScheduleDelivery(ctx, later, next, f2)
	require.NoError(t, err)
	require.True(t, moved)
	ledger, err = ds.Deliveries(ctx, tenantA(), 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{f2.ID, d.ID}, []uuid.UUID{ledger[0].ID, ledger[1].ID})
	ledger, err = ds.Deliveries(ctx, tenantA(), 1)
	require.NoError(t, err)
	require.Len(t, ledger, 1)
}
