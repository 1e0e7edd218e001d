package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/client"
	"github.com/alertanalytics/alertanalytics/httpapi"
	"github.com/alertanalytics/alertanalytics/internal/pgtest"
	"github.com/alertanalytics/alertanalytics/postgres"
	"github.com/alertanalytics/alertanalytics/sqlite"
	"github.com/alertanalytics/alertanalytics/store"
)

// now is the fixed clock of the property test: a Monday morning in
// Madrid, a week after its clocks went back (2026-10-25).
func now() time.Time { return time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC) }

const serviceToken = "service-token"

// pair is one Service reached two ways: directly, and through a client of
// httpapi serving it. Each sequence of calls runs on two fresh tenants,
// one per way, over the same store.
type pair struct {
	direct alertanalytics.API
	remote alertanalytics.API
}

func newPair(t *testing.T, st store.Store) pair {
	t.Helper()
	svc := alertanalytics.New(st, alertanalytics.Config{Clock: now})
	auth, err := httpapi.NewStaticTokens(map[string]httpapi.Principal{
		serviceToken: {UserID: userOne, Name: "ops", AllTenants: true, Service: true},
	})
	require.NoError(t, err)
	h, err := httpapi.New(svc, httpapi.Config{Authenticator: auth})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, client.Config{Token: serviceToken, HTTPClient: srv.Client()})
	require.NoError(t, err)
	return pair{direct: svc, remote: c}
}

var (
	userOne = uuid.MustParse("0000000a-0000-4000-8000-000000000001")
	userTwo = uuid.MustParse("0000000a-0000-4000-8000-000000000002")
)

func TestClientAnswersAsTheServiceSQLite(t *testing.T) {
	st, err := sqlite.OpenMemory()
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(context.Background()))
	checkEqual(t, newPair(t, st))
}

func TestClientAnswersAsTheServicePostgres(t *testing.T) {
	pool := pgtest.Pool(t)
	st, err := postgres.New(pool, postgres.Config{Schema: pgtest.Schema(t, pool)})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	checkEqual(t, newPair(t, st))
}

// checkEqual drives random sequences of calls through both ways and
// requires every answer deep-equal and every error of the same kind.
func checkEqual(t *testing.T, p pair) {
	rapid.Check(t, func(rt *rapid.T) {
		s := newSequence(rt)
		steps := rapid.IntRange(1, 25).Draw(rt, "steps")
		for i := range steps {
			op := rapid.SampledFrom(s.ops()).Draw(rt, fmt.Sprintf("op%d", i))
			op.run(s, rt, p)
		}
		// Every sequence ends by reading the whole tenant back.
		for _, kind := range []alertanalytics.ExportKind{alertanalytics.ExportAlerts, alertanalytics.ExportInteractions, alertanalytics.ExportAuditLogs} {
			s.export(rt, p, alertanalytics.ExportOptions{Kind: kind})
		}
	})
}

// sequence is the state of one sequence: the two tenants, the alert ids
// each may use (the same position naming the same alert), and what each
// id generated on the remote side stands for on the direct side.
type sequence struct {
	direct, remote       uuid.UUID
	directIDs, remoteIDs []uuid.UUID
	// same maps an id seen on the remote side to its direct twin.
	same map[uuid.UUID]uuid.UUID
	// subs are the subscriptions made, direct and remote twins.
	subs [][2]uuid.UUID
}

func newSequence(rt *rapid.T) *sequence {
	s := &sequence{direct: uuid.New(), remote: uuid.New(), same: map[uuid.UUID]uuid.UUID{}}
	s.same[s.remote] = s.direct
	for range 5 {
		a, b := uuid.New(), uuid.New()
		s.directIDs, s.remoteIDs = append(s.directIDs, a), append(s.remoteIDs, b)
		s.same[b] = a
	}
	return s
}

type op struct {
	name string
	run  func(s *sequence, rt *rapid.T, p pair)
}

