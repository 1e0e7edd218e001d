package alertanalytics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// ErrNoDeliveries is returned by the subscription and delivery calls when
// the Service's store does not implement store.DeliveryStore.
var ErrNoDeliveries = errors.New("the store keeps no digest subscriptions (it does not implement store.DeliveryStore)")

// WebhookFormat is the body a digest webhook posts.
type WebhookFormat string

// The formats of a WebhookChannel.
const (
	// WebhookJSON posts the digest as JSON with the delivery's ids; the
	// default.
	WebhookJSON WebhookFormat = "json"
	// WebhookSlack posts a Slack incoming-webhook message: the digest's
	// text.
	WebhookSlack WebhookFormat = "slack"
)

// Limits of a subscription's channel.
const (
	MinWebhookSecret = 16
	MaxWebhookSecret = 256
	MaxRecipients    = 20
	maxWebhookURL    = 2048
)

// WebhookChannel posts each digest to URL.
type WebhookChannel struct {
	// URL is http or https; see Config.AllowPrivateWebhooks.
	URL    string        `json:"url"`
	Format WebhookFormat `json:"format,omitempty"`
	// Secret signs each body (HMAC-SHA256), 16–256 characters. It is
	// never returned: it is empty in every answer. Given empty to
	// UpdateSubscription, the subscription keeps the one it has.
	Secret string `json:"secret,omitempty"`
}

// EmailChannel mails each digest to To (1–20 addresses) through the
// DeliveryOptions' Mailer.
type EmailChannel struct {
	To []string `json:"to"`
}

// SubscriptionInput is a digest subscription to create, or what replaces
// one: a schedule, the digest's window and exactly one channel.
type SubscriptionInput struct {
	Schedule Schedule `json:"schedule"`
	// Days is the digest's window in local days, 1–90; 0 means 7 for a
	// weekly schedule and 1 for a daily one.
	Days    int             `json:"days,omitempty"`
	Webhook *WebhookChannel `json:"webhook,omitempty"`
	Email   *EmailChannel   `json:"email,omitempty"`
}

