// Package alertanalytics records operational alerts and what people did about
// them (acknowledge, resolve, snooze, dismiss), and computes per-tenant
// analytics over them: daily trends by priority, time to acknowledge and to
// resolve, resolution rate, top categories, a forecast, the busiest weekday, a
// dashboard with money at risk and savings, period-over-period comparison, and
// tenant deletion with a dry run.
//
// A Service sits over a store.Store: the sqlite package (a file, or memory for
// tests) or the postgres package (a pgx pool). The Service validates input,
// fills in defaults, decides what each write does and keeps per-day totals
// beside the rows in the same transaction, and does the metric maths over
// them; the store persists rows and those totals' bytes and runs plain
// reads. The httpapi package mounts a Service on a net/http server.
//
// Every call is scoped to one tenant. Times are UTC with millisecond
// precision; durations are whole seconds.
package alertanalytics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/internal/writeflow"
	"github.com/alertanalytics/alertanalytics/store"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ErrNotFound is returned, wrapped, when an alert does not exist in the
// tenant. Alerts of other tenants are not found either.
var ErrNotFound = store.ErrNotFound

// ErrInvalidArgument is returned, wrapped in a *FieldError naming the field
// at fault, when input breaks a validation rule. Nothing is written then.
var ErrInvalidArgument = errors.New("invalid argument")

// FieldError is a validation failure of one input field. It matches
// ErrInvalidArgument under errors.Is; use errors.As to read the field.
type FieldError struct {
	// Field is the input field at fault, in its JSON spelling, such as
	// "priority_level" or "business_impact.financial_impact_eur".
	Field string
	// Detail says what is wrong with it.
	Detail string
}

// Error implements error.
func (e *FieldError) Error() string { return "invalid argument: " + e.Field + ": " + e.Detail }

// Is reports whether target is ErrInvalidArgument.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidArgument }

func invalid(field, detail string) error { return &FieldError{Field: field, Detail: detail} }

// Re-exported domain types, so callers need not import the store package.
type (
	// Priority is an alert's urgency; see store.Priority.
	Priority = store.Priority
	// TypeClass is an alert's kind of situation; see store.TypeClass.
	TypeClass = store.TypeClass
	// Status is an alert's life-cycle state; see store.Status.
	Status = store.Status
	// InteractionType is what a person did; see store.InteractionType.
	InteractionType = store.InteractionType
	// TenantCounts is the number of rows a tenant owns per table.
	TenantCounts = store.TenantCounts
)

// Re-exported enum values.
const (
	PriorityCritical  = store.PriorityCritical
	PriorityImportant = store.PriorityImportant
	PriorityStandard  = store.PriorityStandard
	PriorityInfo      = store.PriorityInfo

	TypeClassActionNeeded   = store.TypeClassActionNeeded
	TypeClassPreventedIssue = store.TypeClassPreventedIssue
	TypeClassTrendWarning   = store.TypeClassTrendWarning
	TypeClassEscalation     = store.TypeClassEscalation
	TypeClassInformation    = store.TypeClassInformation

	StatusActive       = store.StatusActive
	StatusAcknowledged = store.StatusAcknowledged
	StatusSnoozed      = store.StatusSnoozed
	StatusResolved     = store.StatusResolved
	StatusDismissed    = store.StatusDismissed

	InteractionAcknowledged = store.InteractionAcknowledged
	InteractionResolved     = store.InteractionResolved
	InteractionSnoozed      = store.InteractionSnoozed
	InteractionDismissed    = store.InteractionDismissed
)

// Config configures a Service. The zero value is ready to use.
type Config struct {
	// Clock returns the current time. It decides the analytics windows, the
	// default times of alerts and interactions, and how far in the future a
	// client time may be. Defaults to time.Now.
	Clock func() time.Time
	// Logger receives the Service's log records. Defaults to a logger that
	// discards everything.
	Logger *slog.Logger
	// TracerProvider gives the tracer of the spans: one per Service call
	// and one per store call, with the tenant id as an attribute. Defaults
	// to the global provider, which does nothing until the program sets it.
	TracerProvider trace.TracerProvider
	// MeterProvider gives the meter of the metrics: alerts ingested,
	// interactions recorded, errors by operation and kind. Defaults to the
	// global provider, which does nothing until the program sets it.
	MeterProvider metric.MeterProvider
	// MaxWrites is how many calls that write (alerts, interactions, an
	// Alertmanager notification, a deletion, a retention purge) run at
	// once; MaxReads, apart from them, how many calls that read. A call
	// that finds its kind full waits in its tenant's queue, and a place
	// that frees goes to the next tenant with a call waiting, in turn: one
	// tenant's storm does not take the other tenants' places, and a tenant
	// alone may use them all. While another tenant has started a call of
	// the kind within the last second, one tenant runs at most all the
	// places but one (3 of 4 writes, 7 of 8 reads), so the others' next
	// calls find a place free at once instead of waiting for a storm's
	// calls to end. A call that waits QueueTimeout for a place,
	// or whose tenant already has TenantQueue calls of its kind waiting,
	// fails with ErrOverloaded having written nothing. Defaults:
	// DefaultMaxWrites, DefaultMaxReads. On PostgreSQL, give the pool at
	// least MaxWrites + 4 × MaxReads connections (a dashboard runs four
	// reads side by side; postgres.DefaultMaxConns is sized so), so that
	// calls admitted never queue for a connection. Exports and
	// CheckTotals are not counted: they are long scans a host limits as it
	// sees fit.
	MaxWrites, MaxReads int
	// QueueTimeout is how long a call waits for a place; see MaxWrites.
	// Defaults to DefaultQueueTimeout.
	QueueTimeout time.Duration
	// AllowPrivateWebhooks lets digest webhooks reach loopback, private,
	// link-local and other non-public addresses. Off by default: a
	// subscription's URL is a request this process makes on a tenant's
	// behalf, and must not reach the host's own network (server-side
	// request forgery). It is checked when a subscription is saved and
	// again on every connection a delivery opens.
	AllowPrivateWebhooks bool
	// TenantQueue is how many calls of one kind one tenant may have
	// waiting for a place; its next call is refused at once, so a storming
	// tenant's excess is shed first and fast. Defaults to
	// DefaultTenantQueue.
	TenantQueue int
}

