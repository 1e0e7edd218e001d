package sqlschema

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// The columns of the digest tables, in the order SubscriptionScan and
// DeliveryScan read and SubscriptionArgs and DeliveryArgs write them.
// Times are milliseconds since the Unix epoch, 0 for none; recipients are
// one address a line.
const (
	SubscriptionColumns = "tenant_id, id, weekly, weekday, minute, zone, days, channel, format, url, secret, recipients, next_due, created_at, updated_at"
	DeliveryColumns     = "tenant_id, id, subscription_id, period, status, attempts, next_attempt_at, owner, lease_until, last_error, delivered_at, created_at"
)

// DeliveryQueries are the statements of a store.DeliveryStore on a SQL
// database, written once for every backend whose SQL has ON CONFLICT and
// RETURNING (PostgreSQL, SQLite 3.35+). Each names its parameters as the
// Args functions and the method order below say.
type DeliveryQueries struct {
	// PutSubscription: SubscriptionArgs.
	PutSubscription string
	// Subscription: tenant, id.
	Subscription string
	// Subscriptions: tenant.
	Subscriptions string
	// DeleteSubscription: tenant, id (deletes the subscription);
	// DeleteSubscriptionDeliveries: tenant, id (its ledger).
	DeleteSubscription, DeleteSubscriptionDeliveries string
	// DueSubscriptions: now, limit.
	DueSubscriptions string
	// MoveNextDue: next due, updated at, tenant, id, expected next due.
	MoveNextDue string
	// InsertDelivery: DeliveryArgs; nothing when the period is there.
	InsertDelivery string
	// DueDeliveries: now, limit.
	DueDeliveries string
	// ClaimDelivery: now, owner, lease until, tenant, id; returns
	// DeliveryColumns.
	ClaimDelivery string
	// FinishDelivery: status, next attempt at, last error, delivered at,
	// tenant, id, owner.
	FinishDelivery string
	// Deliveries: tenant, limit.
	Deliveries string
	// DeleteTenant: tenant; both tables, deliveries first.
	DeleteTenant []string
}

// NewDeliveryQueries writes the statements with table giving a table's
// name as the backend spells it ("digest_subscriptions" and
// "digest_deliveries") and param the i-th parameter (from 1).
func NewDeliveryQueries(table func(string) string, param func(int) string) DeliveryQueries {
	subs, dels := table("digest_subscriptions"), table("digest_deliveries")
	p := func(n int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = param(i + 1)
		}
		return strings.Join(out, ", ")
	}
	var set []string
	for _, c := range strings.Split(SubscriptionColumns, ", ")[2:] {
		if c != "created_at" {
			set = append(set, c+" = excluded."+c)
		}
	}
	due := "(status = '" + store.DeliveryPending + "' AND next_attempt_at <= " + param(1) + ") OR (status = '" +
		store.DeliverySending + "' AND lease_until <= " + param(1) + ")"
	return DeliveryQueries{
		PutSubscription: "INSERT INTO " + subs + " (" + SubscriptionColumns + ") VALUES (" + p(15) +
			") ON CONFLICT (tenant_id, id) DO UPDATE SET " + strings.Join(set, ", "),
		Subscription:                 "SELECT " + SubscriptionColumns + " FROM " + subs + " WHERE tenant_id = " + param(1) + " AND id = " + param(2),
		Subscriptions:                "SELECT " + SubscriptionColumns + " FROM " + subs + " WHERE tenant_id = " + param(1) + " ORDER BY created_at, id",
		DeleteSubscription:           "DELETE FROM " + subs + " WHERE tenant_id = " + param(1) + " AND id = " + param(2),
		DeleteSubscriptionDeliveries: "DELETE FROM " + dels + " WHERE tenant_id = " + param(1) + " AND subscription_id = " + param(2),
		DueSubscriptions: "SELECT " + SubscriptionColumns + " FROM " + subs + " WHERE next_due <= " + param(1) +
			" ORDER BY next_due, id LIMIT " + param(2),
		MoveNextDue: "UPDATE " + subs + " SET next_due = " + param(1) + ", updated_at = " + param(2) + " WHERE tenant_id = " + param(3) +
			" AND id = " + param(4) + " AND next_due = " + param(5),
		InsertDelivery: "INSERT INTO " + dels + " (" + DeliveryColumns + ") VALUES (" + p(12) +
			") ON CONFLICT (tenant_id, subscription_id, period) DO NOTHING",
		DueDeliveries: "SELECT " + DeliveryColumns + " FROM " + dels + " WHERE " + due + " ORDER BY next_attempt_at, id LIMIT " + param(2),
		ClaimDelivery: "UPDATE " + dels + " SET status = '" + store.DeliverySending + "', owner = " + param(2) + ", lease_until = " + param(3) +
			", attempts = attempts + 1 WHERE tenant_id = " + param(4) + " AND id = " + param(5) + " AND (" + due + ") RETURNING " + DeliveryColumns,
		FinishDelivery: "UPDATE " + dels + " SET status = " + param(1) + ", next_attempt_at = " + param(2) + ", last_error = " + param(3) +
			", delivered_at = " + param(4) + ", owner = '', lease_until = 0 WHERE tenant_id = " + param(5) + " AND id = " + param(6) +
			" AND status = '" + store.DeliverySending + "' AND owner = " + param(7),
		Deliveries: "SELECT " + DeliveryColumns + " FROM " + dels + " WHERE tenant_id = " + param(1) +
			" ORDER BY period DESC, id LIMIT " + param(2),
		DeleteTenant: []string{"DELETE FROM " + dels + " WHERE tenant_id = " + param(1), "DELETE FROM " + subs + " WHERE tenant_id = " + param(1)},
	}
}

