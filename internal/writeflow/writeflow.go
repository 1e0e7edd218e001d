// Package writeflow holds the write flows, written once over store.Store:
// what ingesting alerts, recording interactions, deleting a tenant and
// purging old alerts do, in which order, and how each write moves the
// totals kept beside the rows. A backend supplies only the statements,
// through store.Tx, inside the transaction its Write opened; locking and
// SQL stay backend-specific.
package writeflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Tx is the statements the flows run inside one write transaction.
type Tx = store.Tx

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
		if err := applyTotals(ctx, tx, r.TenantID, d, nil, nil); err != nil {
			return err
		}
		return tx.AddRetentionCounts(ctx, r, counts)
	})
	if err != nil {
		return store.TenantCounts{}, err
	}
	return counts, nil
}

// DeleteTenant deletes every row and kept total of the tenant and stores
// the receipt with the counts deleted, in one transaction begun by begin,
// which must keep the tenant's other writes out until it ends (an
// exclusive write).
func DeleteTenant(ctx context.Context, begin Begin, r store.DeletionReceipt) (store.TenantCounts, error) {
	err := begin(ctx, r.TenantID, func(tx Tx) error {
		deleted, err := tx.DeleteTenantRows(ctx, r.TenantID)
		if err != nil {
			return fmt.Errorf("delete rows: %w", err)
		}
		r.Deleted = deleted
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
// returns nil and rolling back otherwise: store.Store's Write, with its
// options bound (see Writer).
type Begin func(ctx context.Context, tenantID uuid.UUID, fn func(Tx) error) error

// Writer returns the Begin of st's writes with opts.
func Writer(st store.Store, opts store.WriteOptions) Begin {
	return func(ctx context.Context, tenantID uuid.UUID, fn func(Tx) error) error {
		return st.Write(ctx, tenantID, opts, fn)
	}
}

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
	// The days the new alerts fall on are locked with the insert, in its
	// request: the ingest's delta changes no other day.
	days := make([]int64, len(alerts))
	for i := range alerts {
		days[i] = store.DayOf(alerts[i].CreatedAt)
	}
	slices.Sort(days)
	days = slices.Compact(days)
	created, locked, err := tx.InsertAlerts(ctx, tenantID, alerts, days)
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
	if err := applyTotals(ctx, tx, tenantID, d, locked, days); err != nil {
		return nil, fmt.Errorf("kept totals: %w", err)
	}
	return created, nil
}

// RecordInteractions records interactions in order in one transaction, as
// store.Store's RecordInteractions promises, and moves the kept totals of
// every alert it changes.
func RecordInteractions(ctx context.Context, begin Begin, tenantID uuid.UUID, ins []store.Interaction) (results []InteractionResult, err error) {
	err = begin(ctx, tenantID, func(tx Tx) error {
		results, err = recordInteractions(ctx, tx, tenantID, ins)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func recordInteractions(ctx context.Context, tx Tx, tenantID uuid.UUID, ins []store.Interaction) ([]InteractionResult, error) {
	one := len(ins) == 1
	if ids := alertIDs(ins); len(ids) > 1 {
		if err := tx.LockAlerts(ctx, tenantID, ids); err != nil {
			return nil, fmt.Errorf("lock alerts: %w", err)
		}
	}
	results := make([]InteractionResult, len(ins))
	d := NewDelta()
	var (
		locked     []rollup.Day
		lockedDays []int64
	)
	for i, in := range ins {
		// A single interaction reads its alert's day rows with the alert:
		// its move changes that day only. A batch locks the days of all
		// its moves at the end, in day order.
		lock, err := tx.LockAlert(ctx, tenantID, store.AlertLockRequest{AlertID: in.AlertID, Key: in.IdempotencyKey, Days: one})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		results[i], err = recordInteraction(ctx, tx, tenantID, in, lock, err, d)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		if one && lock.Duplicate == nil && results[i].Err == nil {
			locked, lockedDays = lock.Days, []int64{store.DayOf(lock.Alert.CreatedAt)}
		}
	}
	if err := applyTotals(ctx, tx, tenantID, d, locked, lockedDays); err != nil {
		return nil, fmt.Errorf("kept totals: %w", err)
	}
	return results, nil
}

// alertIDs returns the distinct alert ids of a batch, ascending: the order
// in which concurrent batches lock them.
func alertIDs(ins []store.Interaction) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(ins))
	for _, in := range ins {
		ids = append(ids, in.AlertID)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(ids)
}

// recordInteraction stores one interaction on the alert LockAlert locked
// (lockErr its ErrNotFound, when missing), moves the alert as
// store.AlertState.Apply says, audits a status change and adds the
// alert's move to d. An interaction whose key was used before comes back
// as the first one, a missing alert as the result's Err: neither writes.
func recordInteraction(ctx context.Context, tx Tx, tenantID uuid.UUID, in store.Interaction, lock store.AlertLock, lockErr error, d *Delta) (InteractionResult, error) {
	if lock.Duplicate != nil {
		return InteractionResult{Interaction: *lock.Duplicate, Duplicate: true}, nil
	}
	if lockErr != nil {
		return InteractionResult{Interaction: in, Err: fmt.Errorf("alert %s: %w", in.AlertID, store.ErrNotFound)}, nil
	}
	before := lock.Alert
	in.TenantID = tenantID
	in.ResponseTimeSeconds = store.ResponseTimeSeconds(before.CreatedAt, in.InteractedAt)
	if err := tx.InsertInteraction(ctx, in); err != nil {
		return InteractionResult{}, err
	}
	from := store.AlertState{Status: before.Status, AcknowledgedAt: before.AcknowledgedAt, ResolvedAt: before.ResolvedAt}
	to := from.Apply(in.Type, in.InteractedAt)
	after := before
	after.Status, after.AcknowledgedAt, after.ResolvedAt = to.Status, to.AcknowledgedAt, to.ResolvedAt
	if err := tx.UpdateAlertState(ctx, &after); err != nil {
		return InteractionResult{}, err
	}
	d.Move(&before, &after)
	if to.Status != from.Status {
		auditID, err := uuid.NewV7()
		if err != nil {
			return InteractionResult{}, err
		}
		if err := tx.InsertAuditLog(ctx, AuditLog{ID: auditID, TenantID: tenantID, AlertID: in.AlertID, UserID: in.UserID,
			InteractionID: in.ID, From: from.Status, To: to.Status, ChangedAt: in.RecordedAt}); err != nil {
			return InteractionResult{}, err
		}
	}
	return InteractionResult{Interaction: in}, nil
}

// applyTotals adds a transaction's delta to the kept totals: the open
// totals, in type-class order, and the days in day order.
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
// on one another in a cycle (a backend that reads a waiting writer's rows
// ahead, with its insert or its alert, lets them go before it waits).
//
// locked holds the rows of the days in lockedDays (ascending) that the
// flow locked already, without waiting, in the request of its insert or
// its alert: the delta's days among them need no request of their own,
// unless the delta removes times.
func applyTotals(ctx context.Context, tx Tx, tenantID uuid.UUID, d *Delta, locked []rollup.Day, lockedDays []int64) error {
	if open := d.OpenTotals(); len(open) > 0 {
		if err := tx.AddOpenTotals(ctx, tenantID, open); err != nil {
			return fmt.Errorf("open totals: %w", err)
		}
	}
	days := d.Rollups.Days()
	if len(days) == 0 {
		return nil
	}
	if removes := d.Rollups.Removes(); removes || !subset(days, lockedDays) {
		var err error
		if locked, err = tx.LockDays(ctx, tenantID, days, removes); err != nil {
			return fmt.Errorf("lock days: %w", err)
		}
	}
	return writeDays(ctx, tx, tenantID, &d.Rollups, days, locked)
}

// subset reports whether every element of a (ascending) is in b
// (ascending).
func subset(a, b []int64) bool {
	for _, v := range a {
		if _, ok := slices.BinarySearch(b, v); !ok {
			return false
		}
	}
	return true
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
	var ch store.DayChanges
	for _, day := range days {
		rows := byDay[day]
		dr := rollup.Day{Day: day, Stripe: rand.Int64()}
		if len(rows) > 0 {
			dr = rows[0]
			for i := range rows[1:] {
				if err := rollup.Merge(&dr, &rows[1+i]); err != nil {
					return fmt.Errorf("day %d: %w", day, err)
				}
				ch.Drop = append(ch.Drop, rows[1+i].Key())
			}
		}
		if err := d.ApplyDay(&dr); err != nil {
			return fmt.Errorf("day %d: %w", day, err)
		}
		switch {
		case dr.Empty() && len(rows) > 0:
			ch.Drop = append(ch.Drop, dr.Key())
		case dr.Empty():
		case len(rows) > 0:
			ch.Update = append(ch.Update, dr)
		default:
			ch.Insert = append(ch.Insert, dr)
		}
	}
	if err := tx.WriteDays(ctx, tenantID, ch); err != nil {
		return fmt.Errorf("write days: %w", err)
	}
	return nil
}

// RebuildTotals recomputes the tenant's kept totals (day rows and open
// totals) from its alert rows and replaces the kept ones, in one exclusive
// write: for a database whose day rows were never filled (a migration
// applied by a tool of one's own) or are suspected wrong.
func RebuildTotals(ctx context.Context, st store.Store, tenantID uuid.UUID) error {
	return st.Write(ctx, tenantID, store.WriteOptions{Exclusive: true}, func(tx Tx) error {
		var b rollup.Builder
		open := NewDelta()
		err := tx.AlertFacts(ctx, tenantID, func(a *store.Alert) error {
			b.Add(a)
			if a.Status.Open() {
				open.addOpen(a, 1)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteKeptTotals(ctx, tenantID); err != nil {
			return fmt.Errorf("delete kept totals: %w", err)
		}
		if totals := open.OpenTotals(); len(totals) > 0 {
			if err := tx.AddOpenTotals(ctx, tenantID, totals); err != nil {
				return err
			}
		}
		days, err := b.Days()
		if err != nil {
			return err
		}
		return tx.WriteDays(ctx, tenantID, store.DayChanges{Insert: days})
	})
}
