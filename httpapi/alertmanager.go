package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/wire"
)

// alertmanagerBody is the webhook payload with its alerts still raw, so a
// bad alert is rejected on its own inside the 200: Alertmanager drops a 4xx
// notification for good and retries a 5xx.
type alertmanagerBody struct {
	alertanalytics.AlertmanagerWebhook
	Alerts []json.RawMessage `json:"alerts"`
}

type alertmanagerResponse struct {
	alertanalytics.AlertmanagerResult
	Rejected []wire.Rejection `json:"rejected"`
}

// alertmanager receives an Alertmanager webhook notification.
func (h *handler) alertmanager(w http.ResponseWriter, r *http.Request, p Principal) error {
	tenantID, err := tenant(r, p)
	if err != nil {
		return err
	}
	user, err := interactionUser(r, p)
	if err != nil {
		return err
	}
	var body alertmanagerBody
	if err := decodeJSON(r.Body, &body); err != nil {
		return err
	}
	if len(body.Alerts) > h.cfg.MaxBatchItems {
		return tooManyItems("alerts", h.cfg.MaxBatchItems, "set max_alerts on the webhook receiver")
	}
	webhook := body.AlertmanagerWebhook
	webhook.Alerts = nil
	var positions []int
	rejected := []wire.Rejection{}
	for i, raw := range body.Alerts {
		var a alertanalytics.AlertmanagerAlert
		if err := decodeObject(raw, &a); err != nil {
			rejected = append(rejected, rejectionOf(i, err))
			continue
		}
		webhook.Alerts = append(webhook.Alerts, a)
		positions = append(positions, i)
	}
	res, err := h.svc.RecordAlertmanager(r.Context(), tenantID, user, webhook, alertanalytics.AlertmanagerOptions{Priorities: h.cfg.AlertmanagerPriorities})
	if err != nil {
		return err
	}
	res.Received = len(body.Alerts)
	return writeJSON(w, http.StatusOK, alertmanagerResponse{AlertmanagerResult: res,
		Rejected: allRejections(rejected, positions, res.Rejected)})
}
