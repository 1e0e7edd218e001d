package alertanalytics_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

const webhookSecret = "s3cret-s3cret-s3cret"

// shiftedClock runs at real speed from base, and jumps when told: the
// delivery loop's polls and backoffs are real waits, the schedule's days
// pass at once.
type shiftedClock struct {
	base, start time.Time
	shift       atomic.Int64
}

func newClock(base time.Time) *shiftedClock { return &shiftedClock{base: base, start: time.Now()} }

func (c *shiftedClock) now() time.Time {
	return c.base.Add(time.Since(c.start) + time.Duration(c.shift.Load()))
}

func (c *shiftedClock) jump(d time.Duration) { c.shift.Add(int64(d)) }

// receipt is one request a receiver got.
type receipt struct {
	id, attempt string
	body        []byte
	signed      bool
}

// receiver is a webhook endpoint that checks signatures and answers with
// the status its answer function gives the n-th request (from 1).
type receiver struct {
	mu       sync.Mutex
	got      []receipt
	answer   func(n int) int
	received chan struct{}
}

func newReceiver(t *testing.T, answer func(n int) int) (*receiver, string) {
	r := &receiver{answer: answer, received: make(chan struct{}, 1000)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL + "/digest"
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	ts := req.Header.Get("X-Alertanalytics-Timestamp")
	signed := hmac.Equal([]byte(req.Header.Get("X-Alertanalytics-Signature")), []byte(alertanalytics.Sign(webhookSecret, ts, body)))
	r.mu.Lock()
	r.got = append(r.got, receipt{id: req.Header.Get("X-Alertanalytics-Delivery"), attempt: req.Header.Get("X-Alertanalytics-Attempt"),
		body: body, signed: signed})
	n := len(r.got)
	r.mu.Unlock()
	w.WriteHeader(r.answer(n))
	r.received <- struct{}{}
}

func (r *receiver) receipts() []receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receipt(nil), r.got...)
}

// delivered reports whether the tenant's ledger has n deliveries, all
// delivered.
func delivered(t *testing.T, svc *alertanalytics.Service, tenant uuid.UUID, n int) func() bool {
	return func() bool {
		l, err := svc.Deliveries(context.Background(), tenant, 0)
		require.NoError(t, err)
		done := 0
		for _, d := range l {
			if d.Status == store.DeliveryDelivered {
				done++
			}
		}
		return done == n
	}
}

func always(status int) func(int) int { return func(int) int { return status } }

// weeklyWebhook is Monday 08:00 in Madrid, posting JSON to url.
func weeklyWebhook(t *testing.T, url string) alertanalytics.SubscriptionInput {
	madrid, err := time.LoadLocation("Europe/Madrid")
	require.NoError(t, err)
	return alertanalytics.SubscriptionInput{
		Schedule: alertanalytics.Schedule{Every: alertanalytics.Weekly, Weekday: time.Monday, Hour: 8, Location: madrid},
		Webhook:  &alertanalytics.WebhookChannel{URL: url, Secret: webhookSecret},
	}
}

