package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

var _ store.DeliveryStore = (*Store)(nil)

// deliveryQueries writes the digest statements in the store's schema;
// New keeps them in the Store.
func (s *Store) deliveryQueries() sqlschema.DeliveryQueries {
	return sqlschema.NewDeliveryQueries(func(t string) string { return `"` + s.schema + `".` + t },
		func(i int) string { return "$" + strconv.Itoa(i) })
}

// PutSubscription implements store.DeliveryStore.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	_, err := s.db.Exec(ctx, s.dq.PutSubscription, sqlschema.SubscriptionArgs(sub, sub.TenantID, sub.ID)...)
	return wrapErr("put subscription", err)
}

// collectSubscriptions reads rows of SubscriptionColumns.
func collectSubscriptions(rows pgx.Rows, err error) ([]store.Subscription, error) {
	if err != nil {
		return nil, err
	}
	var (
		scan       sqlschema.SubscriptionScan
		tenant, id uuid.UUID
	)
	dest := scan.Dest(&tenant, &id)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Subscription, error) {
		if err := row.Scan(dest...); err != nil {
			return store.Subscription{}, err
		}
		sub := scan.Finish()
		sub.TenantID, sub.ID = tenant, id
		return sub, nil
	})
}

// Subscription implements store.DeliveryStore.
func (s *Store) Subscription(ctx context.Context, tenantID, id uuid.UUID) (store.Subscription, error) {
	subs, err := collectSubscriptions(s.db.Query(ctx, s.dq.Subscription, tenantID, id))
	sub, err := sqlschema.OnlySubscription(subs, id, err)
	return sub, wrapErr("subscription", err)
}

// Subscriptions implements store.DeliveryStore.
func (s *Store) Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]store.Subscription, error) {
	subs, err := collectSubscriptions(s.db.Query(ctx, s.dq.Subscriptions, tenantID))
	return subs, wrapErr("subscriptions", err)
}

// DeleteSubscription implements store.DeliveryStore.
func (s *Store) DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error {
	q := &s.dq
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q.DeleteSubscription, tenantID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
		}
		_, err = tx.Exec(ctx, q.DeleteSubscriptionDeliveries, tenantID, id)
		return err
	})
	return wrapErr("delete subscription", err)
}

// DueSubscriptions implements store.DeliveryStore.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]store.Subscription, error) {
	subs, err := collectSubscriptions(s.db.Query(ctx, s.dq.DueSubscriptions, sqlschema.Millis(now), limit))
	return subs, wrapErr("due subscriptions", err)
}

// ScheduleDelivery implements store.DeliveryStore: the compare-and-set of
// NextDue and the ledger row in one transaction.
func (s *Store) ScheduleDelivery(ctx context.Context, sub store.Subscription, nextDue time.Time, d store.Delivery) (bool, error) {
	q := &s.dq
	moved := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q.MoveNextDue, sqlschema.Millis(nextDue), sqlschema.Millis(d.CreatedAt), sub.TenantID, sub.ID,
			sqlschema.Millis(sub.NextDue))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		moved = true
		_, err = tx.Exec(ctx, q.InsertDelivery, sqlschema.DeliveryArgs(d, d.TenantID, d.ID, d.SubscriptionID)...)
		return err
	})
	return moved, wrapErr("schedule delivery", err)
}

// collectDeliveries reads rows of DeliveryColumns.
func collectDeliveries(rows pgx.Rows, err error) ([]store.Delivery, error) {
	if err != nil {
		return nil, err
	}
	var (
		scan             sqlschema.DeliveryScan
		tenant, id, subs uuid.UUID
	)
	dest := scan.Dest(&tenant, &id, &subs)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Delivery, error) {
		if err := row.Scan(dest...); err != nil {
			return store.Delivery{}, err
		}
		d := scan.Finish()
		d.TenantID, d.ID, d.SubscriptionID = tenant, id, subs
		return d, nil
	})
}

// DueDeliveries implements store.DeliveryStore.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	ds, err := collectDeliveries(s.db.Query(ctx, s.dq.DueDeliveries, sqlschema.Millis(now), limit))
	return ds, wrapErr("due deliveries", err)
}

// ClaimDelivery implements store.DeliveryStore: one conditional update of
// one tenant's row, so two processes claiming at once serialize on the
// row and the second finds it no longer due.
func (s *Store) ClaimDelivery(ctx context.Context, d store.Delivery, owner string, now, leaseUntil time.Time) (store.Delivery, bool, error) {
	claimed, err := collectDeliveries(s.db.Query(ctx, s.dq.ClaimDelivery, sqlschema.Millis(now), owner,
		sqlschema.Millis(leaseUntil), d.TenantID, d.ID))
	if err != nil || len(claimed) == 0 {
		return store.Delivery{}, false, wrapErr("claim delivery", err)
	}
	return claimed[0], true, nil
}

// FinishDelivery implements store.DeliveryStore.
func (s *Store) FinishDelivery(ctx context.Context, d store.Delivery, owner string) (bool, error) {
	tag, err := s.db.Exec(ctx, s.dq.FinishDelivery, d.Status, sqlschema.Millis(d.NextAttemptAt), d.LastError,
		sqlschema.Millis(d.DeliveredAt), d.TenantID, d.ID, owner)
	if err != nil {
		return false, wrapErr("finish delivery", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Deliveries implements store.DeliveryStore.
func (s *Store) Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]store.Delivery, error) {
	ds, err := collectDeliveries(s.db.Query(ctx, s.dq.Deliveries, tenantID, limit))
	return ds, wrapErr("deliveries", err)
}