// Subscription is a tenant's standing order for its digest.
type Subscription struct {
	ID       uuid.UUID `json:"id"`
	TenantID uuid.UUID `json:"tenant_id"`
	Schedule Schedule  `json:"schedule"`
	Days     int       `json:"days"`
	// Webhook or Email is set: the channel, its secret left out.
	Webhook *WebhookChannel `json:"webhook,omitempty"`
	Email   *EmailChannel   `json:"email,omitempty"`
	// NextDelivery is the instant of the next period not yet scheduled.
	NextDelivery time.Time `json:"next_delivery"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Delivery is one period of one subscription, as the ledger keeps it:
// Status is pending, sending, delivered or failed (see store.Delivery).
type Delivery = store.Delivery

// deliveryStore returns the store's DeliveryStore for a call on the
// tenant: ErrNoDeliveries without one, a *FieldError without a tenant.
func (s *Service) deliveryStore(tenantID uuid.UUID) (store.DeliveryStore, error) {
	if s.deliveries == nil {
		return nil, ErrNoDeliveries
	}
	if err := checkTenant(tenantID); err != nil {
		return nil, err
	}
	return s.deliveries, nil
}

// checkWebhookURL validates a webhook URL and, unless private addresses
// are allowed, refuses one whose host is or resolves to an address that is
// not public.
func (s *Service) checkWebhookURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(raw) > maxWebhookURL || u.User != nil {
		return invalid("webhook.url", "must be an absolute http or https URL without credentials, at most 2048 characters")
	}
	if s.privateWebhooks {
		return nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return invalid("webhook.url", "host "+host+" does not resolve")
		}
		addrs = ips
	}
	for _, ip := range addrs {
		if kind := nonPublic(ip); kind != "" {
			return invalid("webhook.url", fmt.Sprintf("resolves to %s, a %s address: refused (see Config.AllowPrivateWebhooks)", ip, kind))
		}
	}
	return nil
}

// nonPublic names the kind of a non-public address, "" for a public one.
func nonPublic(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		return "shared (carrier-grade NAT)"
	}
	return ""
}

// checkInput checks a subscription's schedule and window, and fills in
// the window's default.
func checkInput(in *SubscriptionInput) error {
	if err := in.Schedule.check(); err != nil {
		return err
	}
	if in.Schedule.Every == Daily {
		in.Schedule.Weekday = time.Sunday // unused: answered as Sunday
	}
	if in.Days == 0 {
		in.Days = 1
		if in.Schedule.Every == Weekly {
			in.Days = 7
		}
	}
	return checkDays(in.Days)
}

// subscriptionOf returns the stored form of a subscription with in (its
// tenant, schedule and window checked); old, when not nil, is the
// subscription it replaces.
func (s *Service) subscriptionOf(ctx context.Context, tenantID uuid.UUID, in SubscriptionInput, old *store.Subscription, now time.Time) (store.Subscription, error) {
	sub := store.Subscription{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), Weekly: in.Schedule.Every == Weekly,
		Weekday: in.Schedule.Weekday, Minute: in.Schedule.Hour*60 + in.Schedule.Minute, Zone: in.Schedule.Location.String(),
		Days: in.Days, NextDue: in.Schedule.Next(now), CreatedAt: now, UpdatedAt: now}
	if old != nil {
		sub.ID, sub.CreatedAt = old.ID, old.CreatedAt
	}
	return sub, s.channelOf(ctx, &sub, in, old)
}

// channelOf checks the input's one channel and sets it on sub.
func (s *Service) channelOf(ctx context.Context, sub *store.Subscription, in SubscriptionInput, old *store.Subscription) error {
	switch {
	case (in.Webhook == nil) == (in.Email == nil):
		return invalid("channel", "give exactly one of webhook and email")
	case in.Email != nil:
		if len(in.Email.To) == 0 || len(in.Email.To) > MaxRecipients {
			return invalid("email.to", fmt.Sprintf("must list 1 to %d addresses", MaxRecipients))
		}
		for _, to := range in.Email.To {
			if a, err := mail.ParseAddress(to); err != nil || a.Name != "" || a.Address != to {
				return invalid("email.to", "must be plain addresses such as ops@example.com")
			}
		}
		sub.Channel, sub.Recipients = "email", append([]string(nil), in.Email.To...)
		return nil
	}
	w := *in.Webhook
	if w.Format == "" {
		w.Format = WebhookJSON
	}
	if w.Format != WebhookJSON && w.Format != WebhookSlack {
		return invalid("webhook.format", "must be json or slack")
	}
	if w.Secret == "" && old != nil && old.Channel == "webhook" {
		w.Secret = old.Secret
	}
	if n := len([]rune(w.Secret)); n < MinWebhookSecret || n > MaxWebhookSecret {
		return invalid("webhook.secret", fmt.Sprintf("must be %d to %d characters", MinWebhookSecret, MaxWebhookSecret))
	}
	if err := s.checkWebhookURL(ctx, w.URL); err != nil {
		return err
	}
	sub.Channel, sub.Format, sub.URL, sub.Secret = "webhook", string(w.Format), w.URL, w.Secret
	return nil
}

// answerOf is the Service's answer for a stored subscription: its secret
// left out.
func answerOf(sub store.Subscription) (Subscription, error) {
	loc, err := time.LoadLocation(sub.Zone)
	if err != nil {
		return Subscription{}, fmt.Errorf("subscription %s: zone %q: %w", sub.ID, sub.Zone, err)
	}
	every := Daily
	if sub.Weekly {
		every = Weekly
	}
	out := Subscription{ID: sub.ID, TenantID: sub.TenantID, Days: sub.Days, NextDelivery: sub.NextDue, CreatedAt: sub.CreatedAt,
		UpdatedAt: sub.UpdatedAt, Schedule: Schedule{Every: every, Weekday: sub.Weekday, Hour: sub.Minute / 60, Minute: sub.Minute % 60, Location: loc}}
	if sub.Channel == "email" {
		out.Email = &EmailChannel{To: sub.Recipients}
	} else {
		out.Webhook = &WebhookChannel{URL: sub.URL, Format: WebhookFormat(sub.Format)}
	}
	return out, nil
}

// CreateSubscription subscribes the tenant to its digest. The first
// delivery is the schedule's first instant after now: a Monday 08:00
// subscription created Monday at 07:59 is first sent a minute later, one
// created at 08:01 the next Monday.
func (s *Service) CreateSubscription(ctx context.Context, tenantID uuid.UUID, in SubscriptionInput) (_ Subscription, err error) {
	ctx, end, err := s.call(ctx, "CreateSubscription", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	return s.putSubscription(ctx, tenantID, nil, in)
}

// UpdateSubscription replaces a subscription's schedule, window and
// channel; its next delivery is the new schedule's first instant after
// now. A webhook given without a secret keeps the one the subscription
// has.
func (s *Service) UpdateSubscription(ctx context.Context, tenantID, id uuid.UUID, in SubscriptionInput) (_ Subscription, err error) {
	ctx, end, err := s.call(ctx, "UpdateSubscription", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	return s.putSubscription(ctx, tenantID, &id, in)
}

// putSubscription checks in and saves it as a new subscription, or, with
// an id, as the one it replaces (the input checked before the lookup).
func (s *Service) putSubscription(ctx context.Context, tenantID uuid.UUID, id *uuid.UUID, in SubscriptionInput) (Subscription, error) {
	ds, err := s.deliveryStore(tenantID)
	if err != nil {
		return Subscription{}, err
	}
	if err := checkInput(&in); err != nil {
		return Subscription{}, err
	}
	op, old := "create subscription", (*store.Subscription)(nil)
	if id != nil {
		op = "update subscription"
		found, err := ds.Subscription(ctx, tenantID, *id)
		if err != nil {
			return Subscription{}, fmt.Errorf("%s: %w", op, err)
		}
		old = &found
	}
	sub, err := s.subscriptionOf(ctx, tenantID, in, old, s.now())
	if err != nil {
		return Subscription{}, err
	}
	if err := ds.PutSubscription(ctx, sub); err != nil {
		return Subscription{}, fmt.Errorf("%s: %w", op, err)
	}
	return answerOf(sub)
}

// Subscriptions lists the tenant's subscriptions, oldest first, nil when
// there are none.
func (s *Service) Subscriptions(ctx context.Context, tenantID uuid.UUID) (_ []Subscription, err error) {
	ctx, end, err := s.call(ctx, "Subscriptions", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	ds, err := s.deliveryStore(tenantID)
	if err != nil {
		return nil, err
	}
	subs, err := ds.Subscriptions(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	var out []Subscription
	for _, sub := range subs {
		a, err := answerOf(sub)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DeleteSubscription removes a subscription and its deliveries.
func (s *Service) DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) (err error) {
	ctx, end, err := s.call(ctx, "DeleteSubscription", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	ds, err := s.deliveryStore(tenantID)
	if err != nil {
		return err
	}
	if err := ds.DeleteSubscription(ctx, tenantID, id); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// Deliveries lists the tenant's deliveries, latest period first, at most
// limit (1–100; 0 means 10), nil when there are none.
func (s *Service) Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) (_ []Delivery, err error) {
	ctx, end, err := s.call(ctx, "Deliveries", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	ds, err := s.deliveryStore(tenantID)
	if err != nil {
		return nil, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	out, err := ds.Deliveries(ctx, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
