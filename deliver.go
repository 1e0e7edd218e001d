package alertanalytics

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Defaults of DeliveryOptions.
const (
	DefaultDeliveryPoll        = 30 * time.Second
	DefaultDeliveryLease       = 2 * time.Minute
	DefaultDeliveryAttempts    = 6
	DefaultDeliveryBackoff     = time.Minute
	DefaultDeliveryMaxBackoff  = time.Hour
	DefaultDeliveryTimeout     = 10 * time.Second
	maxDeliveryBody            = 1 << 20
	maxWebhookAnswer           = 64 << 10
	deliveryBatch              = 100
	deliveryIDHeader           = "X-Alertanalytics-Delivery"
	deliveryTimestampHeader    = "X-Alertanalytics-Timestamp"
	deliverySignatureHeader    = "X-Alertanalytics-Signature"
	deliveryAttemptHeader      = "X-Alertanalytics-Attempt"
	deliverySignaturePrefix    = "sha256="
	deliveryMessageIDDomainSep = "@alertanalytics"
)

// Mail is one digest e-mail: a text and an HTML part from the same content
// as the digest page.
type Mail struct {
	// MessageID is the same on every attempt of a delivery, as
	// "<delivery-id@alertanalytics>", so a mail system can drop repeats.
	MessageID string
	To        []string
	Subject   string
	Text      string
	HTML      string
}

// Mailer sends e-mail for the delivery loop; module
// github.com/alertanalytics/alertanalytics/mailsmtp has one over SMTP.
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// DeliveryOptions configures RunDeliveries. The zero value delivers
// webhooks only, with the defaults below.
type DeliveryOptions struct {
	// Owner names this process in the ledger's claims. Defaults to the
	// host name, the process id and a random suffix.
	Owner string
	// Poll is how often the loop looks for due work when it has none.
	// Defaults to DefaultDeliveryPoll.
	Poll time.Duration
	// Lease is how long a claim holds: a process that dies while sending
	// leaves the delivery to another after it. Defaults to
	// DefaultDeliveryLease; each send's timeout is at most half of it.
	Lease time.Duration
	// MaxAttempts is how many times a delivery is tried before it is
	// recorded as failed. Defaults to DefaultDeliveryAttempts.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt; it doubles after
	// each, up to MaxBackoff, and each wait is drawn at random between
	// half of it and all of it. Defaults: DefaultDeliveryBackoff,
	// DefaultDeliveryMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Timeout bounds one webhook request or e-mail. Defaults to
	// DefaultDeliveryTimeout.
	Timeout time.Duration
	// Mailer sends e-mail subscriptions; without one their deliveries
	// fail, saying so.
	Mailer Mailer
	// BaseURL, when set, is where httpapi is mounted: digests link to the
	// tenant's dashboard page under it.
	BaseURL string
}

// withDefaults fills in the zero fields.
func (o DeliveryOptions) withDefaults() DeliveryOptions {
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&o.Poll, DefaultDeliveryPoll}, {&o.Lease, DefaultDeliveryLease}, {&o.Backoff, DefaultDeliveryBackoff},
		{&o.MaxBackoff, DefaultDeliveryMaxBackoff}, {&o.Timeout, DefaultDeliveryTimeout}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultDeliveryAttempts
	}
	o.Timeout = min(o.Timeout, o.Lease/2)
	return o
}

