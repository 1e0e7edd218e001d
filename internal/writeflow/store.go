package writeflow

import (
	"context"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/store"
)

// Store is a backend with the write flows as methods: what the root
// package and the conformance suite write through. Its reads are the
// backend's own.
type Store struct{ store.Store }

// InsertAlerts stores the alerts the tenant does not have yet, in one
// transaction, and reports for each input whether it was created. An alert
// whose id exists (including earlier in the same slice) is left unchanged
// and reported false.
func (s Store) InsertAlerts(ctx context.Context, tenantID uuid.UUID, alerts []store.Alert) ([]bool, error) {
	return InsertAlerts(ctx, Writer(s.Store, store.WriteOptions{}), tenantID, alerts)
}

// RecordInteractions stores interactions in order, in one transaction,
// filling in ResponseTimeSeconds from the alert's created_at; each stored
// one moves its alert as store.AlertState.Apply says and audits a status
// change. An item whose idempotency key was used before comes back as the
// first interaction with Duplicate set; an item whose alert does not exist
// comes back with Err wrapping store.ErrNotFound. Neither writes anything.
// Any other failure rolls back every item.
func (s Store) RecordInteractions(ctx context.Context, tenantID uuid.UUID, ins []store.Interaction) ([]InteractionResult, error) {
	return RecordInteractions(ctx, Writer(s.Store, store.WriteOptions{}), tenantID, ins)
}

// DeleteTenant deletes every row and kept total of the tenant and stores
// the receipt with the counts deleted, in one exclusive transaction.
func (s Store) DeleteTenant(ctx context.Context, r store.DeletionReceipt) (store.TenantCounts, error) {
	return DeleteTenant(ctx, Writer(s.Store, store.WriteOptions{Exclusive: true}), r)
}

// PurgeBatch deletes, in one transaction, up to limit of the alerts the
// receipt's run purges (oldest first) with their interactions and audit
// rows, moves every kept total, and adds the counts to the stored receipt.
// It returns the counts of this batch; zero alerts means the run is done.
func (s Store) PurgeBatch(ctx context.Context, r store.RetentionReceipt, limit int) (store.TenantCounts, error) {
	return PurgeBatch(ctx, Writer(s.Store, store.WriteOptions{}), r, limit)
}

// SaveRetentionReceipt stores the receipt, replacing the one with its id,
// in a transaction of its own.
func (s Store) SaveRetentionReceipt(ctx context.Context, r store.RetentionReceipt) error {
	return s.Write(ctx, r.TenantID, store.WriteOptions{}, func(tx Tx) error { return tx.SaveRetentionReceipt(ctx, r) })
}

// RebuildTotals recomputes the tenant's kept totals from its rows (see the
// function RebuildTotals).
func (s Store) RebuildTotals(ctx context.Context, tenantID uuid.UUID) error {
	return RebuildTotals(ctx, s.Store, tenantID)
}