// Service records alerts and interactions and computes analytics over one
// store. It is safe for concurrent use; it holds no state besides its store
// and configuration.
type Service struct {
	// store is the backend, traced, with the write flows above it.
	store  writeflow.Store
	clock  func() time.Time
	logger *slog.Logger
	tel    telemetry
	gate   gate
	// buffers holds *rollup.Buffers, the scratch space of response-time
	// reads, so a Dashboard allocates the same whatever the tenant's size.
	buffers *sync.Pool
	// deliveries is the store's store.DeliveryStore, nil when it has none.
	deliveries store.DeliveryStore
	// privateWebhooks is Config.AllowPrivateWebhooks.
	privateWebhooks bool
}

// New returns a Service over st. It panics when st is nil: that is a
// programming error, better found at start-up than at the first call.
func New(st store.Store, cfg Config) *Service {
	if st == nil {
		panic("alertanalytics.New: nil store.Store")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	tel := newTelemetry(cfg.TracerProvider, cfg.MeterProvider)
	deliveries, _ := st.(store.DeliveryStore)
	return &Service{store: writeflow.Store{Store: retryingStore{tracedStore{Store: st, tracer: tel.tracer}}}, clock: cfg.Clock, logger: cfg.Logger, tel: tel,
		gate:       newGate(cfg),
		buffers:    &sync.Pool{New: func() any { return new(rollup.Buffers) }},
		deliveries: deliveries, privateWebhooks: cfg.AllowPrivateWebhooks}
}

// now returns the clock's time in UTC, truncated to the millisecond the
// stores keep.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// maxFuture is how far ahead of the clock a client-supplied time may be.
const maxFuture = 5 * time.Minute

// concurrently runs the independent reads fns at the same time, so a store
// with a connection pool answers them in parallel, and returns once all have
// finished, with their errors joined. No goroutine outlives the call.
func concurrently(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns[1:] {
		wg.Go(func() { errs[i+1] = fn() })
	}
	errs[0] = fns[0]()
	wg.Wait()
	return errors.Join(errs...)
}

// CheckTotals recomputes the totals the stores keep beside the rows — the
// per-bucket rollups the analytics read and the open-alert totals — from the
// tenant's alert rows, and returns an error describing the first
// difference, or nil when they agree to the unit. It reads every alert of
// the tenant: run it to verify data after an incident, not on every request.
func (s *Service) CheckTotals(ctx context.Context, tenantID uuid.UUID) (err error) {
	ctx, end := s.span(ctx, "CheckTotals", tenantID, read)
	defer end(&err)
	if err := checkTenant(tenantID); err != nil {
		return err
	}
	if err := rollup.Verify(ctx, s.store, tenantID); err != nil {
		return fmt.Errorf("check totals: %w", err)
	}
	return nil
}

// RebuildTotals recomputes the tenant's kept totals (day rows and open
// totals) from its alert rows and replaces the kept ones, in one
// transaction that keeps the tenant's other writes out while it reads
// every alert of the tenant. Run it once per tenant after applying a
// backend's migrations with a tool of one's own, or after migrating a
// database from before migration 005 (which leaves the day rows of the
// alerts already stored empty), or when CheckTotals reports a difference.
func (s *Service) RebuildTotals(ctx context.Context, tenantID uuid.UUID) (err error) {
	ctx, end := s.span(ctx, "RebuildTotals", tenantID, write)
	defer end(&err)
	if err := checkTenant(tenantID); err != nil {
		return err
	}
	if err := s.store.RebuildTotals(ctx, tenantID); err != nil {
		return fmt.Errorf("rebuild totals: %w", err)
	}
	return nil
}