// run runs the delivery loop until stop reports true (checked on every
// receipt and every 20 ms), then ends it and returns its error.
func run(t *testing.T, svc *alertanalytics.Service, opts alertanalytics.DeliveryOptions, stop func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.RunDeliveries(ctx, opts) }()
	deadline := time.After(30 * time.Second)
	for !stop() {
		select {
		case <-deadline:
			cancel()
			<-done
			t.Fatal("the deliveries did not arrive in 30 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// fast are loop options for tests: polls, backoffs and leases short.
func fast() alertanalytics.DeliveryOptions {
	return alertanalytics.DeliveryOptions{Poll: 10 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond,
		Lease: 2 * time.Second, Timeout: time.Second, MaxAttempts: 4}
}

// monday0759 is Monday 2 November 2026, 07:59 in Madrid (CET).
var monday0759 = time.Date(2026, 11, 2, 6, 59, 0, 0, time.UTC)

func TestWebhookDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := newClock(monday0759)
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
		tenant := uuid.New()
		for i, created := range []time.Duration{-3 * time.Hour, -26 * time.Hour, -2 * time.Hour} {
			_, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "disk_full", Category: "infra",
				CreatedAt: monday0759.Add(created), Status: []alertanalytics.Status{"resolved", "active", "active"}[i]})
			require.NoError(t, err)
		}
		rcv, url := newReceiver(t, always(http.StatusNoContent))
		sub, err := svc.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
		require.NoError(t, err)
		// Created at 07:59: the first delivery is a minute later, that
		// Monday; the window defaults to 7 days for a weekly schedule.
		require.Equal(t, time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC), sub.NextDelivery)
		require.Equal(t, 7, sub.Days)
		require.Empty(t, sub.Webhook.Secret, "the secret is never read back")
		clock.jump(time.Minute)
		run(t, svc, fast(), delivered(t, svc, tenant, 1))

		require.Len(t, rcv.receipts(), 1)
		got := rcv.receipts()[0]
		require.True(t, got.signed, "signed with the subscription's secret")
		require.Equal(t, "1", got.attempt)
		var body struct {
			DeliveryID     uuid.UUID             `json:"delivery_id"`
			SubscriptionID uuid.UUID             `json:"subscription_id"`
			TenantID       uuid.UUID             `json:"tenant_id"`
			Period         time.Time             `json:"period"`
			Digest         alertanalytics.Digest `json:"digest"`
		}
		require.NoError(t, json.Unmarshal(got.body, &body))
		require.Equal(t, got.id, body.DeliveryID.String())
		require.Equal(t, sub.ID, body.SubscriptionID)
		require.Equal(t, tenant, body.TenantID)
		require.Equal(t, sub.NextDelivery, body.Period)
		// The 7 days to Monday 08:00: three alerts, one resolved (33 %),
		// two open.
		require.Equal(t, 7, body.Digest.PeriodDays)
		require.EqualValues(t, 3, body.Digest.PeriodComparison.CurrentPeriod.TotalAlerts)
		require.EqualValues(t, 1, body.Digest.PeriodComparison.CurrentPeriod.ResolvedAlerts)
		require.EqualValues(t, 33, body.Digest.PeriodComparison.CurrentPeriod.ResolutionRate)
		require.EqualValues(t, 2, body.Digest.ActiveAlerts)

		ledger, err := svc.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		require.Len(t, ledger, 1)
		require.Equal(t, store.DeliveryDelivered, ledger[0].Status)
		require.Equal(t, 1, ledger[0].Attempts)
		require.Equal(t, got.id, ledger[0].ID.String())
		subs, err := svc.Subscriptions(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, time.Date(2026, 11, 9, 7, 0, 0, 0, time.UTC), subs[0].NextDelivery, "next Monday 08:00")
	})
}

func TestSlackFormatAndUpdateKeepsTheSecret(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := newClock(monday0759)
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
		tenant := uuid.New()
		rcv, url := newReceiver(t, always(http.StatusOK))
		sub, err := svc.CreateSubscription(ctx, tenant, weeklyWebhook(t, url+"/old"))
		require.NoError(t, err)
		in := weeklyWebhook(t, url)
		in.Webhook.Secret, in.Webhook.Format, in.Days = "", alertanalytics.WebhookSlack, 3
		updated, err := svc.UpdateSubscription(ctx, tenant, sub.ID, in)
		require.NoError(t, err)
		require.Equal(t, sub.ID, updated.ID)
		require.Equal(t, sub.CreatedAt, updated.CreatedAt)
		require.Equal(t, 3, updated.Days)
		require.Equal(t, url, updated.Webhook.URL)
		clock.jump(time.Minute)
		run(t, svc, fast(), delivered(t, svc, tenant, 1))
		got := rcv.receipts()[0]
		require.True(t, got.signed, "the secret kept through the update signs it")
		var slack map[string]string
		require.NoError(t, json.Unmarshal(got.body, &slack))
		require.Contains(t, slack["text"], "Alert digest: the last 3 days")
		_, err = svc.UpdateSubscription(ctx, tenant, uuid.New(), in)
		require.ErrorIs(t, err, alertanalytics.ErrNotFound)
	})
}