// Millis is t in milliseconds since the Unix epoch, 0 for the zero time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis is the UTC time of ms, the zero time for 0.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// SubscriptionArgs returns s's values in SubscriptionColumns order, with
// tenant and id the backend's own values of the two uuids.
func SubscriptionArgs(s store.Subscription, tenant, id any) []any {
	return []any{tenant, id, s.Weekly, int(s.Weekday), s.Minute, s.Zone, s.Days, s.Channel, s.Format, s.URL, s.Secret,
		strings.Join(s.Recipients, "\n"), Millis(s.NextDue), Millis(s.CreatedAt), Millis(s.UpdatedAt)}
}

// SubscriptionScan scans rows of SubscriptionColumns.
type SubscriptionScan struct {
	sub                         store.Subscription
	weekday                     int
	recipients                  string
	nextDue, created, updatedAt int64
}

// Dest returns the scan destinations in SubscriptionColumns order, with
// tenant and id the backend's own destinations for the two uuids.
func (s *SubscriptionScan) Dest(tenant, id any) []any {
	b := &s.sub
	return []any{tenant, id, &b.Weekly, &s.weekday, &b.Minute, &b.Zone, &b.Days, &b.Channel, &b.Format, &b.URL, &b.Secret,
		&s.recipients, &s.nextDue, &s.created, &s.updatedAt}
}

// Finish returns the subscription the last scan read, without its ids:
// the backend sets them from its destinations.
func (s *SubscriptionScan) Finish() store.Subscription {
	out := s.sub
	out.Weekday = time.Weekday(s.weekday)
	out.Recipients = nil
	if s.recipients != "" {
		out.Recipients = strings.Split(s.recipients, "\n")
	}
	out.NextDue, out.CreatedAt, out.UpdatedAt = FromMillis(s.nextDue), FromMillis(s.created), FromMillis(s.updatedAt)
	return out
}

// DeliveryArgs returns d's values in DeliveryColumns order, with tenant,
// id and subscription the backend's own values of the three uuids.
func DeliveryArgs(d store.Delivery, tenant, id, subscription any) []any {
	return []any{tenant, id, subscription, Millis(d.Period), d.Status, d.Attempts, Millis(d.NextAttemptAt), d.Owner,
		Millis(d.LeaseUntil), d.LastError, Millis(d.DeliveredAt), Millis(d.CreatedAt)}
}

// DeliveryScan scans rows of DeliveryColumns.
type DeliveryScan struct {
	del                                                   store.Delivery
	period, nextAttempt, lease, deliveredAt, createdAtRow int64
}

// Dest returns the scan destinations in DeliveryColumns order, with
// tenant, id and subscription the backend's own destinations.
func (s *DeliveryScan) Dest(tenant, id, subscription any) []any {
	d := &s.del
	return []any{tenant, id, subscription, &s.period, &d.Status, &d.Attempts, &s.nextAttempt, &d.Owner, &s.lease, &d.LastError,
		&s.deliveredAt, &s.createdAtRow}
}

// Finish returns the delivery the last scan read, without its ids.
func (s *DeliveryScan) Finish() store.Delivery {
	out := s.del
	out.Period, out.NextAttemptAt, out.LeaseUntil = FromMillis(s.period), FromMillis(s.nextAttempt), FromMillis(s.lease)
	out.DeliveredAt, out.CreatedAt = FromMillis(s.deliveredAt), FromMillis(s.createdAtRow)
	return out
}

// OnlySubscription returns the one subscription a read by id found, an
// error wrapping store.ErrNotFound when it found none, or err.
func OnlySubscription(subs []store.Subscription, id uuid.UUID, err error) (store.Subscription, error) {
	if err != nil {
		return store.Subscription{}, err
	}
	if len(subs) == 0 {
		return store.Subscription{}, fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	return subs[0], nil
}
