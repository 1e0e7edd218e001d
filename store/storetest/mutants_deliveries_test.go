package storetest_test

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// The mutants of store.DeliveryStore, one method broken each.

func (m mutant) PutSubscription(ctx context.Context, s store.Subscription) error {
	if m.name == "PutSubscription" { // forgets the e-mail recipients
		s.Recipients = nil
	}
	return m.DeliveryStore.PutSubscription(ctx, s)
}

func (m mutant) Subscription(ctx context.Context, tenantID, id uuid.UUID) (store.Subscription, error) {
	s, err := m.DeliveryStore.Subscription(ctx, tenantID, id)
	if m.name == "Subscription" { // reads the next due instant to the second
		s.NextDue = s.NextDue.Truncate(time.Second)
		s.CreatedAt = s.CreatedAt.Truncate(time.Second)
	}
	return s, err
}

func (m mutant) Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]store.Subscription, error) {
	subs, err := m.DeliveryStore.Subscriptions(ctx, tenantID)
	if m.name == "Subscriptions" { // newest first
		slices.Reverse(subs)
	}
	return subs, err
}

func (m mutant) DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error {
	err := m.DeliveryStore.DeleteSubscription(ctx, tenantID, id)
	if m.name == "DeleteSubscription" { // a subscription that is not there is no error
		return nil
	}
	return err
}

func (m mutant) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]store.Subscription, error) {
	if m.name == "DueSubscriptions" { // one past the limit
		limit++
	}
	return m.DeliveryStore.DueSubscriptions(ctx, now, limit)
}

func (m mutant) ScheduleDelivery(ctx context.Context, s store.Subscription, nextDue time.Time, d store.Delivery) (bool, error) {
	moved, err := m.DeliveryStore.ScheduleDelivery(ctx, s, nextDue, d)
	if m.name == "ScheduleDelivery" { // says it moved whether or not
		return true, err
	}
	return moved, err
}

func (m mutant) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	ds, err := m.DeliveryStore.DueDeliveries(ctx, now, limit)
	if m.name == "DueDeliveries" { // forgets claims whose lease ran out
		ds = slices.DeleteFunc(ds, func(d store.Delivery) bool { return d.Status == store.DeliverySending })
	}
	return ds, err
}

func (m mutant) ClaimDelivery(ctx context.Context, d store.Delivery, owner string, now, leaseUntil time.Time) (store.Delivery, bool, error) {
	c, ok, err := m.DeliveryStore.ClaimDelivery(ctx, d, owner, now, leaseUntil)
	if m.name == "ClaimDelivery" && !ok && err == nil { // every claimant wins
		d.Status, d.Owner, d.LeaseUntil = store.DeliverySending, owner, leaseUntil
		return d, true, nil
	}
	return c, ok, err
}

func (m mutant) FinishDelivery(ctx context.Context, d store.Delivery, owner string) (bool, error) {
	applied, err := m.DeliveryStore.FinishDelivery(ctx, d, owner)
	if m.name == "FinishDelivery" { // says it applied whoever asked
		return true, err
	}
	return applied, err
}

func (m mutant) Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]store.Delivery, error) {
	ds, err := m.DeliveryStore.Deliveries(ctx, tenantID, limit)
	if m.name == "Deliveries" && len(ds) > 1 { // oldest period first
		slices.Reverse(ds)
	}
	return ds, err
}
