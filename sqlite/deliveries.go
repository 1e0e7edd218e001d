package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
	"github.com/alertanalytics/alertanalytics/store/sqlschema"
)

var _ store.DeliveryStore = (*Store)(nil)

// deliveryQueries writes the digest statements in SQLite's spelling; a
// Store keeps them.
func deliveryQueries() sqlschema.DeliveryQueries {
	return sqlschema.NewDeliveryQueries(func(t string) string { return "alertanalytics_" + t },
		func(i int) string { return "?" + strconv.Itoa(i) })
}

// PutSubscription implements store.DeliveryStore.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	err := s.inTx(ctx, sub.TenantID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dq.PutSubscription, sqlschema.SubscriptionArgs(sub, sub.TenantID[:], sub.ID[:])...)
		return err
	})
	return wrapErr("put subscription", err)
}

// scanSubscriptions reads rows of SubscriptionColumns.
func scanSubscriptions(rows *sql.Rows) ([]store.Subscription, error) {
	defer rows.Close()
	var (
		out        []store.Subscription
		scan       sqlschema.SubscriptionScan
		tenant, id []byte
	)
	dest := scan.Dest(&tenant, &id)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		sub := scan.Finish()
		copy(sub.TenantID[:], tenant)
		copy(sub.ID[:], id)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Subscription implements store.DeliveryStore.
func (s *Store) Subscription(ctx context.Context, tenantID, id uuid.UUID) (store.Subscription, error) {
	rows, err := s.reader.QueryContext(ctx, s.dq.Subscription, tenantID[:], id[:])
	var subs []store.Subscription
	if err == nil {
		subs, err = scanSubscriptions(rows)
	}
	sub, err := sqlschema.OnlySubscription(subs, id, err)
	return sub, wrapErr("subscription", err)
}

// Subscriptions implements store.DeliveryStore.
func (s *Store) Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]store.Subscription, error) {
	rows, err := s.reader.QueryContext(ctx, s.dq.Subscriptions, tenantID[:])
	if err != nil {
		return nil, wrapErr("subscriptions", err)
	}
	subs, err := scanSubscriptions(rows)
	return subs, wrapErr("subscriptions", err)
}

// DeleteSubscription implements store.DeliveryStore.
func (s *Store) DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error {
	q := &s.dq
	err := s.inTx(ctx, tenantID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.DeleteSubscription, tenantID[:], id[:])
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, q.DeleteSubscriptionDeliveries, tenantID[:], id[:])
		return err
	})
	return wrapErr("delete subscription", err)
}

// DueSubscriptions implements store.DeliveryStore.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]store.Subscription, error) {
	rows, err := s.reader.QueryContext(ctx, s.dq.DueSubscriptions, sqlschema.Millis(now), limit)
	if err != nil {
		return nil, wrapErr("due subscriptions", err)
	}
	subs, err := scanSubscriptions(rows)
	return subs, wrapErr("due subscriptions", err)
}

// ScheduleDelivery implements store.DeliveryStore.
func (s *Store) ScheduleDelivery(ctx context.Context, sub store.Subscription, nextDue time.Time, d store.Delivery) (bool, error) {
	q := &s.dq
	moved := false
	err := s.inTx(ctx, sub.TenantID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.MoveNextDue, sqlschema.Millis(nextDue), sqlschema.Millis(d.CreatedAt), sub.TenantID[:], sub.ID[:],
			sqlschema.Millis(sub.NextDue))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		moved = true
		_, err = tx.ExecContext(ctx, q.InsertDelivery, sqlschema.DeliveryArgs(d, d.TenantID[:], d.ID[:], d.SubscriptionID[:])...)
		return err
	})
	return moved, wrapErr("schedule delivery", err)
}

// scanDeliveries reads rows of DeliveryColumns.
func scanDeliveries(rows *sql.Rows) ([]store.Delivery, error) {
	defer rows.Close()
	var (
		out              []store.Delivery
		scan             sqlschema.DeliveryScan
		tenant, id, subs []byte
	)
	dest := scan.Dest(&tenant, &id, &subs)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		d := scan.Finish()
		copy(d.TenantID[:], tenant)
		copy(d.ID[:], id)
		copy(d.SubscriptionID[:], subs)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DueDeliveries implements store.DeliveryStore.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	rows, err := s.reader.QueryContext(ctx, s.dq.DueDeliveries, sqlschema.Millis(now), limit)
	if err != nil {
		return nil, wrapErr("due deliveries", err)
	}
	ds, err := scanDeliveries(rows)
	return ds, wrapErr("due deliveries", err)
}

// ClaimDelivery implements store.DeliveryStore.
func (s *Store) ClaimDelivery(ctx context.Context, d store.Delivery, owner string, now, leaseUntil time.Time) (store.Delivery, bool, error) {
	var claimed []store.Delivery
	err := s.inTx(ctx, d.TenantID, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.dq.ClaimDelivery, sqlschema.Millis(now), owner, sqlschema.Millis(leaseUntil),
			d.TenantID[:], d.ID[:])
		if err != nil {
			return err
		}
		claimed, err = scanDeliveries(rows)
		return err
	})
	if err != nil || len(claimed) == 0 {
		return store.Delivery{}, false, wrapErr("claim delivery", err)
	}
	return claimed[0], true, nil
}

// FinishDelivery implements store.DeliveryStore.
func (s *Store) FinishDelivery(ctx context.Context, d store.Delivery, owner string) (bool, error) {
	applied := false
	err := s.inTx(ctx, d.TenantID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dq.FinishDelivery, d.Status, sqlschema.Millis(d.NextAttemptAt), d.LastError,
			sqlschema.Millis(d.DeliveredAt), d.TenantID[:], d.ID[:], owner)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		applied = n == 1
		return err
	})
	return applied, wrapErr("finish delivery", err)
}

// Deliveries implements store.DeliveryStore.
func (s *Store) Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]store.Delivery, error) {
	rows, err := s.reader.QueryContext(ctx, s.dq.Deliveries, tenantID[:], limit)
	if err != nil {
		return nil, wrapErr("deliveries", err)
	}
	ds, err := scanDeliveries(rows)
	return ds, wrapErr("deliveries", err)
}
