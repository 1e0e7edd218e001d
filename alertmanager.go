package alertanalytics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// AlertmanagerWebhook is the payload the Prometheus Alertmanager posts to a
// webhook receiver (version 4). Keys it does not name are ignored.
type AlertmanagerWebhook struct {
	Version           string              `json:"version"`
	GroupKey          string              `json:"groupKey"`
	Status            string              `json:"status"`
	Receiver          string              `json:"receiver"`
	GroupLabels       map[string]string   `json:"groupLabels"`
	CommonLabels      map[string]string   `json:"commonLabels"`
	CommonAnnotations map[string]string   `json:"commonAnnotations"`
	ExternalURL       string              `json:"externalURL"`
	Alerts            []AlertmanagerAlert `json:"alerts"`
}

// AlertmanagerAlert is one alert of a webhook notification.
type AlertmanagerAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// AlertmanagerOptions configures how Alertmanager alerts map onto alerts.
type AlertmanagerOptions struct {
	// Priorities maps a severity label value, compared without regard to
	// case, to a priority level. Values it does not name fall back to the
	// default mapping: critical → critical; error, warning, high →
	// important; info, low, none → info; anything else → standard.
	Priorities map[string]Priority
}

func (o AlertmanagerOptions) priority(severity string) Priority {
	s := strings.ToLower(severity)
	for k, p := range o.Priorities {
		if strings.ToLower(k) == s {
			return p
		}
	}
	switch s {
	case "critical":
		return PriorityCritical
	case "error", "warning", "high":
		return PriorityImportant
	case "info", "low", "none":
		return PriorityInfo
	}
	return PriorityStandard
}

// AlertmanagerResult is the outcome of one webhook notification.
type AlertmanagerResult struct {
	// Received counts the notification's alerts.
	Received int `json:"received"`
	// Created and Existing count the alerts stored anew and those already
	// stored (a redelivery, or an alert still firing).
	Created  int `json:"created"`
	Existing int `json:"existing"`
	// Resolved counts the resolved interactions newly recorded.
	Resolved int `json:"resolved"`
	// Rejected lists the alerts that could not be mapped.
	Rejected []Rejection `json:"-"`
}

// AlertmanagerID is the alert id an Alertmanager alert maps to in a tenant:
// a name-based UUID of its fingerprint and start, so redelivery and
// repeats land on the same alert.
func AlertmanagerID(tenantID uuid.UUID, fingerprint string, startsAt time.Time) uuid.UUID {
	return uuid.NewSHA1(tenantID, []byte(fingerprint+"\n"+startsAt.UTC().Format(time.RFC3339Nano)))
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// alertmanagerInput maps one Alertmanager alert onto an alert: alert_type
// is labels.alertname ("alertmanager" without one); service labels.service,
// else labels.job; category labels.category, else the alert type; title
// annotations.summary, else the alert name; message
// annotations.description; created_at startsAt; texts cut to their limits;
// labels, annotations, generatorURL and fingerprint kept in
// orchestrator_context under "alertmanager".
func alertmanagerInput(tenantID uuid.UUID, a AlertmanagerAlert, opts AlertmanagerOptions) (AlertInput, error) {
	if a.StartsAt.IsZero() {
		return AlertInput{}, invalid("startsAt", "is required")
	}
	if a.Fingerprint == "" {
		return AlertInput{}, invalid("fingerprint", "is required")
	}
	name := a.Labels["alertname"]
	alertType := name
	if alertType == "" {
		alertType = "alertmanager"
	}
	service := a.Labels["service"]
	if service == "" {
		service = a.Labels["job"]
	}
	category := a.Labels["category"]
	if category == "" {
		category = alertType
	}
	title := a.Annotations["summary"]
	if title == "" {
		title = alertType
	}
	kept, err := json.Marshal(map[string]any{"alertmanager": map[string]any{"labels": a.Labels, "annotations": a.Annotations,
		"generatorURL": a.GeneratorURL, "fingerprint": a.Fingerprint}})
	if err != nil {
		return AlertInput{}, err
	}
	if len(kept) > maxAlertJSON {
		kept, _ = json.Marshal(map[string]any{"alertmanager": map[string]any{"fingerprint": a.Fingerprint, "truncated": true}})
	}
	return AlertInput{
		ID: AlertmanagerID(tenantID, a.Fingerprint, a.StartsAt), AlertType: cut(alertType, maxAlertType), Category: cut(category, maxCategory),
		Title: cut(title, maxTitle), Message: cut(a.Annotations["description"], maxMessage), Service: cut(service, maxService),
		PriorityLevel: opts.priority(a.Labels["severity"]), CreatedAt: a.StartsAt, OrchestratorContext: kept,
	}, nil
}

// RecordAlertmanager stores the alerts of an Alertmanager webhook
// notification for the tenant (see alertmanagerInput for the mapping and
// AlertmanagerID for the ids, which make redelivery change nothing), and
// for each resolved alert records a resolved interaction at endsAt, as
// userID, with an idempotency key made from the alert's id. Alerts that
// cannot be mapped are listed in Rejected; the others are stored.
func (s *Service) RecordAlertmanager(ctx context.Context, tenantID, userID uuid.UUID, w AlertmanagerWebhook, opts AlertmanagerOptions) (_ AlertmanagerResult, err error) {
	ctx, end, err := s.call(ctx, "RecordAlertmanager", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return AlertmanagerResult{}, err
	}
	res := AlertmanagerResult{Received: len(w.Alerts), Rejected: []Rejection{}}
	inputs := make([]AlertInput, 0, len(w.Alerts))
	positions := make([]int, 0, len(w.Alerts))
	for i, a := range w.Alerts {
		in, err := alertmanagerInput(tenantID, a, opts)
		if err != nil {
			res.Rejected = append(res.Rejected, Rejection{Index: i, Err: err})
			continue
		}
		inputs, positions = append(inputs, in), append(positions, i)
	}
	stored, err := s.RecordAlerts(ctx, tenantID, inputs)
	if err != nil {
		return AlertmanagerResult{}, fmt.Errorf("record alertmanager: %w", err)
	}
	res.Created, res.Existing = stored.Created, stored.Existing
	rejectedAt := map[int]bool{}
	for _, rj := range stored.Rejected {
		rejectedAt[rj.Index] = true
		res.Rejected = append(res.Rejected, Rejection{Index: positions[rj.Index], Err: rj.Err})
	}
	var resolutions []InteractionInput
	var resolvedAt []int
	for j, i := range positions {
		a := w.Alerts[i]
		if rejectedAt[j] || !strings.EqualFold(a.Status, "resolved") || a.EndsAt.IsZero() {
			continue
		}
		resolutions = append(resolutions, InteractionInput{AlertID: inputs[j].ID, Type: InteractionResolved,
			InteractedAt: a.EndsAt, IdempotencyKey: "alertmanager-resolved:" + inputs[j].ID.String()})
		resolvedAt = append(resolvedAt, i)
	}
	if len(resolutions) > 0 {
		recorded, err := s.RecordInteractions(ctx, tenantID, userID, resolutions)
		if err != nil {
			return AlertmanagerResult{}, fmt.Errorf("record alertmanager: %w", err)
		}
		res.Resolved = recorded.Created
		for _, rj := range recorded.Rejected {
			res.Rejected = append(res.Rejected, Rejection{Index: resolvedAt[rj.Index], Err: rj.Err})
		}
	}
	slices.SortStableFunc(res.Rejected, func(a, b Rejection) int { return a.Index - b.Index })
	return res, nil
}