func TestReceiverDownThenUp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := newClock(monday0759.Add(time.Minute))
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
		// Down for two attempts, then up: delivered on the third, with
		// the same delivery id each time.
		tenant := uuid.New()
		rcv, url := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusAccepted
		})
		_, err := svc.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
		require.NoError(t, err)
		clock.jump(7 * 24 * time.Hour)
		run(t, svc, fast(), delivered(t, svc, tenant, 1))
		require.Len(t, rcv.receipts(), 3)
		got := rcv.receipts()
		require.Equal(t, []string{"1", "2", "3"}, []string{got[0].attempt, got[1].attempt, got[2].attempt})
		require.Equal(t, got[0].id, got[1].id)
		require.Equal(t, got[0].id, got[2].id)
		ledger, err := svc.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		require.Equal(t, store.DeliveryDelivered, ledger[0].Status)
		require.Equal(t, 3, ledger[0].Attempts)
		require.Empty(t, ledger[0].LastError)

		// Down for good: failed after MaxAttempts, with the reason.
		other := uuid.New()
		down, downURL := newReceiver(t, always(http.StatusInternalServerError))
		_, err = svc.CreateSubscription(ctx, other, weeklyWebhook(t, downURL))
		require.NoError(t, err)
		clock.jump(7 * 24 * time.Hour)
		run(t, svc, fast(), func() bool {
			l, err := svc.Deliveries(ctx, other, 0)
			require.NoError(t, err)
			return len(l) == 1 && l[0].Status == store.DeliveryFailed
		})
		require.Len(t, down.receipts(), 4)
		ledger, err = svc.Deliveries(ctx, other, 0)
		require.NoError(t, err)
		require.Equal(t, 4, ledger[0].Attempts)
		require.Equal(t, "webhook answered 500 Internal Server Error", ledger[0].LastError)
	})
}

func TestMissedPeriodsAreDeliveredOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := newClock(monday0759)
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
		tenant := uuid.New()
		rcv, url := newReceiver(t, always(http.StatusOK))
		_, err := svc.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
		require.NoError(t, err)
		// Nothing ran for three Mondays and a day: one delivery, for the
		// last of them (Monday 16 November, 08:00 CET).
		clock.jump(15*24*time.Hour + time.Hour)
		run(t, svc, fast(), delivered(t, svc, tenant, 1))
		time.Sleep(100 * time.Millisecond) // a few more polls: nothing else is sent
		require.Len(t, rcv.receipts(), 1)
		ledger, err := svc.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		require.Len(t, ledger, 1)
		require.Equal(t, time.Date(2026, 11, 16, 7, 0, 0, 0, time.UTC), ledger[0].Period)
	})
}

// TestReplicasDeliverEachPeriodOnce: three Services over one database
// (three pools on one PostgreSQL schema; three connections to one SQLite
// file), each running the loop, through five daily periods.
func TestReplicasDeliverEachPeriodOnce(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			stores := replicaStores(t, backend, 3)
			ctx := context.Background()
			clock := newClock(monday0759)
			tenant := uuid.New()
			rcv, url := newReceiver(t, always(http.StatusOK))
			var svcs []*alertanalytics.Service
			for _, st := range stores {
				svcs = append(svcs, alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true}))
			}
			in := weeklyWebhook(t, url)
			in.Schedule.Every = alertanalytics.Daily
			_, err := svcs[0].CreateSubscription(ctx, tenant, in)
			require.NoError(t, err)
			runCtx, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for i, svc := range svcs {
				opts := fast()
				opts.Owner = "replica-" + string(rune('a'+i))
				wg.Go(func() { _ = svc.RunDeliveries(runCtx, opts) })
			}
			for day := 1; day <= 5; day++ {
				clock.jump(24 * time.Hour)
				deadline := time.Now().Add(20 * time.Second)
				for !delivered(t, svcs[2], tenant, day)() && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(50 * time.Millisecond) // room for a duplicate to show
			}
			cancel()
			wg.Wait()
			got := rcv.receipts()
			ids := map[string]int{}
			for _, r := range got {
				ids[r.id]++
				require.True(t, r.signed)
			}
			require.Len(t, got, 5, "five periods, each sent once")
			require.Len(t, ids, 5)
			ledger, err := svcs[1].Deliveries(ctx, tenant, 0)
			require.NoError(t, err)
			require.Len(t, ledger, 5)
			for _, d := range ledger {
				require.Equal(t, store.DeliveryDelivered, d.Status)
				require.Equal(t, 1, d.Attempts)
			}
		})
	}
}

// replicaStores opens n stores on one database.
func replicaStores(t *testing.T, backend string, n int) []store.Store {
	ctx := context.Background()
	var out []store.Store
	if backend == "sqlite" {
		path := filepath.Join(t.TempDir(), "replicas.db")
		for range n {
			st, err := sqlite.Open(path)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			require.NoError(t, st.Migrate(ctx))
			out = append(out, st)
		}
		return out
	}
	schema := pgtest.Schema(t, pgtest.Pool(t))
	for range n {
		st, err := postgres.New(pgtest.Pool(t), postgres.Config{Schema: schema, Citus: pgtest.Citus(), CitusShardCount: pgtest.CitusShards})
		require.NoError(t, err)
		require.NoError(t, st.Migrate(ctx))
		out = append(out, st)
	}
	return out
}

