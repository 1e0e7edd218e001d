package alertanalytics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Retention says which alerts a purge removes: those created before now −
// MaxAge, closed ones only unless IncludeOpen, with their interactions and
// audit rows.
type Retention struct {
	// MaxAge is at least 24 hours.
	MaxAge      time.Duration
	IncludeOpen bool
	// BatchSize is how many alerts one transaction deletes at most.
	// Defaults to RetentionBatch.
	BatchSize int
	// DryRun counts what the purge would delete and deletes nothing.
	DryRun bool
	// RequestedBy names who asked, 1–200 characters; it goes on the
	// receipts.
	RequestedBy string
}

// MinRetention is the shortest MaxAge a Retention may have.
const MinRetention = 24 * time.Hour

// RetentionBatch is how many alerts one purge transaction deletes at most,
// so concurrent ingest and reads never wait long on it.
const RetentionBatch = 10000

// ParseMaxAge reads a retention age: a Go duration ("720h") or whole days
// ("400d"). field names the input in the error.
func ParseMaxAge(field, s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100000 || strings.TrimLeft(days, "0123456789") != "" {
			return 0, invalid(field, "must be a Go duration such as 720h or whole days such as 400d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalid(field, "must be a Go duration such as 720h or whole days such as 400d")
	}
	return d, nil
}

// RetentionReceipt records one purge of a tenant: what it was asked and
// what it deleted. Every run leaves one, an interrupted run too, counting
// exactly what it deleted: each batch adds its counts in its own
// transaction.
type RetentionReceipt = store.RetentionReceipt

// PurgeResult is the outcome of a purge (or of its dry run).
type PurgeResult struct {
	DryRun bool
	// Cutoff: alerts created before it were (or would be) purged.
	Cutoff time.Time
	// Deleted counts the rows deleted (or that would be).
	Deleted TenantCounts
	// Receipts lists the receipt of each tenant purged; none in a dry run.
	Receipts []RetentionReceipt
}

func (r *Retention) check() error {
	if r.MaxAge < MinRetention {
		return invalid("max_age", "must be at least 24 hours")
	}
	if r.BatchSize < 0 {
		return invalid("batch_size", "must not be negative")
	}
	if r.BatchSize == 0 {
		r.BatchSize = RetentionBatch
	}
	return nil
}

// PurgeTenant removes the tenant's alerts older than r.MaxAge (closed ones
// unless r.IncludeOpen) with their interactions and audit rows, in
// transactions of at most RetentionBatch alerts, moving every kept total as
// they go, and leaves a receipt. A dry run counts and deletes nothing.
// Cancelling ctx stops the purge between or inside a batch; what was
// deleted stays deleted and is on the receipt, and running it again goes
// on where it stopped.
func (s *Service) PurgeTenant(ctx context.Context, tenantID uuid.UUID, r Retention) (_ PurgeResult, err error) {
	ctx, end, err := s.call(ctx, "PurgeTenant", tenantID, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return PurgeResult{}, err
	}
	if err := r.check(); err != nil {
		return PurgeResult{}, err
	}
	if err := checkText("requested_by", r.RequestedBy, maxRequestedBy, true); err != nil {
		return PurgeResult{}, err
	}
	now := s.now()
	res, err := s.purge(ctx, tenantID, r, now.Add(-r.MaxAge))
	if err != nil {
		return res, fmt.Errorf("purge tenant: %w", err)
	}
	return res, nil
}

// PurgeAll applies r to every tenant that has alerts, one after the other,
// as PurgeTenant does; the result sums them. It stops at the first error.
func (s *Service) PurgeAll(ctx context.Context, r Retention) (_ PurgeResult, err error) {
	ctx, end, err := s.call(ctx, "PurgeAll", uuid.Nil, write)
	defer end(&err)
	if err != nil {
		return
	}
	if err := r.check(); err != nil {
		return PurgeResult{}, err
	}
	if err := checkText("requested_by", r.RequestedBy, maxRequestedBy, true); err != nil {
		return PurgeResult{}, err
	}
	tenants, err := s.store.TenantIDs(ctx)
	if err != nil {
		return PurgeResult{}, fmt.Errorf("purge all: %w", err)
	}
	cutoff := s.now().Add(-r.MaxAge)
	total := PurgeResult{DryRun: r.DryRun, Cutoff: cutoff}
	for _, tenantID := range tenants {
		res, err := s.purge(ctx, tenantID, r, cutoff)
		total.Deleted = add(total.Deleted, res.Deleted)
		total.Receipts = append(total.Receipts, res.Receipts...)
		if err != nil {
			return total, fmt.Errorf("purge all: tenant %s: %w", tenantID, err)
		}
	}
	return total, nil
}

func add(a, b TenantCounts) TenantCounts {
	return TenantCounts{Alerts: a.Alerts + b.Alerts, AlertInteractions: a.AlertInteractions + b.AlertInteractions, AuditLogs: a.AuditLogs + b.AuditLogs}
}

func (s *Service) purge(ctx context.Context, tenantID uuid.UUID, r Retention, cutoff time.Time) (PurgeResult, error) {
	dryRun, requestedBy := r.DryRun, r.RequestedBy
	res := PurgeResult{DryRun: dryRun, Cutoff: cutoff}
	id, err := uuid.NewV7()
	if err != nil {
		return res, err
	}
	receipt := RetentionReceipt{ID: id, TenantID: tenantID, RequestedBy: requestedBy, Cutoff: cutoff, IncludeOpen: r.IncludeOpen,
		StartedAt: s.now()}
	if dryRun {
		res.Deleted, err = s.store.CountPurge(ctx, receipt)
		return res, err
	}
	if err := s.store.SaveRetentionReceipt(ctx, receipt); err != nil {
		return res, err
	}
	for {
		batch, err := s.store.PurgeBatch(ctx, receipt, r.BatchSize)
		receipt.Deleted = add(receipt.Deleted, batch)
		res.Deleted = receipt.Deleted
		if err != nil {
			res.Receipts = []RetentionReceipt{receipt}
			return res, err
		}
		if batch.Alerts == 0 {
			break
		}
	}
	receipt.FinishedAt = s.now()
	if err := s.store.SaveRetentionReceipt(ctx, receipt); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	res.Receipts = []RetentionReceipt{receipt}
	s.logger.InfoContext(ctx, "retention purge", "tenant_id", tenantID, "cutoff", cutoff, "requested_by", requestedBy,
		"alerts", receipt.Deleted.Alerts, "alert_interactions", receipt.Deleted.AlertInteractions, "audit_logs", receipt.Deleted.AuditLogs)
	return res, nil
}

// RetentionReceipts returns the tenant's purge receipts, oldest first, nil
// when there are none. FinishedAt is zero for a run that was interrupted.
func (s *Service) RetentionReceipts(ctx context.Context, tenantID uuid.UUID) (_ []RetentionReceipt, err error) {
	ctx, end, err := s.call(ctx, "RetentionReceipts", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	if err := checkTenant(tenantID); err != nil {
		return nil, err
	}
	rs, err := s.store.RetentionReceipts(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("retention receipts: %w", err)
	}
	if len(rs) == 0 {
		return nil, nil // whichever empty list the backend gave
	}
	return rs, nil
}
