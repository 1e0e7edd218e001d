// Package writeflow holds the write flows both backends run, written once:
// what ingesting alerts and recording interactions do, in which order, and
// how each write moves the totals kept beside the rows. A backend supplies
// only the statements, through Tx, inside a transaction it opened; locking
// and SQL stay backend-specific.
package writeflow

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Tx is what the flows need of a backend inside one transaction.
type Tx interface {
	// InsertAlerts inserts the alerts the tenant does not have yet and
	// reports, per alert, whether it was inserted; of ids repeated within
	// the batch the first is inserted.
	InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) (created []bool, err error)
	// InteractionByKey returns the tenant's interaction with the
	// idempotency key, or an error wrapping store.ErrNotFound.
	InteractionByKey(ctx context.Context, tenantID uuid.UUID, key string) (store.Interaction, error)
	// AlertForUpdate returns the alert, locked until the transaction ends
	// where the backend locks rows, or an error wrapping store.ErrNotFound.
	AlertForUpdate(ctx context.Context, tenantID, alertID uuid.UUID) (store.Alert, error)
	// InsertInteraction stores the interaction. It reports false, storing
	// nothing, when another transaction stored the same idempotency key
	// since InteractionByKey looked.
	InsertInteraction(ctx context.Context, in store.Interaction) (bool, error)
	// UpdateAlertState writes the alert's status, acknowledged_at and
	// resolved_at.
	UpdateAlertState(ctx context.Context, a *store.Alert) error
	// InsertAuditLog writes one audit-log row.
	InsertAuditLog(ctx context.Context, l AuditLog) error
	// AddOpenTotals adds the changes to the tenant's open totals, in the
	// order given. A backend whose writers run side by side may add each
	// change to any row of its type class that no other transaction holds,
	// or to a new one, and report the sum of the rows.
	AddOpenTotals(ctx context.Context, tenantID uuid.UUID, changes []store.OpenTotal) error
	// LockDays returns rows of the tenant's kept days of those given, by
	// day then stripe, locked until the transaction ends where the backend
	// locks rows. With wait, every committed row of those days, waiting for
	// concurrent writers; without, only the rows no other transaction holds
	// now, never waiting (PostgreSQL's SKIP LOCKED). A backend that
	// serialises writes returns every row either way.
	LockDays(ctx context.Context, tenantID uuid.UUID, days []int64, wait bool) ([]rollup.Day, error)
	// WriteDays stores the rows in put, replacing the row of the same day
	// and stripe where there is one, and deletes the rows named in drop.
	WriteDays(ctx context.Context, tenantID uuid.UUID, put []rollup.Day, drop []rollup.DayKey) error
	// DeleteTenantRows deletes the tenant's rows of one table, named as in
	// TenantTables, and returns how many there were.
	DeleteTenantRows(ctx context.Context, table string, tenantID uuid.UUID) (int64, error)
	// InsertDeletionReceipt stores a deletion receipt.
	InsertDeletionReceipt(ctx context.Context, r store.DeletionReceipt) error
	// PurgeCandidates returns, with the fields kept totals are made of and
	// locked where the backend locks rows, up to limit of the alerts a
	// retention run purges: created before the cutoff, closed unless
	// IncludeOpen, oldest first.
	PurgeCandidates(ctx context.Context, r store.RetentionReceipt, limit int) ([]store.Alert, error)
	// DeleteAlertRows deletes the alerts with their interactions and audit
	// rows, and returns how many rows of each it deleted.
	DeleteAlertRows(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (store.TenantCounts, error)
	// AddRetentionCounts adds counts to the stored receipt.
	AddRetentionCounts(ctx context.Context, r store.RetentionReceipt, c store.TenantCounts) error
}