func (s *sequence) ops() []op {
	return []op{
		{"alert", (*sequence).recordAlert}, {"alert", (*sequence).recordAlert},
		{"alerts", (*sequence).recordAlerts},
		{"interaction", (*sequence).recordInteraction}, {"interaction", (*sequence).recordInteraction},
		{"interactions", (*sequence).recordInteractions},
		{"alert read", (*sequence).readAlert},
		{"read", (*sequence).read}, {"read", (*sequence).read}, {"read", (*sequence).read},
		{"export", func(s *sequence, rt *rapid.T, p pair) { s.export(rt, p, drawExport(rt)) }},
		{"lifecycle", (*sequence).lifecycle},
		{"subscriptions", (*sequence).subscriptions},
	}
}

// pick draws the position of an alert id; one past the pool is an alert
// that never exists.
func (s *sequence) pick(rt *rapid.T, label string) (direct, remote uuid.UUID) {
	i := rapid.IntRange(0, len(s.directIDs)).Draw(rt, label)
	if i == len(s.directIDs) {
		return uuid.MustParse("01900000-0000-7000-8000-0000000000ff"), uuid.MustParse("01900000-0000-7000-8000-0000000000ff")
	}
	return s.directIDs[i], s.remoteIDs[i]
}

// drawAlert draws an alert input, valid most of the time, and its twin for
// the remote tenant. A nil id is generated on each side.
func (s *sequence) drawAlert(rt *rapid.T) (alertanalytics.AlertInput, alertanalytics.AlertInput) {
	in := alertanalytics.AlertInput{
		AlertType: rapid.SampledFrom([]string{"disk_full", "cpu_hot", "queue_stuck", ""}).Draw(rt, "alert_type"),
		Category:  rapid.SampledFrom([]string{"", "stock", "infra"}).Draw(rt, "category"),
		Service:   rapid.SampledFrom([]string{"", "api", "db"}).Draw(rt, "service"),
		Title:     rapid.SampledFrom([]string{"", "Disk full", "ünïcode ✓"}).Draw(rt, "title"),
		PriorityLevel: alertanalytics.Priority(rapid.SampledFrom([]string{"", "critical", "important", "standard", "info", "urgent"}).
			Draw(rt, "priority")),
		TypeClass: alertanalytics.TypeClass(rapid.SampledFrom([]string{"", "action_needed", "prevented_issue", "escalation"}).Draw(rt, "class")),
		Status:    alertanalytics.Status(rapid.SampledFrom([]string{"", "active", "acknowledged", "resolved", "dismissed"}).Draw(rt, "status")),
	}
	if rapid.Bool().Draw(rt, "score") {
		score := rapid.IntRange(-5, 105).Draw(rt, "score_value")
		in.PriorityScore = &score
	}
	// Created up to 40 days ago (some before every window), at whole
	// minutes and at odd milliseconds, or now; once in a while too far in
	// the future.
	switch rapid.IntRange(0, 9).Draw(rt, "created") {
	case 0:
	case 1:
		in.CreatedAt = now().Add(time.Hour)
	default:
		in.CreatedAt = now().Add(-time.Duration(rapid.Int64Range(0, 40*24*60*60*1000).Draw(rt, "age_ms")) * time.Millisecond)
	}
	if rapid.Bool().Draw(rt, "impact") {
		in.BusinessImpact = json.RawMessage(fmt.Sprintf(`{"financial_impact_eur":%d.25,"note":"x"}`, rapid.IntRange(0, 5000).Draw(rt, "eur")))
	}
	if rapid.IntRange(0, 3).Draw(rt, "context") == 0 {
		in.OrchestratorContext = json.RawMessage(`{"estimated_savings_eur":12.5,"ai_handled":true}`)
	}
	remote := in
	if rapid.IntRange(0, 5).Draw(rt, "generated_id") > 0 {
		in.ID, remote.ID = s.pick(rt, "alert_id")
	}
	return in, remote
}

