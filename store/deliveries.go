package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Subscription is a tenant's standing order for its digest: when it is
// sent, over which window, and where. The root package computes the
// schedule; a backend keeps the fields as they are given.
type Subscription struct {
	ID       uuid.UUID
	TenantID uuid.UUID
	// Weekly sends once a week on Weekday; otherwise every day.
	Weekly  bool
	Weekday time.Weekday
	// Minute is the local time of day it is sent, in minutes after
	// midnight, in Zone (an IANA time zone name).
	Minute int
	Zone   string
	// Days is the digest's window in local days.
	Days int
	// Channel is "webhook" or "email". A webhook posts to URL in Format
	// ("json" or "slack"), signed with Secret; e-mail goes to Recipients.
	Channel    string
	Format     string
	URL        string
	Secret     string
	Recipients []string
	// NextDue is the instant of the next period not yet scheduled.
	NextDue   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The states of a Delivery.
const (
	// DeliveryPending waits for NextAttemptAt.
	DeliveryPending = "pending"
	// DeliverySending is claimed by Owner until LeaseUntil.
	DeliverySending = "sending"
	// DeliveryDelivered was answered with success.
	DeliveryDelivered = "delivered"
	// DeliveryFailed gave up after its last attempt; LastError says why.
	DeliveryFailed = "failed"
)

// Delivery is one period of one subscription in the ledger, from its
// scheduling to its outcome.
type Delivery struct {
	// ID is the same on every attempt: receivers drop duplicates by it.
	ID             uuid.UUID
	TenantID       uuid.UUID
	SubscriptionID uuid.UUID
	// Period is the scheduled instant the delivery is for.
	Period        time.Time
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	// Owner and LeaseUntil say who is sending it, and until when the
	// claim holds; zero when not sending.
	Owner       string
	LeaseUntil  time.Time
	LastError   string
	DeliveredAt time.Time
	CreatedAt   time.Time
}

// DeliveryStore is what a backend implements to keep digest subscriptions
// and their delivery ledger. It is apart from Store so that a backend
// without it still serves everything else; the Service's subscription and
// delivery calls need it.
//
// Any number of processes share one DeliveryStore: every change that two
// of them could race on is a compare-and-set that reports whether it
// applied, so one process wins each period and each claim. Times are kept
// to the millisecond and returned in UTC. The error contract is Store's.
// Slices passed in are not kept; slices returned belong to the caller.
type DeliveryStore interface {
	// PutSubscription inserts the subscription, or replaces the one with
	// its tenant and id.
	PutSubscription(ctx context.Context, s Subscription) error
	// Subscription reads one subscription of the tenant.
	Subscription(ctx context.Context, tenantID, id uuid.UUID) (Subscription, error)
	// Subscriptions lists the tenant's subscriptions, oldest CreatedAt
	// first, ties by id.
	Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]Subscription, error)
	// DeleteSubscription removes a subscription of the tenant and its
	// deliveries.
	DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error
	// DueSubscriptions lists, across every tenant, at most limit
	// subscriptions whose NextDue is at or before now, earliest NextDue
	// first, ties by id.
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]Subscription, error)
	// ScheduleDelivery, in one transaction, moves s's NextDue to nextDue
	// if it is still s.NextDue, and then adds d to the ledger unless the
	// subscription already has a delivery for d.Period. It reports
	// whether NextDue moved; when it did not, nothing changed.
	ScheduleDelivery(ctx context.Context, s Subscription, nextDue time.Time, d Delivery) (bool, error)
	// DueDeliveries lists, across every tenant, at most limit deliveries
	// that are pending with NextAttemptAt at or before now, or sending
	// with LeaseUntil at or before now, earliest NextAttemptAt first, ties
	// by id.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ClaimDelivery makes d sending by owner until leaseUntil, one more
	// attempt, if it is still due at now as DueDeliveries says; it returns
	// the delivery as claimed and whether the claim applied.
	ClaimDelivery(ctx context.Context, d Delivery, owner string, now, leaseUntil time.Time) (Delivery, bool, error)
	// FinishDelivery writes d's Status, NextAttemptAt, LastError and
	// DeliveredAt, and clears its claim, if it is still sending by owner;
	// it reports whether it applied.
	FinishDelivery(ctx context.Context, d Delivery, owner string) (bool, error)
	// Deliveries lists the tenant's deliveries, latest Period first, ties
	// by id, at most limit.
	Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]Delivery, error)
}