// RunDeliveries delivers the tenants' digests on their schedules until ctx
// ends, then returns ctx's error; no goroutine outlives it. Any number of
// processes may run it over one database: each period of each
// subscription is scheduled once and each attempt claimed by one process,
// for DeliveryOptions.Lease. A process that dies after sending and before
// recording leaves the claim to expire, and another sends again with the
// same delivery id (the X-Alertanalytics-Delivery header, the e-mail's
// Message-ID): at least once on the wire, and a receiver drops the
// repeat by its id. Periods missed while no process ran are delivered
// once, the latest of them. The digest is computed when sent, over the
// subscription's window ending then.
//
// A failed attempt is tried again after a backoff with jitter, up to
// MaxAttempts, and then recorded as failed with its reason (Deliveries
// lists them). Webhooks are signed: X-Alertanalytics-Signature is
// "sha256=" and the hex HMAC-SHA256, keyed by the subscription's secret,
// of the X-Alertanalytics-Timestamp header's value, a dot and the body.
func (s *Service) RunDeliveries(ctx context.Context, opts DeliveryOptions) error {
	if s.deliveries == nil {
		return ErrNoDeliveries
	}
	d := &deliverer{s: s, ds: s.deliveries, opts: opts.withDefaults()}
	d.client = d.httpClient()
	defer d.client.CloseIdleConnections()
	for {
		if err := d.round(ctx); err != nil && ctx.Err() == nil {
			s.logger.ErrorContext(ctx, "digest deliveries", "error", err)
		}
		t := time.NewTimer(d.opts.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// deliverer is one RunDeliveries call's state.
type deliverer struct {
	s      *Service
	ds     store.DeliveryStore
	opts   DeliveryOptions
	client *http.Client
}

// round schedules every due period, then sends every due delivery, until
// none is left.
func (d *deliverer) round(ctx context.Context) error {
	for ctx.Err() == nil {
		subs, err := d.ds.DueSubscriptions(ctx, d.s.now(), deliveryBatch)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if err := d.schedule(ctx, sub); err != nil {
				return err
			}
		}
		if len(subs) < deliveryBatch {
			break
		}
	}
	for ctx.Err() == nil {
		due, err := d.ds.DueDeliveries(ctx, d.s.now(), deliveryBatch)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, del := range due {
			if err := d.attempt(ctx, del); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliveryID is the id of a subscription's delivery for a period: the
// same whoever schedules it.
func deliveryID(sub uuid.UUID, period time.Time) uuid.UUID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(period.UnixMilli()))
	return uuid.NewSHA1(sub, b[:])
}

// schedule adds the latest due period of sub to the ledger and moves its
// next due instant past now; another process doing the same at once finds
// it moved and leaves it.
func (d *deliverer) schedule(ctx context.Context, sub store.Subscription) error {
	a, err := answerOf(sub)
	if err != nil {
		return err
	}
	now := d.s.now()
	period := a.Schedule.latest(sub.NextDue, now)
	del := store.Delivery{ID: deliveryID(sub.ID, period), TenantID: sub.TenantID, SubscriptionID: sub.ID, Period: period,
		Status: store.DeliveryPending, NextAttemptAt: now, CreatedAt: now}
	_, err = d.ds.ScheduleDelivery(ctx, sub, a.Schedule.Next(now), del)
	return err
}

// attempt claims del and sends it, recording the outcome.
func (d *deliverer) attempt(ctx context.Context, del store.Delivery) error {
	now := d.s.now()
	claimed, ok, err := d.ds.ClaimDelivery(ctx, del, d.opts.Owner, now, now.Add(d.opts.Lease))
	if err != nil || !ok {
		return err
	}
	sendErr := d.send(ctx, claimed)
	if sendErr != nil && ctx.Err() != nil {
		// Stopped mid-send: the claim expires and another process, or
		// this one restarted, tries again.
		return nil
	}
	// A send that ended is recorded even when the loop is being stopped.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.Timeout)
	defer cancel()
	out := claimed
	switch {
	case sendErr == nil:
		out.Status, out.DeliveredAt, out.LastError = store.DeliveryDelivered, d.s.now(), ""
	case claimed.Attempts >= d.opts.MaxAttempts:
		out.Status, out.LastError = store.DeliveryFailed, sendErr.Error()
	default:
		out.Status, out.LastError = store.DeliveryPending, sendErr.Error()
		out.NextAttemptAt = d.s.now().Add(d.backoff(claimed.Attempts))
	}
	if sendErr != nil {
		d.s.logger.WarnContext(ctx, "digest delivery attempt failed", "tenant_id", del.TenantID, "delivery_id", del.ID,
			"attempt", claimed.Attempts, "status", out.Status, "error", sendErr)
	}
	_, err = d.ds.FinishDelivery(ctx, out, d.opts.Owner)
	return err
}

// backoff is the wait after the attempt-th failed attempt.
func (d *deliverer) backoff(attempt int) time.Duration {
	w := d.opts.Backoff
	for i := 1; i < attempt && w < d.opts.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.opts.MaxBackoff)
	return w/2 + mathrand.N(w/2+1)
}

// send computes the digest and sends it over the subscription's channel.
func (d *deliverer) send(ctx context.Context, del store.Delivery) error {
	sub, err := d.ds.Subscription(ctx, del.TenantID, del.SubscriptionID)
	if err != nil {
		return fmt.Errorf("subscription: %w", err)
	}
	a, err := answerOf(sub)
	if err != nil {
		return err
	}
	digest, err := d.s.Digest(ctx, sub.TenantID, Window{Days: sub.Days, Location: a.Schedule.Location})
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	link := ""
	if d.opts.BaseURL != "" {
		q := url.Values{"days": {strconv.Itoa(sub.Days)}, "tz": {a.Schedule.Location.String()}}
		link = strings.TrimSuffix(d.opts.BaseURL, "/") + "/tenants/" + sub.TenantID.String() + "/dashboard?" + q.Encode()
	}
	if sub.Channel == "email" {
		return d.mail(ctx, del, sub, digest, link)
	}
	return d.post(ctx, del, sub, digest, link)
}

// webhookBody is the JSON a digest webhook posts.
type webhookBody struct {
	DeliveryID     uuid.UUID `json:"delivery_id"`
	SubscriptionID uuid.UUID `json:"subscription_id"`
	TenantID       uuid.UUID `json:"tenant_id"`
	Period         time.Time `json:"period"`
	DashboardURL   string    `json:"dashboard_url,omitempty"`
	Digest         Digest    `json:"digest"`
}

// post sends the digest to the subscription's webhook.
func (d *deliverer) post(ctx context.Context, del store.Delivery, sub store.Subscription, digest Digest, link string) error {
	var v any = webhookBody{DeliveryID: del.ID, SubscriptionID: sub.ID, TenantID: sub.TenantID, Period: del.Period, DashboardURL: link, Digest: digest}
	if sub.Format == string(WebhookSlack) {
		text := digest.Text()
		if link != "" {
			text += "\n<" + link + "|Open the dashboard>"
		}
		v = map[string]string{"text": text}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a receiver reads the link as it is
	if err := enc.Encode(v); err != nil {
		return err
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(body) > maxDeliveryBody {
		return fmt.Errorf("the body is %d bytes, over the %d-byte cap", len(body), maxDeliveryBody)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(d.s.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "alertanalytics-digest")
	req.Header.Set(deliveryIDHeader, del.ID.String())
	req.Header.Set(deliveryAttemptHeader, strconv.Itoa(del.Attempts))
	req.Header.Set(deliveryTimestampHeader, ts)
	req.Header.Set(deliverySignatureHeader, Sign(sub.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxWebhookAnswer))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Sign returns the X-Alertanalytics-Signature of a webhook body sent with
// the X-Alertanalytics-Timestamp timestamp: "sha256=" and the hex
// HMAC-SHA256, keyed by secret, of timestamp, ".", body. A receiver
// recomputes it and compares with hmac.Equal.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return deliverySignaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// mail sends the digest to the subscription's recipients.
func (d *deliverer) mail(ctx context.Context, del store.Delivery, sub store.Subscription, digest Digest, link string) error {
	if d.opts.Mailer == nil {
		return errors.New("e-mail subscription, and DeliveryOptions has no Mailer")
	}
	text, html := digest.Text(), digest.HTML()
	if link != "" {
		text += "\nDashboard: " + link + "\n"
		html += `<p style="font-family:sans-serif"><a href="` + template.HTMLEscapeString(link) + `">Open the dashboard</a></p>`
	}
	m := Mail{MessageID: "<" + del.ID.String() + deliveryMessageIDDomainSep + ">", To: sub.Recipients,
		Subject: fmt.Sprintf("Alert digest: the last %d days to %s", digest.PeriodDays, del.Period.In(digest.Location).Format("Mon 2 Jan 2006")),
		Text:    text, HTML: html}
	if err := d.opts.Mailer.SendMail(ctx, m); err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	return nil
}

// httpClient is the webhooks' client: no proxy from the environment, no
// redirects followed, keep-alives off (no connection outlives the call),
// and, unless private addresses are allowed, every connection refused
// whose address is not public, checked on the address dialled, after
// name resolution.
func (d *deliverer) httpClient() *http.Client {
	dialer := &net.Dialer{Timeout: d.opts.Timeout}
	if !d.s.privateWebhooks {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			if kind := nonPublic(ip); kind != "" {
				return fmt.Errorf("refused: %s is a %s address (see Config.AllowPrivateWebhooks)", ip, kind)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: d.opts.Timeout,
		Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext, DisableKeepAlives: true,
			TLSHandshakeTimeout: d.opts.Timeout, ResponseHeaderTimeout: d.opts.Timeout, MaxResponseHeaderBytes: maxWebhookAnswer},
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirects are not followed") },
	}
}