func (s *sequence) recordAlert(rt *rapid.T, p pair) {
	in, twin := s.drawAlert(rt)
	ctx := context.Background()
	a, created, err := p.direct.RecordAlert(ctx, s.direct, in)
	b, createdB, errB := p.remote.RecordAlert(ctx, s.remote, twin)
	if in.ID == uuid.Nil && err == nil && errB == nil {
		s.same[b.ID] = a.ID
	}
	s.equal(rt, "RecordAlert", []any{a, created}, []any{b, createdB}, err, errB)
}

func (s *sequence) recordAlerts(rt *rapid.T, p pair) {
	n := rapid.IntRange(0, 5).Draw(rt, "batch")
	var ins, twins []alertanalytics.AlertInput
	for range n {
		in, twin := s.drawAlert(rt)
		ins, twins = append(ins, in), append(twins, twin)
	}
	ctx := context.Background()
	a, err := p.direct.RecordAlerts(ctx, s.direct, ins)
	b, errB := p.remote.RecordAlerts(ctx, s.remote, twins)
	if err == nil && errB == nil && len(a.IDs) == len(b.IDs) {
		for i := range ins {
			if ins[i].ID == uuid.Nil {
				s.same[b.IDs[i]] = a.IDs[i]
			}
		}
	}
	s.equal(rt, "RecordAlerts", a, b, err, errB)
}

// drawInteraction draws an interaction and its twin: late ones (long
// after the alert), early ones, repeated keys and reused ones.
func (s *sequence) drawInteraction(rt *rapid.T) (alertanalytics.InteractionInput, alertanalytics.InteractionInput) {
	in := alertanalytics.InteractionInput{
		Type: alertanalytics.InteractionType(rapid.SampledFrom([]string{"acknowledged", "acknowledged", "resolved", "resolved", "snoozed", "dismissed", "poked"}).
			Draw(rt, "type")),
		IdempotencyKey: rapid.SampledFrom([]string{"", "", "k1", "k2"}).Draw(rt, "key"),
	}
	switch rapid.IntRange(0, 5).Draw(rt, "interacted") {
	case 0:
	case 1:
		in.InteractedAt = now().Add(10 * time.Minute)
	default:
		in.InteractedAt = now().Add(-time.Duration(rapid.Int64Range(0, 30*24*60*60).Draw(rt, "ago_s")) * time.Second)
	}
	if rapid.Bool().Draw(rt, "metadata") {
		in.Metadata = json.RawMessage(`{"via":"pager","n":1}`)
	}
	twin := in
	if rapid.IntRange(0, 4).Draw(rt, "with_alert") > 0 {
		in.AlertID, twin.AlertID = s.pick(rt, "interaction_alert")
	}
	return in, twin
}

func (s *sequence) recordInteraction(rt *rapid.T, p pair) {
	in, twin := s.drawInteraction(rt)
	alertID, twinAlert := s.pick(rt, "path_alert")
	if in.AlertID != uuid.Nil && rapid.Bool().Draw(rt, "path_matches") {
		alertID, twinAlert = in.AlertID, twin.AlertID
	}
	user := rapid.SampledFrom([]uuid.UUID{userOne, userTwo}).Draw(rt, "user")
	ctx := context.Background()
	a, err := p.direct.RecordInteraction(ctx, s.direct, alertID, user, in)
	b, errB := p.remote.RecordInteraction(ctx, s.remote, twinAlert, user, twin)
	if err == nil && errB == nil {
		s.same[b.ID] = a.ID
	}
	s.equal(rt, "RecordInteraction", a, b, err, errB)
}