// PurgeBatch deletes, in one transaction, up to limit of the alerts a
// retention run purges, with their interactions and audit rows; moves
// every kept total as the alerts leave; and adds the counts to the run's
// receipt in the same transaction, so the receipt never disagrees with
// what was deleted.
func PurgeBatch(ctx context.Context, begin Begin, r store.RetentionReceipt, limit int) (store.TenantCounts, error) {
	var counts store.TenantCounts
	err := begin(ctx, r.TenantID, func(tx Tx) error {
		alerts, err := tx.PurgeCandidates(ctx, r, limit)
		if err != nil || len(alerts) == 0 {
			return err
		}
		ids := make([]uuid.UUID, len(alerts))
		d := NewDelta()
		for i := range alerts {
			ids[i] = alerts[i].ID
			d.Move(&alerts[i], nil)
		}
		if counts, err = tx.DeleteAlertRows(ctx, r.TenantID, ids); err != nil {
			return fmt.Errorf("delete rows: %w", err)
		}
		if err := applyTotals(ctx, tx, r.TenantID, d); err != nil {
			return err
		}
		return tx.AddRetentionCounts(ctx, r, counts)
	})
	if err != nil {
		return store.TenantCounts{}, err
	}
	return counts, nil
}

// TenantTables lists the tables holding a tenant's rows and kept totals, in
// the order a deletion empties them: rows that point at others first.
func TenantTables() []string {
	return []string{"audit_logs", "alert_interactions", "alerts", "open_totals", "rollup_days"}
}