func TestWebhooksToPrivateAddressesAreRefused(t *testing.T) {
	ctx := context.Background()
	st := newMemoryStore(t)
	strict := alertanalytics.New(st, alertanalytics.Config{Clock: func() time.Time { return monday0759 }})
	tenant := uuid.New()
	for _, url := range []string{"http://127.0.0.1:9/digest", "http://localhost/digest", "http://169.254.169.254/latest/meta-data",
		"http://10.1.2.3/", "http://[::1]/", "http://192.168.0.10/", "http://100.64.0.1/", "ftp://example.com/", "https://user:pw@example.com/"} {
		_, err := strict.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe, url)
		require.Equal(t, "webhook.url", fe.Field, url)
	}
	// Saved where private addresses are allowed, then sent by a process
	// where they are not: refused when it dials, nothing sent.
	clock := newClock(monday0759)
	lax := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
	strict = alertanalytics.New(st, alertanalytics.Config{Clock: clock.now})
	rcv, url := newReceiver(t, always(http.StatusOK))
	_, err := lax.CreateSubscription(ctx, tenant, weeklyWebhook(t, url))
	require.NoError(t, err)
	clock.jump(time.Minute)
	opts := fast()
	opts.MaxAttempts = 1
	run(t, strict, opts, func() bool {
		l, err := strict.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		return len(l) == 1 && l[0].Status == store.DeliveryFailed
	})
	require.Empty(t, rcv.receipts())
	l, err := strict.Deliveries(ctx, tenant, 0)
	require.NoError(t, err)
	require.Contains(t, l[0].LastError, "refused: 127.0.0.1 is a loopback address")
}

func TestSubscriptionInputIsChecked(t *testing.T) {
	ctx := context.Background()
	svc := alertanalytics.New(newMemoryStore(t), alertanalytics.Config{Clock: func() time.Time { return monday0759 },
		AllowPrivateWebhooks: true})
	tenant := uuid.New()
	base := func() alertanalytics.SubscriptionInput { return weeklyWebhook(t, "https://hooks.example.com/d") }
	for _, c := range []struct {
		field string
		edit  func(*alertanalytics.SubscriptionInput)
	}{
		{"schedule.every", func(in *alertanalytics.SubscriptionInput) { in.Schedule.Every = "monthly" }},
		{"schedule.at", func(in *alertanalytics.SubscriptionInput) { in.Schedule.Hour = 24 }},
		{"schedule.tz", func(in *alertanalytics.SubscriptionInput) { in.Schedule.Location = nil }},
		{"schedule.tz", func(in *alertanalytics.SubscriptionInput) { in.Schedule.Location = time.Local }},
		{"days", func(in *alertanalytics.SubscriptionInput) { in.Days = 91 }},
		{"channel", func(in *alertanalytics.SubscriptionInput) { in.Webhook = nil }},
		{"channel", func(in *alertanalytics.SubscriptionInput) {
			in.Email = &alertanalytics.EmailChannel{To: []string{"a@example.com"}}
		}},
		{"webhook.secret", func(in *alertanalytics.SubscriptionInput) { in.Webhook.Secret = "short" }},
		{"webhook.format", func(in *alertanalytics.SubscriptionInput) { in.Webhook.Format = "xml" }},
		{"email.to", func(in *alertanalytics.SubscriptionInput) {
			in.Webhook, in.Email = nil, &alertanalytics.EmailChannel{To: []string{"Ops <ops@example.com>"}}
		}},
		{"email.to", func(in *alertanalytics.SubscriptionInput) { in.Webhook, in.Email = nil, &alertanalytics.EmailChannel{} }},
		{"tenant_id", nil},
	} {
		in := base()
		id := tenant
		if c.edit != nil {
			c.edit(&in)
		} else {
			id = uuid.Nil
		}
		_, err := svc.CreateSubscription(ctx, id, in)
		var fe *alertanalytics.FieldError
		require.ErrorAs(t, err, &fe, c.field)
		require.Equal(t, c.field, fe.Field)
	}
	subs, err := svc.Subscriptions(ctx, tenant)
	require.NoError(t, err)
	require.Nil(t, subs, "nothing was saved")
	require.ErrorIs(t, svc.DeleteSubscription(ctx, tenant, uuid.New()), alertanalytics.ErrNotFound)
}