func (s *sequence) recordInteractions(rt *rapid.T, p pair) {
	n := rapid.IntRange(0, 4).Draw(rt, "batch")
	var ins, twins []alertanalytics.InteractionInput
	for range n {
		in, twin := s.drawInteraction(rt)
		ins, twins = append(ins, in), append(twins, twin)
	}
	user := rapid.SampledFrom([]uuid.UUID{userOne, userTwo}).Draw(rt, "user")
	ctx := context.Background()
	a, err := p.direct.RecordInteractions(ctx, s.direct, user, ins)
	b, errB := p.remote.RecordInteractions(ctx, s.remote, user, twins)
	if err == nil && errB == nil && len(a.Interactions) == len(b.Interactions) {
		for i := range a.Interactions {
			s.same[b.Interactions[i].ID] = a.Interactions[i].ID
		}
	}
	s.equal(rt, "RecordInteractions", a, b, err, errB)
}

func (s *sequence) readAlert(rt *rapid.T, p pair) {
	id, twin := s.pick(rt, "read_alert")
	a, err := p.direct.Alert(context.Background(), s.direct, id)
	b, errB := p.remote.Alert(context.Background(), s.remote, twin)
	s.equal(rt, "Alert", a, b, err, errB)
}

var zones = []string{"", "UTC", "Europe/Madrid", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "Local"}

func drawWindow(rt *rapid.T) alertanalytics.Window {
	w := alertanalytics.Window{Days: rapid.SampledFrom([]int{0, 1, 2, 7, 10, 30, 90, 91, -1}).Draw(rt, "days")}
	switch z := rapid.SampledFrom(zones).Draw(rt, "zone"); z {
	case "":
	case "Local":
		w.Location = time.Local
	default:
		loc, err := time.LoadLocation(z)
		if err != nil {
			rt.Fatalf("zone %s: %v", z, err)
		}
		w.Location = loc
	}
	return w
}

func drawHours(rt *rapid.T) alertanalytics.HoursOptions {
	var h alertanalytics.HoursOptions
	if rapid.Bool().Draw(rt, "business_days") {
		h.BusinessDays = []time.Weekday{time.Saturday, time.Sunday}
	}
	if rapid.Bool().Draw(rt, "business_hours") {
		h.BusinessHours = &alertanalytics.Interval{Start: 8 * 60, End: rapid.SampledFrom([]int{18 * 60, 18*60 + 5}).Draw(rt, "end")}
	}
	if rapid.Bool().Draw(rt, "sleep_hours") {
		h.SleepHours = &alertanalytics.Interval{Start: 23 * 60, End: 7*60 + 30}
	}
	return h
}

// read draws one of the analytics and insight reads, with its options.
func (s *sequence) read(rt *rapid.T, p pair) {
	w := drawWindow(rt)
	ctx := context.Background()
	call := func(api alertanalytics.API, tenant uuid.UUID, kind int, opts readOptions) (any, error) {
		switch kind {
		case 0:
			return api.Analytics(ctx, tenant, w)
		case 1:
			return api.Trends(ctx, tenant, w)
		case 2:
			return api.Dashboard(ctx, tenant, w)
		case 3:
			return api.Compliance(ctx, tenant, w, opts.targets)
		case 4:
			return api.Breakdown(ctx, tenant, w, opts.by, opts.limit)
		case 5:
			return api.Hours(ctx, tenant, w, opts.hours)
		case 6:
			return api.Noisy(ctx, tenant, w, opts.limit)
		case 7:
			return api.People(ctx, tenant, w, alertanalytics.PeopleOptions{Hours: opts.hours, Limit: opts.limit})
		case 8:
			return api.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{Short: opts.short, Limit: opts.limit})
		default:
			return api.Digest(ctx, tenant, w)
		}
	}
	kind := rapid.IntRange(0, 9).Draw(rt, "read")
	opts := readOptions{
		by:    alertanalytics.BreakdownField(rapid.SampledFrom([]string{"category", "service", "alert_type", "", "colour"}).Draw(rt, "by")),
		limit: rapid.SampledFrom([]int{0, 1, 2, 100, 101}).Draw(rt, "limit"),
		hours: drawHours(rt),
		short: rapid.SampledFrom([]time.Duration{0, 90 * time.Second, time.Hour, 25 * time.Hour, 1500 * time.Millisecond}).Draw(rt, "short"),
	}
	if rapid.Bool().Draw(rt, "targets") {
		opts.targets = alertanalytics.Targets{
			Acknowledge: map[alertanalytics.Priority]time.Duration{"critical": rapid.SampledFrom([]time.Duration{time.Minute, 10 * time.Minute, 0}).Draw(rt, "ack")},
			Resolve:     map[alertanalytics.Priority]time.Duration{"info": 2 * time.Hour},
		}
	}
	a, err := call(p.direct, s.direct, kind, opts)
	b, errB := call(p.remote, s.remote, kind, opts)
	s.equal(rt, fmt.Sprintf("read %d", kind), a, b, err, errB)
}

