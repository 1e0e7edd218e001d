package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// subscriptionPath is the path of a tenant's subscriptions, or of one.
func subscriptionPath(tenantID uuid.UUID, id *uuid.UUID) string {
	p := tenantPath(tenantID, "/digest/subscriptions")
	if id != nil {
		p += "/" + id.String()
	}
	return p
}

// CreateSubscription subscribes the tenant to its digest, as
// Service.CreateSubscription does. A call whose answer never came is not
// repeated: a repeat would subscribe twice.
func (c *Client) CreateSubscription(ctx context.Context, tenantID uuid.UUID, in alertanalytics.SubscriptionInput) (alertanalytics.Subscription, error) {
	var out alertanalytics.Subscription
	_, err := c.getJSON(ctx, request{method: http.MethodPost, path: subscriptionPath(tenantID, nil), body: in}, &out)
	return out, err
}

// UpdateSubscription replaces a subscription, as
// Service.UpdateSubscription does.
func (c *Client) UpdateSubscription(ctx context.Context, tenantID, id uuid.UUID, in alertanalytics.SubscriptionInput) (alertanalytics.Subscription, error) {
	var out alertanalytics.Subscription
	_, err := c.getJSON(ctx, request{method: http.MethodPut, path: subscriptionPath(tenantID, &id), body: in, repeatable: true}, &out)
	return out, err
}

// Subscriptions lists the tenant's subscriptions, as
// Service.Subscriptions does.
func (c *Client) Subscriptions(ctx context.Context, tenantID uuid.UUID) ([]alertanalytics.Subscription, error) {
	var out []alertanalytics.Subscription
	if _, err := c.getJSON(ctx, request{method: http.MethodGet, path: subscriptionPath(tenantID, nil), repeatable: true}, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil // as the Service answers none
	}
	return out, nil
}

// DeleteSubscription removes a subscription and its deliveries, as
// Service.DeleteSubscription does.
func (c *Client) DeleteSubscription(ctx context.Context, tenantID, id uuid.UUID) error {
	resp, err := c.do(ctx, request{method: http.MethodDelete, path: subscriptionPath(tenantID, &id)})
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Deliveries lists the tenant's deliveries, latest period first, as
// Service.Deliveries does; the claims (Owner, LeaseUntil) stay on the
// server.
func (c *Client) Deliveries(ctx context.Context, tenantID uuid.UUID, limit int) ([]alertanalytics.Delivery, error) {
	var q url.Values
	if limit != 0 {
		q = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	var got []wire.Delivery
	if _, err := c.getJSON(ctx, request{method: http.MethodGet, path: tenantPath(tenantID, "/digest/deliveries"), query: q, repeatable: true}, &got); err != nil {
		return nil, err
	}
	return convert(got, func(d wire.Delivery) alertanalytics.Delivery { return d.Delivery(tenantID) }), nil
}