func TestTenantDeletionRemovesSubscriptionsAndLedger(t *testing.T) {
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := newClock(monday0759)
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: clock.now, AllowPrivateWebhooks: true})
		tenant, other := uuid.New(), uuid.New()
		rcv, url := newReceiver(t, always(http.StatusOK))
		for _, tn := range []uuid.UUID{tenant, other} {
			_, err := svc.CreateSubscription(ctx, tn, weeklyWebhook(t, url))
			require.NoError(t, err)
		}
		clock.jump(time.Minute)
		run(t, svc, fast(), func() bool { return delivered(t, svc, tenant, 1)() && delivered(t, svc, other, 1)() })
		require.Len(t, rcv.receipts(), 2)
		_, err := svc.DeleteTenant(ctx, tenant, "test")
		require.NoError(t, err)
		subs, err := svc.Subscriptions(ctx, tenant)
		require.NoError(t, err)
		require.Nil(t, subs)
		ledger, err := svc.Deliveries(ctx, tenant, 0)
		require.NoError(t, err)
		require.Nil(t, ledger)
		// The other tenant keeps its own.
		subs, err = svc.Subscriptions(ctx, other)
		require.NoError(t, err)
		require.Len(t, subs, 1)
		ledger, err = svc.Deliveries(ctx, other, 0)
		require.NoError(t, err)
		require.Len(t, ledger, 1)
	})
}

// mailbox is a Mailer that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	mail []alertanalytics.Mail
}

func (m *mailbox) SendMail(_ context.Context, mail alertanalytics.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mail = append(m.mail, mail)
	return nil
}

func (m *mailbox) sent() []alertanalytics.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]alertanalytics.Mail(nil), m.mail...)
}

func TestEmailDelivery(t *testing.T) {
	ctx := context.Background()
	clock := newClock(monday0759)
	svc := alertanalytics.New(newMemoryStore(t), alertanalytics.Config{Clock: clock.now})
	tenant := uuid.New()
	_, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "disk_full", CreatedAt: monday0759.Add(-time.Hour),
		BusinessImpact: json.RawMessage(`{"financial_impact_eur": 250}`)})
	require.NoError(t, err)
	in := weeklyWebhook(t, "")
	in.Webhook, in.Email = nil, &alertanalytics.EmailChannel{To: []string{"ops@example.com"}}
	_, err = svc.CreateSubscription(ctx, tenant, in)
	require.NoError(t, err)
	clock.jump(time.Minute)
	box := &mailbox{}
	opts := fast()
	opts.Mailer, opts.BaseURL = box, "https://analytics.example.com/alerts-svc/"
	run(t, svc, opts, delivered(t, svc, tenant, 1))
	require.Len(t, box.sent(), 1)
	m := box.sent()[0]
	ledger, err := svc.Deliveries(ctx, tenant, 0)
	require.NoError(t, err)
	require.Equal(t, "<"+ledger[0].ID.String()+"@alertanalytics>", m.MessageID)
	require.Equal(t, []string{"ops@example.com"}, m.To)
	require.Equal(t, "Alert digest: the last 7 days to Mon 2 Nov 2026", m.Subject)
	require.Contains(t, m.Text, "Alerts         1 ")
	require.Contains(t, m.Text, "Open now       1, 250.00 EUR at risk")
	link := "https://analytics.example.com/alerts-svc/tenants/" + tenant.String() + "/dashboard?days=7&tz=Europe%2FMadrid"
	require.Contains(t, m.Text, link)
	require.Contains(t, m.HTML, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">`)

	// Without a Mailer, an e-mail delivery fails and says why.
	other := uuid.New()
	_, err = svc.CreateSubscription(ctx, other, in)
	require.NoError(t, err)
	clock.jump(7 * 24 * time.Hour)
	opts.Mailer, opts.MaxAttempts = nil, 1
	run(t, svc, opts, func() bool {
		l, err := svc.Deliveries(ctx, other, 0)
		require.NoError(t, err)
		return len(l) == 1 && l[0].Status == store.DeliveryFailed
	})
	l, err := svc.Deliveries(ctx, other, 0)
	require.NoError(t, err)
	require.Equal(t, "e-mail subscription, and DeliveryOptions has no Mailer", l[0].LastError)
}

// A store without subscriptions answers ErrNoDeliveries.
type plainStore struct{ store.Store }

func TestStoreWithoutDeliveries(t *testing.T) {
	svc := alertanalytics.New(plainStore{newMemoryStore(t)}, alertanalytics.Config{})
	_, err := svc.Subscriptions(context.Background(), uuid.New())
	require.True(t, errors.Is(err, alertanalytics.ErrNoDeliveries))
	require.ErrorIs(t, svc.RunDeliveries(context.Background(), alertanalytics.DeliveryOptions{}), alertanalytics.ErrNoDeliveries)
}