type readOptions struct {
	targets alertanalytics.Targets
	by      alertanalytics.BreakdownField
	limit   int
	hours   alertanalytics.HoursOptions
	short   time.Duration
}

func drawExport(rt *rapid.T) alertanalytics.ExportOptions {
	o := alertanalytics.ExportOptions{
		Kind:   alertanalytics.ExportKind(rapid.SampledFrom([]string{"alerts", "interactions", "audit_logs", "", "users"}).Draw(rt, "kind")),
		Format: alertanalytics.ExportFormat(rapid.SampledFrom([]string{"", "ndjson", "csv", "xml"}).Draw(rt, "format")),
	}
	if rapid.Bool().Draw(rt, "from") {
		o.From = now().Add(-time.Duration(rapid.IntRange(0, 40).Draw(rt, "from_days")) * 24 * time.Hour)
	}
	if rapid.Bool().Draw(rt, "to") {
		o.To = now().Add(-time.Duration(rapid.IntRange(0, 40).Draw(rt, "to_days")) * 24 * time.Hour)
	}
	return o
}

// export compares two exports as the same lines: rows with the same time
// are ordered by id, and ids generated on each side differ.
func (s *sequence) export(rt *rapid.T, p pair, o alertanalytics.ExportOptions) {
	var a, b bytes.Buffer
	err := p.direct.Export(context.Background(), s.direct, o, &a)
	errB := p.remote.Export(context.Background(), s.remote, o, &b)
	lines := func(text string) []string {
		ls := strings.Split(text, "\n")
		if o.Kind == alertanalytics.ExportAuditLogs {
			// Audit rows' own ids are generated apart and never answered.
			for i, l := range ls {
				if strings.HasPrefix(l, `{"id":"`) {
					ls[i] = l[len(`{"id":"`)+36:]
				} else if i > 0 || o.Format != alertanalytics.CSV {
					_, ls[i], _ = strings.Cut(l, ",")
				}
			}
		}
		slices.Sort(ls)
		return ls
	}
	s.equal(rt, fmt.Sprintf("Export %+v", o), lines(a.String()), lines(s.canonText(b.String())), err, errB)
}

