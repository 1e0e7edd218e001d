package httpapi

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// subscriptionNotFound names what was not found for a subscription route.
func subscriptionNotFound(err error) error {
	if errors.Is(err, alertanalytics.ErrNotFound) {
		return &apiError{status: http.StatusNotFound, detail: "subscription not found"}
	}
	return err
}

// subscriptionID reads the subscription path parameter.
func subscriptionID(r *http.Request) (uuid.UUID, error) { return pathUUID(r, "subscription_id") }

func (h *handler) createSubscription(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	var in alertanalytics.SubscriptionInput
	if err := decodeJSON(r.Body, &in); err != nil {
		return err
	}
	sub, err := h.svc.CreateSubscription(r.Context(), tenantID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sub)
}

func (h *handler) listSubscriptions(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	subs, err := h.svc.Subscriptions(r.Context(), tenantID)
	if err != nil {
		return err
	}
	if subs == nil {
		subs = []alertanalytics.Subscription{}
	}
	return writeJSON(w, http.StatusOK, subs)
}

func (h *handler) updateSubscription(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	var in alertanalytics.SubscriptionInput
	if err := decodeJSON(r.Body, &in); err != nil {
		return err
	}
	sub, err := h.svc.UpdateSubscription(r.Context(), tenantID, id, in)
	if err != nil {
		return subscriptionNotFound(err)
	}
	return writeJSON(w, http.StatusOK, sub)
}

func (h *handler) deleteSubscription(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	id, err := subscriptionID(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteSubscription(r.Context(), tenantID, id); err != nil {
		return subscriptionNotFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) listDeliveries(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	limit, err := queryInt(r.URL.Query(), "limit", alertanalytics.DefaultRowsLimit, alertanalytics.MinRowsLimit, alertanalytics.MaxRowsLimit)
	if err != nil {
		return err
	}
	ds, err := h.svc.Deliveries(r.Context(), tenantID, limit)
	if err != nil {
		return err
	}
	out := make([]wire.Delivery, len(ds))
	for i, d := range ds {
		out[i] = wire.DeliveryOf(d)
	}
	return writeJSON(w, http.StatusOK, out)
}