// DeleteTenant deletes every row and kept total of the tenant and stores
// the receipt with the counts deleted, in one transaction begun by begin,
// which must keep the tenant's other writes out until it ends.
func DeleteTenant(ctx context.Context, begin Begin, r store.DeletionReceipt) (store.TenantCounts, error) {
	err := begin(ctx, r.TenantID, func(tx Tx) error {
		counted := map[string]*int64{"audit_logs": &r.Deleted.AuditLogs, "alert_interactions": &r.Deleted.AlertInteractions, "alerts": &r.Deleted.Alerts}
		for _, table := range TenantTables() {
			n, err := tx.DeleteTenantRows(ctx, table, r.TenantID)
			if err != nil {
				return fmt.Errorf("delete %s: %w", table, err)
			}
			if c, ok := counted[table]; ok {
				*c = n
			}
		}
		if err := tx.InsertDeletionReceipt(ctx, r); err != nil {
			return fmt.Errorf("insert receipt: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.TenantCounts{}, err
	}
	return r.Deleted, nil
}

// Begin runs fn in one write transaction for the tenant, committing when fn
// returns nil and rolling back otherwise. Backends take whatever locks
// their writes need there.
type Begin func(ctx context.Context, tenantID uuid.UUID, fn func(Tx) error) error

// AuditLog is one status change of an alert.
type AuditLog = store.AuditLog

// InsertAlerts ingests alerts in one transaction: the new ones are stored
// and counted in the kept totals; existing ids change nothing.
func InsertAlerts(ctx context.Context, begin Begin, tenantID uuid.UUID, alerts []store.Alert) (created []bool, err error) {
	err = begin(ctx, tenantID, func(tx Tx) error {
		created, err = insertAlerts(ctx, tx, tenantID, alerts)
		return err
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

func insertAlerts(ctx context.Context, tx Tx, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	created, err := tx.InsertAlerts(ctx, tenantID, alerts)
	if err != nil {
		return nil, err
	}
	if len(created) != len(alerts) {
		return nil, fmt.Errorf("insert alerts: %d flags for %d alerts", len(created), len(alerts))
	}
	d := NewDelta()
	for i := range alerts {
		if created[i] {
			d.Move(nil, &alerts[i])
		}
	}
	if err := applyTotals(ctx, tx, tenantID, d); err != nil {
		return nil, fmt.Errorf("kept totals: %w", err)
	}
	return created, nil
}

// RecordInteractions records interactions in order in one transaction, as
// store.Store's RecordInteractions promises, and moves the kept totals of
// every alert it changes.
func RecordInteractions(ctx context.Context, begin Begin, tenantID uuid.UUID, ins []store.Interaction) (results []store.InteractionResult, err error) {
	err = begin(ctx, tenantID, func(tx Tx) error {
		results, err = recordInteractions(ctx, tx, tenantID, ins)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func recordInteractions(ctx context.Context, tx Tx, tenantID uuid.UUID, ins []store.Interaction) ([]store.InteractionResult, error) {
	results := make([]store.InteractionResult, len(ins))
	d := NewDelta()
	for i, in := range ins {
		r, err := recordInteraction(ctx, tx, tenantID, in, d)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		results[i] = r
	}
	if err := applyTotals(ctx, tx, tenantID, d); err != nil {
		return nil, fmt.Errorf("kept totals: %w", err)
	}
	return results, nil
}

// duplicateOf looks up the first interaction with in's idempotency key.
func duplicateOf(ctx context.Context, tx Tx, tenantID uuid.UUID, key string) (store.InteractionResult, bool, error) {
	if key == "" {
		return store.InteractionResult{}, false, nil
	}
	first, err := tx.InteractionByKey(ctx, tenantID, key)
	if errors.Is(err, store.ErrNotFound) {
		return store.InteractionResult{}, false, nil
	}
	if err != nil {
		return store.InteractionResult{}, false, err
	}
	return store.InteractionResult{Interaction: first, Duplicate: true}, true, nil
}

// recordInteraction stores one interaction, moves its alert as
// store.AlertState.Apply says, audits a status change and adds the alert's
// move to d.
func recordInteraction(ctx context.Context, tx Tx, tenantID uuid.UUID, in store.Interaction, d *Delta) (store.InteractionResult, error) {
	if dup, ok, err := duplicateOf(ctx, tx, tenantID, in.IdempotencyKey); err != nil || ok {
		return dup, err
	}
	before, err := tx.AlertForUpdate(ctx, tenantID, in.AlertID)
	if errors.Is(err, store.ErrNotFound) {
		return store.InteractionResult{Interaction: in, Err: fmt.Errorf("alert %s: %w", in.AlertID, store.ErrNotFound)}, nil
	}
	if err != nil {
		return store.InteractionResult{}, err
	}
	in.TenantID = tenantID
	in.ResponseTimeSeconds = store.ResponseTimeSeconds(before.CreatedAt, in.InteractedAt)
	inserted, err := tx.InsertInteraction(ctx, in)
	if err != nil {
		return store.InteractionResult{}, err
	}
	if !inserted { // another transaction stored the same key meanwhile
		dup, _, err := duplicateOf(ctx, tx, tenantID, in.IdempotencyKey)
		return dup, err
	}
	from := store.AlertState{Status: before.Status, AcknowledgedAt: before.AcknowledgedAt, ResolvedAt: before.ResolvedAt}
	to := from.Apply(in.Type, in.InteractedAt)
	after := before
	after.Status, after.AcknowledgedAt, after.ResolvedAt = to.Status, to.AcknowledgedAt, to.ResolvedAt
	if err := tx.UpdateAlertState(ctx, &after); err != nil {
		return store.InteractionResult{}, err
	}
	d.Move(&before, &after)
	if to.Status != from.Status {
		auditID, err := uuid.NewV7()
		if err != nil {
			return store.InteractionResult{}, err
		}
		if err := tx.InsertAuditLog(ctx, AuditLog{ID: auditID, TenantID: tenantID, AlertID: in.AlertID, UserID: in.UserID,
			InteractionID: in.ID, From: from.Status, To: to.Status, ChangedAt: in.RecordedAt}); err != nil {
			return store.InteractionResult{}, err
		}
	}
	return store.InteractionResult{Interaction: in}, nil
}

// batchedTotals is implemented by backends that can send the changes of
// the open totals and the lock of the days that change in one round trip;
// it returns what LockDays returns.
type batchedTotals interface {
	AddOpenTotalsLockDays(ctx context.Context, tenantID uuid.UUID, open []store.OpenTotal, days []int64, wait bool) ([]rollup.Day, error)
}

// applyTotals adds a transaction's delta to the kept totals: the open
// totals first, in type-class order, then the days in day order.
//
// A tenant's writers do not queue behind one another for its kept totals,
// which would give one tenant one commit at a time: the backend adds to
// whichever open-totals row is free, and a delta that only adds to the
// days goes to the rows of its days that no other transaction holds,
// folded into one, or to a new row (a stripe) when every row is held. A
// delta that removes packed times waits for every row of its days, since
// the time it removes may be in any of them, and folds them into one; so
// stripes come and go with contention and a quiet tenant keeps a row a
// day. Rows are locked in day and stripe order, and a writer that does
// not wait never waits while holding a day's row, so writers never wait
// on one another in a cycle.
func applyTotals(ctx context.Context, tx Tx, tenantID uuid.UUID, d *Delta) error {
	open, days := d.OpenTotals(), d.Rollups.Days()
	wait := d.Rollups.Removes()
	var (
		locked []rollup.Day
		err    error
	)
	if b, ok := tx.(batchedTotals); ok {
		if locked, err = b.AddOpenTotalsLockDays(ctx, tenantID, open, days, wait); err != nil {
			return fmt.Errorf("kept totals: %w", err)
		}
	} else {
		if len(open) > 0 {
			if err := tx.AddOpenTotals(ctx, tenantID, open); err != nil {
				return fmt.Errorf("open totals: %w", err)
			}
		}
		if len(days) > 0 {
			if locked, err = tx.LockDays(ctx, tenantID, days, wait); err != nil {
				return fmt.Errorf("lock days: %w", err)
			}
		}
	}
	return writeDays(ctx, tx, tenantID, &d.Rollups, days, locked)
}

// writeDays applies the changes of a delta to the locked rows of its days
// and writes them back: per day, the locked rows folded into the first, or
// a new stripe where none was locked; a row left empty is dropped.
func writeDays(ctx context.Context, tx Tx, tenantID uuid.UUID, d *rollup.Delta, days []int64, locked []rollup.Day) error {
	if len(days) == 0 {
		return nil
	}
	byDay := make(map[int64][]rollup.Day, len(locked))
	for _, dr := range locked {
		byDay[dr.Day] = append(byDay[dr.Day], dr)
	}
	put := make([]rollup.Day, 0, len(days))
	var drop []rollup.DayKey
	for _, day := range days {
		rows := byDay[day]
		dr := rollup.Day{Day: day, Stripe: rand.Int64()}
		if len(rows) > 0 {
			dr = rows[0]
			for i := range rows[1:] {
				if err := dr.Merge(&rows[1+i]); err != nil {
					return fmt.Errorf("day %d: %w", day, err)
				}
				drop = append(drop, rows[1+i].Key())
			}
		}
		if err := d.ApplyDay(&dr); err != nil {
			return fmt.Errorf("day %d: %w", day, err)
		}
		switch {
		case !dr.Empty():
			put = append(put, dr)
		case len(rows) > 0:
			drop = append(drop, dr.Key())
		}
	}
	if err := tx.WriteDays(ctx, tenantID, put, drop); err != nil {
		return fmt.Errorf("write days: %w", err)
	}
	return nil
}

// RebuildTx is what rebuilding the rollups needs of a backend inside one
// transaction.
type RebuildTx interface {
	// TenantIDs returns the tenants that have alerts.
	TenantIDs(ctx context.Context) ([]uuid.UUID, error)
	// AlertFacts calls fn for each of the tenant's alerts, as store.Store's
	// AlertFacts does, inside the transaction.
	AlertFacts(ctx context.Context, tenantID uuid.UUID, fn func(*store.Alert) error) error
	DeleteTenantRows(ctx context.Context, table string, tenantID uuid.UUID) (int64, error)
	WriteDays(ctx context.Context, tenantID uuid.UUID, put []rollup.Day, drop []rollup.DayKey) error
}

// RebuildRollups recomputes every tenant's rollups from its alert rows and
// replaces the kept ones: the migration that introduces rollups runs it on
// existing data, in its own transaction.
func RebuildRollups(ctx context.Context, tx RebuildTx) error {
	tenants, err := tx.TenantIDs(ctx)
	if err != nil {
		return err
	}
	for _, tenantID := range tenants {
		var b rollup.Builder
		if err := tx.AlertFacts(ctx, tenantID, func(a *store.Alert) error { b.Add(a); return nil }); err != nil {
			return err
		}
		if _, err := tx.DeleteTenantRows(ctx, "rollup_days", tenantID); err != nil {
			return err
		}
		days, err := b.Days()
		if err != nil {
			return err
		}
		if err := tx.WriteDays(ctx, tenantID, days, nil); err != nil {
			return err
		}
	}
	return nil
}

// MigrationStep returns the Go step that completes a migration in its
// transaction, after its SQL, or nil. Both backends number their migrations
// alike: version 5 replaces the rollups of version 3 (a row per bucket)
// with a row per day, which the step fills from the existing alerts.
func MigrationStep(version int) func(context.Context, RebuildTx) error {
	if version == 5 {
		return RebuildRollups
	}
	return nil
}