func (s *sequence) lifecycle(rt *rapid.T, p pair) {
	ctx := context.Background()
	switch rapid.IntRange(0, 4).Draw(rt, "lifecycle") {
	case 0:
		a, err := p.direct.PreviewTenantDeletion(ctx, s.direct)
		b, errB := p.remote.PreviewTenantDeletion(ctx, s.remote)
		s.equal(rt, "PreviewTenantDeletion", a, b, err, errB)
	case 1:
		r := alertanalytics.Retention{
			MaxAge:      rapid.SampledFrom([]time.Duration{12 * time.Hour, 24 * time.Hour, 10 * 24 * time.Hour, 30*24*time.Hour + 30*time.Minute}).Draw(rt, "max_age"),
			IncludeOpen: rapid.Bool().Draw(rt, "include_open"),
			DryRun:      rapid.Bool().Draw(rt, "dry_run"),
			RequestedBy: "retention-test",
		}
		a, err := p.direct.PurgeTenant(ctx, s.direct, r)
		b, errB := p.remote.PurgeTenant(ctx, s.remote, r)
		if err == nil && errB == nil && len(a.Receipts) == len(b.Receipts) {
			for i := range a.Receipts {
				s.same[b.Receipts[i].ID] = a.Receipts[i].ID
			}
		}
		s.equal(rt, "PurgeTenant", a, b, err, errB)
	case 2:
		a, err := p.direct.RetentionReceipts(ctx, s.direct)
		b, errB := p.remote.RetentionReceipts(ctx, s.remote)
		s.equal(rt, "RetentionReceipts", a, b, err, errB)
	case 3:
		a, err := p.direct.DeleteTenant(ctx, s.direct, "gdpr-ticket")
		b, errB := p.remote.DeleteTenant(ctx, s.remote, "gdpr-ticket")
		if err == nil && errB == nil {
			s.same[b.ID] = a.ID
		}
		s.equal(rt, "DeleteTenant", a, b, err, errB)
	default:
		a, err := p.direct.TenantDeletionReceipts(ctx, s.direct)
		b, errB := p.remote.TenantDeletionReceipts(ctx, s.remote)
		s.equal(rt, "TenantDeletionReceipts", a, b, err, errB)
	}
}

// equal requires b (the remote answer, its ids mapped to their direct
// twins) deep-equal to a, and the errors of the same kind.
func (s *sequence) equal(rt *rapid.T, call string, a, b any, err, errB error) {
	if kind(err) != kind(errB) {
		rt.Fatalf("%s: direct error %v (%s), remote error %v (%s)", call, err, kind(err), errB, kind(errB))
	}
	if err != nil {
		return
	}
	s.canon(reflect.ValueOf(&a).Elem(), false)
	s.canon(reflect.ValueOf(&b).Elem(), true)
	if !reflect.DeepEqual(a, b) {
		rt.Fatalf("%s answers differ:\ndirect %#v\nremote %#v", call, a, b)
	}
}

// kind names an error's kind as the package doc promises it: the field of
// a *FieldError, not found, overloaded, none, or other.
func kind(err error) string {
	var fe *alertanalytics.FieldError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &fe):
		return "invalid " + fe.Field
	case errors.Is(err, alertanalytics.ErrNotFound):
		return "not found"
	case errors.Is(err, alertanalytics.ErrOverloaded):
		return "overloaded"
	}
	return "other"
}

// canon replaces, in place, the errors of rejections in v with their kind
// and, when ids is set, every remote id with its direct twin.
func (s *sequence) canon(v reflect.Value, ids bool) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		if e, ok := v.Interface().(error); ok {
			v.Set(reflect.ValueOf(errors.New(kind(e))))
			return
		}
		inner := reflect.New(v.Elem().Type()).Elem()
		inner.Set(v.Elem())
		s.canon(inner, ids)
		v.Set(inner)
	case reflect.Pointer:
		if !v.IsNil() {
			s.canon(v.Elem(), ids)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				s.canon(v.Field(i), ids)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == reflect.TypeOf(json.RawMessage{}) {
			return
		}
		if v.Type() == reflect.TypeOf(uuid.UUID{}) {
			if !ids {
				return
			}
			if twin, ok := s.same[v.Interface().(uuid.UUID)]; ok {
				v.Set(reflect.ValueOf(twin))
			}
			return
		}
		for i := range v.Len() {
			s.canon(v.Index(i), ids)
		}
	case reflect.String:
		if ids {
			v.SetString(s.canonText(v.String()))
		}
	}
}

// canonText replaces every remote id in text with its direct twin.
func (s *sequence) canonText(text string) string {
	for remote, direct := range s.same {
		text = strings.ReplaceAll(text, remote.String(), direct.String())
	}
	return text
}

// subscriptions creates, replaces, lists or removes a digest subscription,
// or lists the deliveries.
func (s *sequence) subscriptions(rt *rapid.T, p pair) {
	ctx := context.Background()
	draw := func() alertanalytics.SubscriptionInput {
		in := alertanalytics.SubscriptionInput{
			Schedule: alertanalytics.Schedule{
				Every:   alertanalytics.Frequency(rapid.SampledFrom([]string{"daily", "weekly", "monthly"}).Draw(rt, "every")),
				Weekday: time.Weekday(rapid.IntRange(0, 6).Draw(rt, "weekday")),
				Hour:    rapid.IntRange(0, 24).Draw(rt, "hour"), Minute: rapid.SampledFrom([]int{0, 30, 59}).Draw(rt, "minute"),
			},
			Days: rapid.SampledFrom([]int{0, 1, 7, 91}).Draw(rt, "sub_days"),
		}
		if z := rapid.SampledFrom(zones[1:6]).Draw(rt, "sub_zone"); z != "" {
			in.Schedule.Location, _ = time.LoadLocation(z)
		}
		switch rapid.IntRange(0, 3).Draw(rt, "channel") {
		case 0:
			in.Webhook = &alertanalytics.WebhookChannel{URL: "https://203.0.113.10/hook", Secret: "0123456789abcdef",
				Format: alertanalytics.WebhookFormat(rapid.SampledFrom([]string{"", "json", "slack"}).Draw(rt, "format"))}
		case 1:
			in.Email = &alertanalytics.EmailChannel{To: []string{rapid.SampledFrom([]string{"ops@example.com", "not an address"}).Draw(rt, "to")}}
		case 2:
			in.Email = &alertanalytics.EmailChannel{To: []string{"a@example.com", "b@example.com"}}
		}
		return in
	}
	pick := func() (uuid.UUID, uuid.UUID) {
		if len(s.subs) == 0 || rapid.IntRange(0, 4).Draw(rt, "unknown_sub") == 0 {
			return uuid.MustParse("01900000-0000-7000-8000-0000000000ee"), uuid.MustParse("01900000-0000-7000-8000-0000000000ee")
		}
		pair := rapid.SampledFrom(s.subs).Draw(rt, "sub")
		return pair[0], pair[1]
	}
	switch rapid.IntRange(0, 4).Draw(rt, "sub_op") {
	case 0, 1:
		in := draw()
		a, err := p.direct.CreateSubscription(ctx, s.direct, in)
		b, errB := p.remote.CreateSubscription(ctx, s.remote, in)
		if err == nil && errB == nil {
			s.same[b.ID] = a.ID
			s.subs = append(s.subs, [2]uuid.UUID{a.ID, b.ID})
		}
		s.equal(rt, "CreateSubscription", a, b, err, errB)
	case 2:
		in := draw()
		id, twin := pick()
		a, err := p.direct.UpdateSubscription(ctx, s.direct, id, in)
		b, errB := p.remote.UpdateSubscription(ctx, s.remote, twin, in)
		s.equal(rt, "UpdateSubscription", a, b, err, errB)
	case 3:
		id, twin := pick()
		err := p.direct.DeleteSubscription(ctx, s.direct, id)
		errB := p.remote.DeleteSubscription(ctx, s.remote, twin)
		s.equal(rt, "DeleteSubscription", nil, nil, err, errB)
	default:
		a, err := p.direct.Subscriptions(ctx, s.direct)
		b, errB := p.remote.Subscriptions(ctx, s.remote)
		s.equal(rt, "Subscriptions", a, b, err, errB)
		d, err := p.direct.Deliveries(ctx, s.direct, 0)
		dB, errB := p.remote.Deliveries(ctx, s.remote, 0)
		s.equal(rt, "Deliveries", d, dB, err, errB)
	}
}
